import { KEY_LENGTH } from '../crypto-provider.ts';

/**
 * The buffers one class receiver derives into while it opens a frame: the frame's message key,
 * the chain key after it, a third key for walks made at commit, and the message keys of the
 * positions a frame skips (at most `windowSize − 1`, allocated at the first skip). Opening is
 * synchronous, so one set serves every chain of the class; every byte is zeroed once the frame
 * is committed or discarded, so they hold no key between frames.
 */
export class DerivationScratch {
  readonly messageKey = new Uint8Array(KEY_LENGTH);
  readonly nextChainKey = new Uint8Array(KEY_LENGTH);
  readonly walkKey = new Uint8Array(KEY_LENGTH);
  private skippedSlab: Uint8Array | undefined;
  /** Bytes of the skipped-key slab: `windowSize − 1` keys (at least one). */
  private readonly slabLength: number;

  constructor(windowSize: number) {
    this.slabLength = Math.max(1, windowSize - 1) * KEY_LENGTH;
  }

  /** The slab of skipped message keys (key `i` at `i × 32`). */
  get skipped(): Uint8Array {
    this.skippedSlab ??= new Uint8Array(this.slabLength);
    return this.skippedSlab;
  }

  /** Zeroes the first `count` skipped keys and both frame keys. */
  clear(count: number): void {
    this.messageKey.fill(0);
    this.nextChainKey.fill(0);
    this.walkKey.fill(0);
    if (count > 0) this.skippedSlab?.fill(0, 0, count * KEY_LENGTH);
  }

  /**
   * Copies of every buffer (all zero between frames), for the test-only inspector; the same
   * shape whether or not the skipped-key slab was allocated yet.
   */
  copies(): Uint8Array[] {
    return [
      new Uint8Array(this.messageKey),
      new Uint8Array(this.nextChainKey),
      new Uint8Array(this.walkKey),
      this.skippedSlab?.slice() ?? new Uint8Array(this.slabLength),
    ];
  }
}
