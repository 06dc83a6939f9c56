import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { FutureEpochError, StaleEpochError, TooFarAheadError } from './channel-errors.ts';
import { channelEpochStep, splitChannelStep } from './channel-key-schedule.ts';
import { DerivationScratch } from './derivation-scratch.ts';
import { ChainStep, ReceiveChain } from './receive-chain.ts';

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
 * The receiving side of one packet class of one channel. Committed state: the chains of the
 * newest epoch opened and of up to `overlap` previous ones (frames sealed just before a re-key
 * still open). Derivation cache: the chains of the epochs after the newest that frames have
 * asked for (at most `maxEpochSkip`, each started once by one epoch step and kept, so no epoch
 * is stepped twice), and the key of the epoch after the last of them. An epoch key is erased
 * by the step that starts its chain and derives its successor (one HMAC-SHA512, split), so
 * nothing held reaches back to an opened frame.
 *
 * Work: each epoch step and each chain position is derived once however many frames ask for
 * it, bar a walk of fewer than 16 positions from a checkpoint (see `ReceiveChain`); so what
 * forged frames can make a receiver compute before the next authentic frame is bounded by
 * `maxEpochSkip` epoch steps and `maxSkip + 1` positions per chain, and a repeated frame
 * costs nothing.
 */
export class ClassReceiver {
  private readonly chains: ReceiveChain[];
  private readonly ahead: ReceiveChain[] = [];
  private readonly epochKey = new Uint8Array(KEY_LENGTH);
  private readonly scratch: DerivationScratch;
  private readonly step = new ChainStep();

  /** `epochZeroKey` is taken over (and zeroed). */
  constructor(
    private readonly provider: CryptoProvider,
    epochZeroKey: Uint8Array,
    private readonly limits: ClassReceiverLimits,
  ) {
    const chainKey = new Uint8Array(KEY_LENGTH);
    splitChannelStep(channelEpochStep(provider, epochZeroKey), chainKey, this.epochKey);
    epochZeroKey.fill(0);
    this.chains = [new ReceiveChain(0, chainKey, limits.windowSize, limits.maxSkip)];
    this.scratch = new DerivationScratch(limits.windowSize);
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
   * Checks (epoch, seq) against the kept epochs and windows and puts the message key into the
   * scratch, changing no committed state (the derivation cache may grow). Returns the open in
   * progress (one object, reused). Throws `StaleEpochError`, `FutureEpochError`,
   * `TooFarAheadError`, `DuplicateFrameError` or `BeyondWindowError`.
   */
  prepare(epoch: number, seq: number): ChainStep {
    const newest = this.newest();
    const { maxEpochSkip, maxSkip, windowSize } = this.limits;
    let chain: ReceiveChain;
    if (epoch <= newest.epoch) {
      chain = this.find(epoch);
    } else {
      if (epoch - newest.epoch > maxEpochSkip) {
        throw new FutureEpochError(
          `epoch ${epoch}: more than ${maxEpochSkip} ahead of ${newest.epoch}`,
        );
      }
      // Checked before any derivation, so a forged far-ahead frame costs nothing.
      if (seq > maxSkip) {
        throw new TooFarAheadError(`epoch ${epoch} seq ${seq}: more than ${maxSkip} positions in`);
      }
      // Each epoch step writes the next epoch's key over the one it was derived from.
      while (newest.epoch + this.ahead.length < epoch) {
        const chainKey = new Uint8Array(KEY_LENGTH);
        splitChannelStep(channelEpochStep(this.provider, this.epochKey), chainKey, this.epochKey);
        const e = newest.epoch + this.ahead.length + 1;
        this.ahead.push(new ReceiveChain(e, chainKey, windowSize, maxSkip));
      }
      chain = this.ahead[epoch - newest.epoch - 1] as ReceiveChain;
    }
    chain.prepare(this.provider, seq, maxSkip, this.scratch, this.step);
    return this.step;
  }

  /** The key `prepare` found for the frame (valid until commit or discard). */
  get messageKey(): Uint8Array {
    return this.scratch.messageKey;
  }

  /**
   * Records an authenticated frame: installs the epochs up to its own (erasing those past the
   * overlap), then commits it to its chain.
   */
  commit(step: ChainStep): void {
    const chain = step.chain as ReceiveChain;
    const jump = chain.epoch - this.newest().epoch;
    if (jump > 0) {
      this.chains.push(...this.ahead.splice(0, jump));
      while (this.chains.length > this.limits.overlap + 1) this.chains.shift()?.erase();
    }
    chain.commit(this.provider, step, this.scratch);
  }

  /** Forgets a failed attempt: zeroes the scratch. */
  discard(step: ChainStep): void {
    (step.chain as ReceiveChain).discard(step, this.scratch);
  }

  /** Zeroes every key held. */
  erase(): void {
    for (const c of this.chains) c.erase();
    for (const c of this.ahead) c.erase();
    this.epochKey.fill(0);
    this.scratch.clear(Number.MAX_SAFE_INTEGER);
  }

  /** Kept epochs: windows, chain heads, cached positions (no key bytes): committed state. */
  describe(): string {
    return this.chains.map((c) => c.describe()).join(' ');
  }

  /** The derivation cache: per chain, kept then ahead, its frontier and checkpoints. */
  describeCache(): string {
    return [...this.chains, ...this.ahead].map((c) => c.describeCache()).join(' ');
  }

  /** Copies of the committed keys: per kept epoch its chain key and cached skipped keys. */
  keyMaterial(): Uint8Array[] {
    return this.chains.flatMap((c) => c.keyMaterial());
  }

  /**
   * Copies of the derivation cache's keys: the next epoch key to derive, the chains of epochs
   * ahead (committed-like keys and caches), the kept chains' caches.
   */
  cacheMaterial(): Uint8Array[] {
    return [
      new Uint8Array(this.epochKey),
      ...this.ahead.flatMap((c) => [...c.keyMaterial(), ...c.cacheMaterial()]),
      ...this.chains.flatMap((c) => c.cacheMaterial()),
    ];
  }

  /** Copies of the scratch buffers (all zero between frames). */
  scratchMaterial(): Uint8Array[] {
    return this.scratch.copies();
  }

  /** Copies of every buffer a key can be in, for erasure checks. */
  buffers(): Uint8Array[] {
    return [
      new Uint8Array(this.epochKey),
      ...[...this.chains, ...this.ahead].flatMap((c) => c.buffers()),
      ...this.scratch.copies(),
    ];
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
