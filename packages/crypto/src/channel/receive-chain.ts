import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { DuplicateFrameError, TooFarAheadError } from './channel-errors.ts';
import { channelChainStep, splitChannelStep } from './channel-key-schedule.ts';
import { ReplayWindow } from './replay-window.ts';
import { SkippedKeys } from './skipped-keys.ts';

const NONE: readonly Uint8Array[] = [];

/**
 * What opening one frame of a chain needs, derived without touching the chain's keys, and what
 * to install if the frame authenticates. Keys in here that the chain does not keep are zeroed
 * by `commit` or `discard`.
 */
export interface ChainStep {
  readonly seq: number;
  /**
   * The frame's message key: the chain's cached key of a skipped position, or the chain's
   * message key buffer (derived for this frame, zeroed by `commit` or `discard`).
   */
  readonly messageKey: Uint8Array;
  /** True when `messageKey` is the chain's cached key of a skipped position. */
  readonly cached: boolean;
  /** Message keys of the positions skipped on the way, from `skippedFrom` up to `seq − 1`. */
  readonly skipped: readonly Uint8Array[];
  readonly skippedFrom: number;
}

/**
 * The receiving side of one epoch of one class: a symmetric ratchet. It holds the chain key of
 * the next position not yet derived (`head`), the message keys of skipped positions still in
 * the replay window, and the window itself. Every position below `head` was opened (its key
 * zeroed, and the chain key that derived it overwritten), is cached, or left the window; so
 * nothing held derives the key of a frame that already opened.
 *
 * Deriving for a frame writes only two buffers of the chain's own, reused for every frame and
 * all zero between frames: the frame's message key and the chain key after it. Committing
 * swaps the latter in as the chain key and zeroes the old one, so an in-order frame allocates
 * nothing beyond the provider's 64-byte output, which is zeroed as soon as it is split.
 */
export class ReceiveChain {
  readonly window: ReplayWindow;
  private readonly skippedKeys: SkippedKeys;
  private chainKey: Uint8Array;
  private nextChainKey: Uint8Array = new Uint8Array(KEY_LENGTH);
  private readonly messageKey = new Uint8Array(KEY_LENGTH);
  private head = 0;

  /** `firstChainKey` (32 bytes) is taken over and becomes the chain's key buffer. */
  constructor(
    readonly epoch: number,
    firstChainKey: Uint8Array,
    windowSize: number,
  ) {
    this.window = new ReplayWindow(windowSize);
    this.skippedKeys = new SkippedKeys(windowSize);
    this.chainKey = firstChainKey;
  }

  /** Keys of skipped positions held (at most the window size). */
  get cachedKeys(): number {
    return this.skippedKeys.count;
  }

  /**
   * Checks `seq` against the window and finds its key, changing no key the chain keeps: from
   * the cache for a skipped position, otherwise by walking the chain forward, at most
   * `maxSkip` positions past `head` (one HMAC-SHA512 per position walked, one for the frame's
   * own). Throws `DuplicateFrameError`, `BeyondWindowError` or `TooFarAheadError`.
   */
  prepare(provider: CryptoProvider, seq: number, maxSkip: number): ChainStep {
    this.window.check(seq);
    if (seq < this.head) {
      const key = this.skippedKeys.get(seq);
      // The window refuses opened and departed positions first; kept for safety all the same.
      if (key === undefined) throw new DuplicateFrameError(`seq ${seq}: no key left`);
      return { seq, messageKey: key, cached: true, skipped: NONE, skippedFrom: seq };
    }
    if (seq - this.head > maxSkip) {
      throw new TooFarAheadError(
        `epoch ${this.epoch} seq ${seq}: more than ${maxSkip} positions past ${this.head}`,
      );
    }
    const skippedFrom = Math.max(this.head, seq - this.window.size + 1);
    // The usual frame, the next position, allocates no list.
    const skipped: Uint8Array[] = seq === this.head ? (NONE as Uint8Array[]) : [];
    // Each step overwrites the two buffers: a skipped position's message key is copied out
    // if it will stay in the window, and overwritten (erased) otherwise.
    let key = this.chainKey;
    for (let position = this.head; ; position++) {
      splitChannelStep(channelChainStep(provider, key), this.messageKey, this.nextChainKey);
      key = this.nextChainKey;
      if (position === seq) break;
      if (position >= skippedFrom) skipped.push(new Uint8Array(this.messageKey));
    }
    return { seq, messageKey: this.messageKey, cached: false, skipped, skippedFrom };
  }

  /**
   * Records an authenticated frame: moves the window, deletes the frame's key, and for a frame
   * at or past `head` caches the skipped keys, drops keys that left the window and installs
   * the chain key after the frame (the one before it, which derived its key, is zeroed).
   */
  commit(step: ChainStep): void {
    this.window.accept(step.seq);
    if (step.cached) {
      this.skippedKeys.delete(step.seq);
      return;
    }
    this.messageKey.fill(0);
    this.skippedKeys.dropBelow(step.seq - this.window.size + 1);
    step.skipped.forEach((k, i) => this.skippedKeys.put(step.skippedFrom + i, k));
    const old = this.chainKey;
    this.chainKey = this.nextChainKey;
    this.nextChainKey = old;
    old.fill(0);
    this.head = step.seq + 1;
  }

  /** Forgets a failed attempt: zeroes what it derived, leaves the chain as it was. */
  discard(step: ChainStep): void {
    if (step.cached) return;
    this.messageKey.fill(0);
    this.nextChainKey.fill(0);
    for (const k of step.skipped) k.fill(0);
  }

  /** Zeroes every key held (the derivation buffers are zero between frames already). */
  erase(): void {
    this.chainKey.fill(0);
    this.skippedKeys.erase();
  }

  /** Epoch, window, head and cached positions (no key bytes), for tests and diagnostics. */
  describe(): string {
    return `${this.epoch}@${this.window.describe()}>${this.head}[${this.skippedKeys.heldPositions().join(',')}]`;
  }

  /** Copies of every key held (chain key first), for the test-only inspector. */
  keyMaterial(): Uint8Array[] {
    return [new Uint8Array(this.chainKey), ...this.skippedKeys.copies()];
  }

  /** Copies of the two derivation buffers (all zero between frames), for the inspector. */
  scratchMaterial(): Uint8Array[] {
    return [new Uint8Array(this.messageKey), new Uint8Array(this.nextChainKey)];
  }
}
