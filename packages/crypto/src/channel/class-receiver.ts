import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { FutureEpochError, StaleEpochError, TooFarAheadError } from './channel-errors.ts';
import { channelEpochStep, splitChannelStep } from './channel-key-schedule.ts';
import { type ChainStep, ReceiveChain } from './receive-chain.ts';

const NO_CHAINS: readonly ReceiveChain[] = [];

/** The limits of one class receiver (checked by the channel). */
export interface ClassReceiverLimits {
  /** Replay window and skipped-key cache size per epoch. */
  readonly windowSize: number;
  /** Previous epochs kept open after a newer one arrives. */
  readonly overlap: number;
  /** Epochs one frame may jump ahead. */
  readonly maxEpochSkip: number;
  /** Chain positions one frame may skip. */
  readonly maxSkip: number;
}

/**
 * What an open needs before authentication, and what to commit after it. Nothing in here has
 * touched the receiver's state yet.
 */
export interface PendingOpen {
  readonly epoch: number;
  readonly seq: number;
  readonly chain: ReceiveChain;
  readonly step: ChainStep;
  /** Chains of newer epochs to install first (the last is `chain`), none for a kept epoch. */
  readonly newChains: readonly ReceiveChain[];
  /** The key of the epoch after the newest of `newChains`. */
  readonly nextEpochKey: Uint8Array | undefined;
}

/**
 * The receiving side of one packet class of one channel: the chains of the newest epoch and of
 * up to `overlap` previous ones (frames sealed just before a re-key still open), and the key of
 * the epoch after the newest, to derive forward. An epoch key is erased by the step that
 * starts its chain and derives its successor (one HMAC-SHA512, split), so nothing held reaches
 * back to an opened frame. Memory: at most `overlap + 1` chains, each a chain key, two
 * derivation buffers, a window and at most `windowSize` cached keys; work per frame: at most
 * `maxEpochSkip` epoch steps and `maxSkip + 1` chain steps, one HMAC-SHA512 each.
 */
export class ClassReceiver {
  private readonly chains: ReceiveChain[];
  private readonly nextEpochKey = new Uint8Array(KEY_LENGTH);

  /** `epochZeroKey` is taken over (and zeroed). */
  constructor(
    private readonly provider: CryptoProvider,
    epochZeroKey: Uint8Array,
    private readonly limits: ClassReceiverLimits,
  ) {
    const chainKey = new Uint8Array(KEY_LENGTH);
    splitChannelStep(channelEpochStep(provider, epochZeroKey), chainKey, this.nextEpochKey);
    epochZeroKey.fill(0);
    this.chains = [new ReceiveChain(0, chainKey, limits.windowSize)];
  }

  /** The newest epoch opened so far (0 at first). */
  get currentEpoch(): number {
    return this.newest().epoch;
  }

  /** Keys of skipped positions held, over every kept epoch. */
  get cachedKeys(): number {
    let n = 0;
    for (const c of this.chains) n += c.cachedKeys;
    return n;
  }

  /**
   * Checks (epoch, seq) against the kept epochs and windows and derives the message key, all
   * without changing anything. Throws `StaleEpochError`, `FutureEpochError`,
   * `TooFarAheadError`, `DuplicateFrameError` or `BeyondWindowError`.
   */
  prepare(epoch: number, seq: number): PendingOpen {
    const newest = this.newest();
    if (epoch <= newest.epoch) {
      const chain = this.find(epoch);
      const step = chain.prepare(this.provider, seq, this.limits.maxSkip);
      return { epoch, seq, chain, step, newChains: NO_CHAINS, nextEpochKey: undefined };
    }
    const { maxEpochSkip, maxSkip, overlap, windowSize } = this.limits;
    if (epoch - newest.epoch > maxEpochSkip) {
      throw new FutureEpochError(
        `epoch ${epoch}: more than ${maxEpochSkip} ahead of ${newest.epoch}`,
      );
    }
    // Checked before any derivation, so a forged far-ahead frame costs nothing.
    if (seq > maxSkip) {
      throw new TooFarAheadError(`epoch ${epoch} seq ${seq}: more than ${maxSkip} positions in`);
    }
    // Each step writes the next epoch's key over the previous one in `next` (the step's output
    // is computed before anything is overwritten), so the kept key stays intact until commit.
    const newChains: ReceiveChain[] = [];
    const next = new Uint8Array(KEY_LENGTH);
    let key = this.nextEpochKey;
    for (let e = newest.epoch + 1; e <= epoch; e++) {
      // Epochs that would fall out of the overlap at once are stepped over, never started:
      // their chain's start is written into `next` and at once overwritten by the epoch key.
      const kept = e >= epoch - overlap;
      const chainKey = kept ? new Uint8Array(KEY_LENGTH) : next;
      splitChannelStep(channelEpochStep(this.provider, key), chainKey, next);
      key = next;
      if (kept) newChains.push(new ReceiveChain(e, chainKey, windowSize));
    }
    const chain = newChains[newChains.length - 1] as ReceiveChain;
    try {
      const step = chain.prepare(this.provider, seq, maxSkip);
      return { epoch, seq, chain, step, newChains, nextEpochKey: next };
    } catch (e) {
      for (const c of newChains) c.erase();
      next.fill(0);
      throw e;
    }
  }

  /** Records an authenticated frame: installs new epochs, erases those past the overlap. */
  commit(pending: PendingOpen): void {
    if (pending.nextEpochKey !== undefined) {
      this.chains.push(...pending.newChains);
      this.nextEpochKey.set(pending.nextEpochKey);
      pending.nextEpochKey.fill(0);
      while (this.chains.length > this.limits.overlap + 1) this.chains.shift()?.erase();
    }
    pending.chain.commit(pending.step);
  }

  /** Forgets a failed attempt: zeroes what it derived. */
  discard(pending: PendingOpen): void {
    pending.chain.discard(pending.step);
    for (const c of pending.newChains) c.erase();
    pending.nextEpochKey?.fill(0);
  }

  /** Zeroes every key held. */
  erase(): void {
    for (const c of this.chains) c.erase();
    this.nextEpochKey.fill(0);
  }

  /** Kept epochs: windows, chain heads, cached positions (no key bytes). */
  describe(): string {
    return this.chains.map((c) => c.describe()).join(' ');
  }

  /** Copies of every key held, for the test-only inspector. */
  keyMaterial(): Uint8Array[] {
    return [new Uint8Array(this.nextEpochKey), ...this.chains.flatMap((c) => c.keyMaterial())];
  }

  /** Copies of every kept chain's derivation buffers (all zero between frames). */
  scratchMaterial(): Uint8Array[] {
    return this.chains.flatMap((c) => c.scratchMaterial());
  }

  private newest(): ReceiveChain {
    return this.chains[this.chains.length - 1] as ReceiveChain;
  }

  private find(epoch: number): ReceiveChain {
    for (const c of this.chains) if (c.epoch === epoch) return c;
    throw new StaleEpochError(
      `epoch ${epoch}: erased (the oldest kept is ${this.chains[0]?.epoch})`,
    );
  }
}
