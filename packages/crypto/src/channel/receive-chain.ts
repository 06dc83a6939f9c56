import type { CryptoProvider } from '../crypto-provider.ts';
import { DuplicateFrameError, TooFarAheadError } from './channel-errors.ts';
import { channelMessageKey, channelNextChainKey } from './channel-key-schedule.ts';
import { ReplayWindow } from './replay-window.ts';
import { SkippedKeys } from './skipped-keys.ts';

const NONE: readonly Uint8Array[] = [];

/**
 * What opening one frame of a chain needs, derived without touching the chain, and what to
 * install if the frame authenticates. Keys in here that the chain does not hold are zeroed by
 * `commit` or `discard`.
 */
export interface ChainStep {
  readonly seq: number;
  /** The frame's message key. */
  readonly messageKey: Uint8Array;
  /** True when `messageKey` is the chain's cached key of a skipped position. */
  readonly cached: boolean;
  /** Message keys of the positions skipped on the way, from `skippedFrom` up to `seq − 1`. */
  readonly skipped: readonly Uint8Array[];
  readonly skippedFrom: number;
  /** The chain key at `seq` (the chain's own when the frame is the next position). */
  readonly chainKey: Uint8Array | undefined;
}

/**
 * The receiving side of one epoch of one class: a symmetric ratchet. It holds the chain key of
 * the next position not yet derived (`head`), the message keys of skipped positions still in
 * the replay window, and the window itself. Every position below `head` was opened (its key
 * zeroed, and the chain key that derived it gone), is cached, or left the window; so nothing
 * held derives the key of a frame that already opened.
 */
export class ReceiveChain {
  readonly window: ReplayWindow;
  private readonly skippedKeys: SkippedKeys;
  private chainKey: Uint8Array;
  private head = 0;

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
   * Checks `seq` against the window and derives its key, changing nothing: from the cache for
   * a skipped position, otherwise by walking the chain forward, at most `maxSkip` positions
   * past `head` (one HMAC per position, one more per skipped position that stays in the
   * window). Throws `DuplicateFrameError`, `BeyondWindowError` or `TooFarAheadError`.
   */
  prepare(provider: CryptoProvider, seq: number, maxSkip: number): ChainStep {
    this.window.check(seq);
    if (seq < this.head) {
      const key = this.skippedKeys.get(seq);
      // The window refuses opened and departed positions first; kept for safety all the same.
      if (key === undefined) throw new DuplicateFrameError(`seq ${seq}: no key left`);
      return {
        seq,
        messageKey: key,
        cached: true,
        skipped: NONE,
        skippedFrom: seq,
        chainKey: undefined,
      };
    }
    if (seq - this.head > maxSkip) {
      throw new TooFarAheadError(
        `epoch ${this.epoch} seq ${seq}: more than ${maxSkip} positions past ${this.head}`,
      );
    }
    const skippedFrom = Math.max(this.head, seq - this.window.size + 1);
    // The usual frame, the next position, allocates no list.
    const skipped: Uint8Array[] = seq === this.head ? (NONE as Uint8Array[]) : [];
    let key = this.chainKey;
    for (let position = this.head; position < seq; position++) {
      if (position >= skippedFrom) skipped.push(channelMessageKey(provider, key));
      const next = channelNextChainKey(provider, key);
      if (key !== this.chainKey) key.fill(0);
      key = next;
    }
    return {
      seq,
      messageKey: channelMessageKey(provider, key),
      cached: false,
      skipped,
      skippedFrom,
      chainKey: key,
    };
  }

  /**
   * Records an authenticated frame: moves the window, deletes the frame's key, and for a frame
   * at or past `head` caches the skipped keys, drops keys that left the window and steps the
   * chain past the frame (the chain key that derived its key is zeroed).
   */
  commit(provider: CryptoProvider, step: ChainStep): void {
    this.window.accept(step.seq);
    if (step.cached) {
      this.skippedKeys.delete(step.seq);
      return;
    }
    step.messageKey.fill(0);
    this.skippedKeys.dropBelow(step.seq - this.window.size + 1);
    step.skipped.forEach((k, i) => this.skippedKeys.put(step.skippedFrom + i, k));
    const at = step.chainKey as Uint8Array;
    const next = channelNextChainKey(provider, at);
    at.fill(0);
    this.chainKey.fill(0);
    this.chainKey = next;
    this.head = step.seq + 1;
  }

  /** Forgets a failed attempt: zeroes what it derived, leaves the chain as it was. */
  discard(step: ChainStep): void {
    if (step.cached) return;
    step.messageKey.fill(0);
    for (const k of step.skipped) k.fill(0);
    if (step.chainKey !== this.chainKey) step.chainKey?.fill(0);
  }

  /** Zeroes every key held. */
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
}
