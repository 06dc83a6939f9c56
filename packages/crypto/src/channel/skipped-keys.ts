/**
 * The message keys of one epoch's chain positions that were derived but not opened yet:
 * positions the chain went past because a later frame arrived first, still inside the replay
 * window. One slot per window position (`seq mod size`), so it never holds more than `size`
 * keys whatever the traffic; a key is zeroed when its frame opens or when it leaves the window.
 */
export class SkippedKeys {
  private readonly keys: (Uint8Array | undefined)[];
  private readonly positions: Int32Array;
  private held = 0;

  constructor(readonly size: number) {
    this.keys = new Array<Uint8Array | undefined>(size).fill(undefined);
    this.positions = new Int32Array(size).fill(-1);
  }

  /** How many keys are held. */
  get count(): number {
    return this.held;
  }

  /** The key of position `seq`, if held (it stays held). */
  get(seq: number): Uint8Array | undefined {
    const slot = seq % this.size;
    return this.positions[slot] === seq ? this.keys[slot] : undefined;
  }

  /** Holds `key` for position `seq` (zeroing whatever the slot held). */
  put(seq: number, key: Uint8Array): void {
    const slot = seq % this.size;
    this.clear(slot);
    this.keys[slot] = key;
    this.positions[slot] = seq;
    this.held++;
  }

  /** Zeroes and forgets the key of position `seq`. */
  delete(seq: number): void {
    const slot = seq % this.size;
    if (this.positions[slot] === seq) this.clear(slot);
  }

  /** Zeroes and forgets every key of a position below `floor` (it left the window). */
  dropBelow(floor: number): void {
    if (this.held === 0) return;
    for (let slot = 0; slot < this.size; slot++) {
      const seq = this.positions[slot] as number;
      if (seq >= 0 && seq < floor) this.clear(slot);
    }
  }

  /** Zeroes every key. */
  erase(): void {
    for (let slot = 0; slot < this.size; slot++) this.clear(slot);
  }

  /** The positions held, ascending (no key bytes), for diagnostics. */
  heldPositions(): number[] {
    const out: number[] = [];
    for (const seq of this.positions) if (seq >= 0) out.push(seq);
    return out.sort((a, b) => a - b);
  }

  /** Copies of the keys held, for the test-only inspector. */
  copies(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const k of this.keys) if (k !== undefined) out.push(new Uint8Array(k));
    return out;
  }

  private clear(slot: number): void {
    const key = this.keys[slot];
    if (key === undefined) return;
    key.fill(0);
    this.keys[slot] = undefined;
    this.positions[slot] = -1;
    this.held--;
  }
}
