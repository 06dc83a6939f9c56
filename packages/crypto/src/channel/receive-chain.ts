import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { DuplicateFrameError, TooFarAheadError } from './channel-errors.ts';
import { channelChainStep, splitChannelStep } from './channel-key-schedule.ts';
import type { DerivationScratch } from './derivation-scratch.ts';
import { ReplayWindow } from './replay-window.ts';
import { SkippedKeys } from './skipped-keys.ts';

/**
 * Chain positions between two checkpoints of a chain's derivation cache: a frame at a position
 * the cache has gone past costs at most this many HMAC-SHA512 (the walk from the checkpoint
 * below it), while the checkpoints cost 32 bytes per 16 positions.
 */
export const CHECKPOINT_SPACING = 16;

/**
 * One open in progress (a class receiver reuses one): where the frame's keys are, and what to
 * cache if it authenticates. The keys themselves are in the receiver's `DerivationScratch`.
 */
export class ChainStep {
  /** The chain the frame belongs to. */
  chain: ReceiveChain | undefined = undefined;
  seq = 0;
  /** True when the message key came from the chain's skipped-key cache. */
  cached = false;
  /** Positions `[skippedFrom, seq)`: their message keys are in the scratch, in order. */
  skippedFrom = 0;
  /** Positions `[missingFrom, skippedFrom)`: to cache too, derived at commit. */
  missingFrom = 0;
  /**
   * True when the frame's keys were derived by a walk: kept as derivation cache only if the
   * frame is refused (a commit would drop them at once, so an authentic frame pays no copies).
   */
  walked = false;
  /** True when that walk went past the frontier, which moves to the frame if it is refused. */
  fresh = false;
}

/**
 * The receiving side of one epoch of one class: a symmetric ratchet. Its **committed state**
 * is the chain key at `head` (the position after the highest frame opened), the message keys
 * of skipped positions still in the replay window, and the window; only an authenticated frame
 * changes it. Every position below `head` was opened (its key zeroed, the chain key that
 * derived it overwritten), is cached, or left the window: nothing held derives the key of a
 * frame that already opened.
 *
 * Its **derivation cache** keeps what walking ahead of `head` cost, so no frame, forged or not,
 * pays for the same walk twice: the chain key at `frontier` (the furthest position derived so
 * far, at most `maxSkip + 1` past `head`), a checkpoint chain key every
 * {@link CHECKPOINT_SPACING} positions in between, and the message key and next chain key of
 * the position the last refused walk ended at. Every key in it is `CK(p)` or `MK(p)` for some
 * `p ≥ head`, its bytes fixed by the committed chain key alone; which positions it holds
 * depends on the frames refused since the last commit (a refused frame at `t` keeps its step
 * through a commit below `t`). A forged frame can make it reach further or keep a step, never
 * hold another key, and it derives nothing already opened. A commit drops what falls below the
 * new `head`, which is everything a walk to the committed frame reaches; so the frame's own
 * step and the frontier are written into the cache only when the frame is refused
 * (`discard`), and an authentic frame opened in order copies no key into the cache.
 */
export class ReceiveChain {
  readonly window: ReplayWindow;
  private readonly skippedKeys: SkippedKeys;
  private readonly headKey: Uint8Array;
  private head = 0;
  private frontier = 0;
  private readonly frontierKey = new Uint8Array(KEY_LENGTH);
  private readonly checkpointSlots: number;
  private checkpoints: Uint8Array | undefined;
  private checkpointAt: Int32Array | undefined;
  private lastTarget = -1;
  private readonly lastStep = new Uint8Array(2 * KEY_LENGTH);

  /** `firstChainKey` (32 bytes) is taken over and becomes the chain's head key buffer. */
  constructor(
    readonly epoch: number,
    firstChainKey: Uint8Array,
    windowSize: number,
    maxSkip: number,
  ) {
    this.window = new ReplayWindow(windowSize);
    this.skippedKeys = new SkippedKeys(windowSize);
    this.headKey = firstChainKey;
    // Checkpoints lie in (head, frontier), at most maxSkip + 1 positions: this many fit.
    this.checkpointSlots = Math.floor(maxSkip / CHECKPOINT_SPACING) + 2;
  }

  /** Keys of skipped positions held (at most the window size). */
  get cachedKeys(): number {
    return this.skippedKeys.count;
  }

  /**
   * Checks `seq` against the window and puts its message key and the chain key after it into
   * `scratch`, changing no committed state: from the skipped-key cache, from the derivation
   * cache, or by walking forward (one HMAC-SHA512 per position), at most `maxSkip` positions
   * past `head`. The walk's checkpoints go into the derivation cache at once, its end (the
   * frontier and the frame's step) if the frame is refused. Throws `DuplicateFrameError`,
   * `BeyondWindowError` or `TooFarAheadError`, the last two before any derivation.
   */
  prepare(
    provider: CryptoProvider,
    seq: number,
    maxSkip: number,
    scratch: DerivationScratch,
    step: ChainStep,
  ): void {
    this.window.check(seq);
    step.chain = this;
    step.seq = seq;
    if (seq < this.head) {
      // The window refuses opened and departed positions first; kept for safety all the same.
      if (!this.skippedKeys.copyTo(seq, scratch.messageKey)) {
        throw new DuplicateFrameError(`seq ${seq}: no key left`);
      }
      step.cached = true;
      step.walked = false;
      step.skippedFrom = step.missingFrom = seq;
      return;
    }
    if (seq - this.head > maxSkip) {
      throw new TooFarAheadError(
        `epoch ${this.epoch} seq ${seq}: more than ${maxSkip} positions past ${this.head}`,
      );
    }
    step.cached = false;
    step.walked = false;
    step.missingFrom = Math.max(this.head, seq - this.window.size + 1);
    if (seq === this.lastTarget) {
      scratch.messageKey.set(this.lastStep.subarray(0, KEY_LENGTH));
      scratch.nextChainKey.set(this.lastStep.subarray(KEY_LENGTH));
      step.skippedFrom = seq;
      return;
    }
    // Past the frontier: walk on from it (new ground, checkpoints kept on the way). Below it:
    // walk from the checkpoint below (fewer than CHECKPOINT_SPACING steps).
    const fresh = seq >= this.frontier;
    let position = fresh ? this.frontier : this.checkpointBelow(seq);
    let key =
      position === this.head ? this.headKey : fresh ? this.frontierKey : this.checkpoint(position);
    const from = Math.max(position, step.missingFrom);
    step.skippedFrom = from;
    const skipped = seq > from ? scratch.skipped : undefined;
    for (; ; position++) {
      if (fresh && position > this.head && position % CHECKPOINT_SPACING === 0) {
        this.keepCheckpoint(position, key);
      }
      splitChannelStep(channelChainStep(provider, key), scratch.messageKey, scratch.nextChainKey);
      key = scratch.nextChainKey;
      if (position === seq) break;
      // A skipped position's key is kept if it will still be in the window, else overwritten.
      if (position >= from) skipped?.set(scratch.messageKey, (position - from) * KEY_LENGTH);
    }
    step.walked = true;
    step.fresh = fresh;
  }

  /**
   * Records an authenticated frame: moves the window, deletes the frame's key, and for a frame
   * at or past `head` caches the skipped keys still in the window (deriving those the walk did
   * not pass), drops keys that left the window, installs the chain key after the frame over
   * the old head key, and drops the derivation cache below the new head. Zeroes the scratch.
   */
  commit(provider: CryptoProvider, step: ChainStep, scratch: DerivationScratch): void {
    const seq = step.seq;
    this.window.accept(seq);
    if (step.cached) {
      this.skippedKeys.delete(seq);
      scratch.clear(0);
      return;
    }
    this.skippedKeys.dropBelow(seq - this.window.size + 1);
    if (step.missingFrom < step.skippedFrom) {
      this.cacheMissing(provider, step.missingFrom, step.skippedFrom, scratch);
    }
    for (let p = step.skippedFrom; p < seq; p++) {
      this.skippedKeys.put(p, scratch.skipped, (p - step.skippedFrom) * KEY_LENGTH);
    }
    this.headKey.set(scratch.nextChainKey);
    const frontierHeld = this.frontier > this.head;
    this.head = seq + 1;
    this.dropCacheBelowHead(frontierHeld);
    scratch.clear(seq - step.skippedFrom);
  }

  /**
   * Forgets a failed attempt: keeps what its walk derived as cache (the frame's step, and the
   * frontier moved to it when the walk went past it), then zeroes the scratch. Committed state
   * does not change.
   */
  discard(step: ChainStep, scratch: DerivationScratch): void {
    if (step.walked) {
      const seq = step.seq;
      if (step.fresh) {
        this.frontier = seq + 1;
        this.frontierKey.set(scratch.nextChainKey);
      }
      this.lastTarget = seq;
      this.lastStep.set(scratch.messageKey, 0);
      this.lastStep.set(scratch.nextChainKey, KEY_LENGTH);
    }
    scratch.clear(step.cached ? 0 : step.seq - step.skippedFrom);
  }

  /** Zeroes every key held, committed and cached. */
  erase(): void {
    this.headKey.fill(0);
    this.skippedKeys.erase();
    this.frontierKey.fill(0);
    this.checkpoints?.fill(0);
    this.checkpointAt?.fill(-1);
    this.lastStep.fill(0);
    this.lastTarget = -1;
  }

  /** Epoch, window, head and cached positions (no key bytes): the committed state. */
  describe(): string {
    return `${this.epoch}@${this.window.describe()}>${this.head}[${this.skippedKeys.heldPositions().join(',')}]`;
  }

  /** The derivation cache: frontier, checkpoint positions, last refused step's position. */
  describeCache(): string {
    const held = [...(this.checkpointAt ?? [])].filter((p) => p >= 0).sort((a, b) => a - b);
    return `${this.epoch}:${this.frontier}(${held.join(',')})${this.lastTarget}`;
  }

  /** Copies of the committed keys (head chain key first, then cached skipped keys). */
  keyMaterial(): Uint8Array[] {
    return [new Uint8Array(this.headKey), ...this.skippedKeys.copies()];
  }

  /** Copies of the derivation cache's keys. */
  cacheMaterial(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.frontier > this.head) out.push(new Uint8Array(this.frontierKey));
    const at = this.checkpointAt ?? [];
    for (let slot = 0; slot < at.length; slot++) {
      if ((at[slot] as number) >= 0) out.push(this.checkpointCopy(slot));
    }
    if (this.lastTarget >= 0) {
      out.push(this.lastStep.slice(0, KEY_LENGTH), this.lastStep.slice(KEY_LENGTH));
    }
    return out;
  }

  /** Copies of every buffer a key can be in, held or not, for erasure checks. */
  buffers(): Uint8Array[] {
    return [
      new Uint8Array(this.headKey),
      new Uint8Array(this.frontierKey),
      new Uint8Array(this.lastStep),
      this.checkpoints?.slice() ?? new Uint8Array(0),
      this.skippedKeys.slabCopy(),
    ];
  }

  /** The greatest checkpoint position in `(head, seq]`, or `head`. */
  private checkpointBelow(seq: number): number {
    const p = seq - (seq % CHECKPOINT_SPACING);
    const slot = (p / CHECKPOINT_SPACING) % this.checkpointSlots;
    return p > this.head && this.checkpointAt?.[slot] === p ? p : this.head;
  }

  private checkpoint(position: number): Uint8Array {
    const slot = (position / CHECKPOINT_SPACING) % this.checkpointSlots;
    return (this.checkpoints as Uint8Array).subarray(slot * KEY_LENGTH, (slot + 1) * KEY_LENGTH);
  }

  private checkpointCopy(slot: number): Uint8Array {
    return (this.checkpoints as Uint8Array).slice(slot * KEY_LENGTH, (slot + 1) * KEY_LENGTH);
  }

  private keepCheckpoint(position: number, key: Uint8Array): void {
    this.checkpoints ??= new Uint8Array(this.checkpointSlots * KEY_LENGTH);
    this.checkpointAt ??= new Int32Array(this.checkpointSlots).fill(-1);
    const slot = (position / CHECKPOINT_SPACING) % this.checkpointSlots;
    this.checkpoints.set(key, slot * KEY_LENGTH);
    this.checkpointAt[slot] = position;
  }

  /** Caches the message keys of `[from, to)`, walking from the best key at or below `from`. */
  private cacheMissing(
    provider: CryptoProvider,
    from: number,
    to: number,
    scratch: DerivationScratch,
  ): void {
    let position = this.checkpointBelow(from);
    let key = position === this.head ? this.headKey : this.checkpoint(position);
    for (; position < to; position++) {
      splitChannelStep(channelChainStep(provider, key), scratch.messageKey, scratch.walkKey);
      key = scratch.walkKey;
      if (position >= from) this.skippedKeys.put(position, scratch.messageKey, 0);
    }
  }

  /** `frontierHeld`: whether the frontier key held a key before the head moved. */
  private dropCacheBelowHead(frontierHeld: boolean): void {
    // The frontier key holds CK(frontier) while frontier > head, and is zero otherwise.
    if (this.frontier <= this.head) {
      this.frontier = this.head;
      if (frontierHeld) this.frontierKey.fill(0);
    }
    if (this.lastTarget >= 0 && this.lastTarget < this.head) {
      this.lastStep.fill(0);
      this.lastTarget = -1;
    }
    const at = this.checkpointAt;
    if (at === undefined) return;
    for (let slot = 0; slot < at.length; slot++) {
      const p = at[slot] as number;
      if (p >= 0 && p <= this.head) {
        (this.checkpoints as Uint8Array).fill(0, slot * KEY_LENGTH, (slot + 1) * KEY_LENGTH);
        at[slot] = -1;
      }
    }
  }
}
