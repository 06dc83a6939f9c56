import { OutOfRangeError } from '@elara/core';
import { BeyondWindowError, DuplicateFrameError } from './channel-errors.ts';

const SEQ_SPACE = 0x1_0000;
const HALF_SPACE = 0x8000;

/** Largest replay window a channel keeps per (class, epoch). */
export const MAX_REPLAY_WINDOW = 1024;

/**
 * A sliding replay window over 16-bit sequence numbers, with the reference's semantics where
 * they are sound (`replay.json`): a seq up to 32 767 ahead of the highest one (serially, so
 * 65 535 → 0 is one step) moves the window; one at or behind the highest is accepted once if
 * it is within `size` of it and not below 0; anything older is refused.
 *
 * One deliberate difference: a fresh window accepts any first seq. The reference's window
 * starts as if 0 had been seen, so it refuses a first seq above 32 768 (vector
 * `fresh_window_rejects_seq_above_32768`), which loses a peer's first frames after a restart.
 *
 * `check` never changes anything; `accept` records a seq and must be called only after the
 * frame authenticated, so forged frames move nothing.
 */
export class ReplayWindow {
  private readonly seen: Uint8Array;
  private highest = -1;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_REPLAY_WINDOW) {
      throw new OutOfRangeError(`replay window must be 1..${MAX_REPLAY_WINDOW}: ${size}`);
    }
    this.seen = new Uint8Array(size);
  }

  /** The highest seq accepted, or -1 before the first. */
  get highestSeq(): number {
    return this.highest;
  }

  /** The lowest seq still acceptable behind the highest (0 before the window has filled). */
  get minSeq(): number {
    return Math.max(0, this.highest - this.size + 1);
  }

  /** Throws `DuplicateFrameError` or `BeyondWindowError` unless `seq` would be accepted. */
  check(seq: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff) {
      throw new OutOfRangeError(`replay window: seq must be a u16, got ${String(seq)}`);
    }
    if (this.highest < 0) return;
    const ahead = (seq - this.highest + SEQ_SPACE) % SEQ_SPACE;
    if (ahead === 0) throw new DuplicateFrameError(`seq ${seq}: already accepted`);
    if (ahead < HALF_SPACE) return;
    if (seq > this.highest || this.highest - seq >= this.size) {
      throw new BeyondWindowError(
        `seq ${seq}: older than the replay window (highest ${this.highest}, size ${this.size})`,
      );
    }
    if (this.seen[seq % this.size] === 1) {
      throw new DuplicateFrameError(`seq ${seq}: already accepted`);
    }
  }

  /** Records `seq` (which must have passed `check`). */
  accept(seq: number): void {
    const ahead = this.highest < 0 ? 1 : (seq - this.highest + SEQ_SPACE) % SEQ_SPACE;
    if (ahead !== 0 && ahead < HALF_SPACE) {
      if (ahead >= this.size) this.seen.fill(0);
      else {
        for (let i = 1; i <= ahead; i++)
          this.seen[((this.highest + i) % SEQ_SPACE) % this.size] = 0;
      }
      this.highest = seq;
    }
    this.seen[seq % this.size] = 1;
  }

  /** A compact description, for tests and diagnostics. */
  describe(): string {
    let bits = '';
    for (const b of this.seen) bits += b;
    return `${this.highest}:${bits}`;
  }
}
