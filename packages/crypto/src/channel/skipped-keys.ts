import { KEY_LENGTH } from '../crypto-provider.ts';

/**
 * The message keys of one epoch's chain positions that were derived but not opened yet:
 * positions the chain went past because a later frame arrived first, still inside the replay
 * window. One 32-byte slot per window position (`seq mod size`) in a single slab, allocated at
 * the first key held, so it never holds more than `size` keys whatever the traffic and costs no
 * object per key; a key is zeroed when its frame opens or when it leaves the window.
 */
export class SkippedKeys {
  private slab: Uint8Array | undefined;
  private positions: Int32Array | undefined;
  private held = 0;

  constructor(readonly size: number) {}

  /** How many keys are held. */
  get count(): number {
    return this.held;
  }

  /** Copies the key of position `seq` into `out` (it stays held); false if not held. */
  copyTo(seq: number, out: Uint8Array): boolean {
    const slot = seq % this.size;
    if (this.slab === undefined || this.positions?.[slot] !== seq) return false;
    copyKey(this.slab, slot * KEY_LENGTH, out, 0);
    return true;
  }

  /** Holds the 32 bytes at `from[at..]` as the key of position `seq` (zeroing the slot first). */
  put(seq: number, from: Uint8Array, at: number): void {
    this.slab ??= new Uint8Array(this.size * KEY_LENGTH);
    this.positions ??= new Int32Array(this.size).fill(-1);
    const slot = seq % this.size;
    this.clear(slot);
    copyKey(from, at, this.slab, slot * KEY_LENGTH);
    this.positions[slot] = seq;
    this.held++;
  }

  /** Zeroes and forgets the key of position `seq`. */
  delete(seq: number): void {
    const slot = seq % this.size;
    if (this.positions?.[slot] === seq) this.clear(slot);
  }

  /** Zeroes and forgets every key of a position below `floor` (it left the window). */
  dropBelow(floor: number): void {
    if (this.held === 0 || this.positions === undefined) return;
    for (let slot = 0; slot < this.size; slot++) {
      const seq = this.positions[slot] as number;
      if (seq >= 0 && seq < floor) this.clear(slot);
    }
  }

  /** Zeroes every key. */
  erase(): void {
    this.slab?.fill(0);
    this.positions?.fill(-1);
    this.held = 0;
  }

  /** The positions held, ascending (no key bytes), for diagnostics. */
  heldPositions(): number[] {
    const out: number[] = [];
    for (const seq of this.positions ?? []) if (seq >= 0) out.push(seq);
    return out.sort((a, b) => a - b);
  }

  /** Copies of the keys held, for the test-only inspector. */
  copies(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.slab === undefined || this.positions === undefined) return out;
    for (let slot = 0; slot < this.size; slot++) {
      if ((this.positions[slot] as number) >= 0) {
        out.push(this.slab.slice(slot * KEY_LENGTH, (slot + 1) * KEY_LENGTH));
      }
    }
    return out;
  }

  /** The slab itself (all zero where no key is held), for the test-only inspector. */
  slabCopy(): Uint8Array {
    return this.slab?.slice() ?? new Uint8Array(0);
  }

  private clear(slot: number): void {
    if (this.positions?.[slot] === -1 || this.positions === undefined) return;
    this.slab?.fill(0, slot * KEY_LENGTH, (slot + 1) * KEY_LENGTH);
    this.positions[slot] = -1;
    this.held--;
  }
}

// A loop rather than set(subarray(…)): no view object per key.
function copyKey(from: Uint8Array, at: number, to: Uint8Array, offset: number): void {
  for (let i = 0; i < KEY_LENGTH; i++) to[offset + i] = from[at + i] as number;
}
