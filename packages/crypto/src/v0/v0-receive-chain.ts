// COMPATIBILITY CODE (wire version 0): the receiving side of one sender's class chain.
import { ClosedError, type PacketClass, packetClassProperties } from '@elara/core';
import { KeyUnavailableError, ReplayError } from '../crypto-errors.ts';
import type { CryptoProvider } from '../crypto-provider.ts';
import { v0MessageKey, v0NextChainKey } from './v0-key-schedule.ts';
import { copyBytes } from '../internal/copy-bytes.ts';
import type { V0EpochKeys } from './v0-epoch-keys.ts';

/** A frame's key, found but not yet committed (see {@link V0ReceiveChain.resolve}). */
export interface V0ResolvedKey {
  /** The absolute message number within the sender's class chain. */
  readonly index: number;
  /** The message key (the caller zeroes it after use). */
  readonly key: Uint8Array;
  /** The chain keys derived to reach a later epoch, oldest first (empty when none). */
  readonly derived: readonly Uint8Array[];
}

/**
 * The receive state for one (sender, class), fixing the reference's position-based receiver
 * (PROTOCOL.md §19.2–3) behind the same bytes. The key comes from the frame itself: its 16-bit
 * seq is extended to the sender's absolute message number `n` (the value nearest the newest one
 * accepted), and the key is message key `n mod L` of epoch `⌊n / L⌋` (L = the class's epoch
 * length), which is exactly the key the reference's sender used when it sends in one direction
 * only. Loss and reordering no longer desynchronise the chain; a replay window over the last
 * `W` numbers (the class's effective window, ≤ 64) is committed only after the tag checks.
 *
 * Bounded: the chain keeps the current and previous epoch's chain keys, and a frame may jump at
 * most `maxEpochSkip` epochs ahead (each skipped epoch costs one HKDF).
 */
export class V0ReceiveChain {
  private newest = -1;
  private epoch = 0;
  private chainKey: Uint8Array;
  private previous: Uint8Array | undefined;
  private readonly seen: Float64Array;
  private readonly epochLength: number;
  private closed = false;

  /** `baseChainKey` is the class's epoch-0 chain key; it is copied. */
  constructor(
    private readonly provider: CryptoProvider,
    baseChainKey: Uint8Array,
    packetClass: PacketClass,
    private readonly maxEpochSkip: number,
    /**
     * The session's shared memo of this class's epoch keys. With it, a first frame at any seq
     * opens (a late joiner's, at the cost of deriving its epoch once per session), and any
     * kept epoch's key is a lookup; the chain then holds no keys of its own.
     */
    private readonly shared?: V0EpochKeys,
  ) {
    const props = packetClassProperties(packetClass);
    this.epochLength = props.ratchetEpochLength;
    this.seen = new Float64Array(props.replayWindowEffective).fill(-1);
    this.chainKey = copyBytes(baseChainKey);
  }

  /**
   * Finds the key of the frame numbered `seq` without changing any state. A number already
   * accepted, or too old for the window, is a {@link ReplayError}; one too far ahead a
   * {@link KeyUnavailableError}.
   */
  resolve(seq: number): V0ResolvedKey {
    if (this.closed) throw new ClosedError('v0 receive chain: disposed');
    const index = this.indexOf(seq);
    const window = this.seen.length;
    if (index < 0 || index <= this.newest - window) {
      throw new ReplayError(`v0 frame seq ${seq}: older than the replay window`);
    }
    if (this.seen[index % window] === index) throw new ReplayError(`v0 frame seq ${seq}: replayed`);
    const epoch = Math.floor(index / this.epochLength);
    const count = index % this.epochLength;
    if (this.shared !== undefined) {
      if (this.newest >= 0 && epoch - this.epoch > this.maxEpochSkip) {
        throw new KeyUnavailableError(
          `v0 frame seq ${seq}: ${epoch - this.epoch} epochs ahead (at most ${this.maxEpochSkip})`,
        );
      }
      const chainKey = this.shared.chainKey(epoch);
      return { index, key: v0MessageKey(this.provider, chainKey, count), derived: [] };
    }
    const derived: Uint8Array[] = [];
    let chain: Uint8Array;
    if (epoch === this.epoch) chain = this.chainKey;
    else if (epoch === this.epoch - 1 && this.previous !== undefined) chain = this.previous;
    else if (epoch > this.epoch) {
      if (epoch - this.epoch > this.maxEpochSkip) {
        throw new KeyUnavailableError(
          `v0 frame seq ${seq}: ${epoch - this.epoch} epochs ahead (at most ${this.maxEpochSkip})`,
        );
      }
      chain = this.chainKey;
      for (let e = this.epoch; e < epoch; e++) {
        chain = v0NextChainKey(this.provider, chain, e);
        derived.push(chain);
      }
    } else {
      // The window is shorter than every class's epoch, so this cannot happen; refuse anyway.
      throw new KeyUnavailableError(`v0 frame seq ${seq}: its epoch's key is gone`);
    }
    return { index, key: v0MessageKey(this.provider, chain, count), derived };
  }

  /** Commits a frame whose tag checked: marks it seen and moves the chain forward. */
  accept(resolved: V0ResolvedKey): void {
    const { index, derived } = resolved;
    if (this.shared !== undefined) {
      this.epoch = Math.max(this.epoch, Math.floor(index / this.epochLength));
    } else if (derived.length > 0) {
      const next = derived[derived.length - 1] as Uint8Array;
      const previous =
        derived.length > 1 ? (derived[derived.length - 2] as Uint8Array) : this.chainKey;
      this.previous?.fill(0);
      if (previous !== this.chainKey) this.chainKey.fill(0);
      for (let i = 0; i < derived.length - 2; i++) (derived[i] as Uint8Array).fill(0);
      this.previous = previous;
      this.chainKey = next;
      this.epoch += derived.length;
    }
    if (index > this.newest) this.newest = index;
    this.seen[index % this.seen.length] = index;
  }

  /** Forgets a resolution whose tag did not check (zeroes what it derived). */
  discard(resolved: V0ResolvedKey): void {
    for (const k of resolved.derived) k.fill(0);
  }

  /** Zeroes the chain keys; later calls throw `ClosedError`. */
  dispose(): void {
    this.closed = true;
    this.chainKey.fill(0);
    this.previous?.fill(0);
  }

  private indexOf(seq: number): number {
    if (this.newest < 0) return seq;
    let diff = (seq - (this.newest & 0xffff)) & 0xffff;
    if (diff >= 0x8000) diff -= 0x10000;
    return this.newest + diff;
  }
}
