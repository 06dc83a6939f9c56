import type { EphemeralEntry, EphemeralEntries } from '@elara/state';

/**
 * The projection of an ephemeral atom (presence, typing): one value per author's live entry,
 * decoded by `read` (undefined for an entry that is not valid: not decodable, or naming
 * another user than its author). Recomputed from the atom at each change, so it is exactly
 * what the field holds: expiry is the field's `expire(now)`, never a timer here.
 */
export class EntryProjection<T> {
  private list: readonly T[] = Object.freeze([]);
  private invalid = 0;

  constructor(private readonly read: (entry: EphemeralEntry) => T | undefined) {}

  /** The values now, by author (frozen; the same array until the atom changes). */
  get values(): readonly T[] {
    return this.list;
  }

  /** Live entries the latest refresh found invalid. */
  get invalidEntries(): number {
    return this.invalid;
  }

  /** Recomputes from the atom's state (undefined: the field does not hold the atom yet). */
  refresh(state: EphemeralEntries | undefined): void {
    const out: T[] = [];
    let invalid = 0;
    for (const e of state?.entries() ?? []) {
      const v = this.read(e);
      if (v === undefined) invalid++;
      else out.push(v);
    }
    this.list = Object.freeze(out);
    this.invalid = invalid;
  }
}
