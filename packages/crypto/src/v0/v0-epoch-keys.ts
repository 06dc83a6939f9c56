// COMPATIBILITY CODE (wire version 0): one shared, bounded memo of a class's epoch chain keys.
import type { PacketClass } from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';
import { copyBytes } from '../internal/copy-bytes.ts';
import { v0ClassChainKey, v0NextChainKey } from './v0-key-schedule.ts';

/** Every 16th epoch's chain key is kept as a checkpoint. */
const CHECKPOINT_EVERY = 16;
/** Checkpoints kept per class (the lowest go first): 512 × 16 = 8 192 epochs reachable cheaply. */
const MAX_CHECKPOINTS = 512;
/** Recently used epoch keys kept per class, for the hot path. */
const MAX_RECENT = 32;

/**
 * The v0 chain key of every epoch of one class, derived once per session and shared by every
 * sender: in v0 the chain depends only on the session key and the class (PROTOCOL.md §10.1),
 * not on the sender, so one memo serves all of them. Without it each sender's chain walked from
 * epoch 0 on its own, so a late joiner's first frame at seq 65 000 (Repair: epoch 1 300) was
 * refused and a forged frame could make a receiver walk hundreds of epochs per sender.
 *
 * Bounded: `MAX_RECENT` recent keys plus checkpoints every 16 epochs; any epoch is then at most
 * 15 HKDFs from a kept key, and an epoch past everything derived so far is derived once (the
 * callers bound how far ahead of an authenticated frame they ask). Memoising derivable keys
 * before a frame authenticates changes nothing a forger could use: it never makes a frame open
 * or not, it only saves the work of deriving the same key again.
 */
export class V0EpochKeys {
  private readonly checkpoints = new Map<number, Uint8Array>();
  private readonly recent = new Map<number, Uint8Array>();

  constructor(
    private readonly provider: CryptoProvider,
    sessionKey: Uint8Array,
    packetClass: PacketClass,
  ) {
    this.checkpoints.set(0, v0ClassChainKey(provider, sessionKey, packetClass));
  }

  /** The chain key of `epoch` (owned by this memo: read it, do not zero or keep it). */
  chainKey(epoch: number): Uint8Array {
    const hit = this.recent.get(epoch);
    if (hit !== undefined) {
      this.recent.delete(epoch);
      this.recent.set(epoch, hit);
      return hit;
    }
    let from = epoch - (epoch % CHECKPOINT_EVERY);
    while (!this.checkpoints.has(from)) from -= CHECKPOINT_EVERY; // epoch 0 is always kept
    let key = copyBytes(this.checkpoints.get(from) as Uint8Array);
    for (let e = from; e < epoch; e++) {
      const next = v0NextChainKey(this.provider, key, e);
      key.fill(0);
      key = next;
      if ((e + 1) % CHECKPOINT_EVERY === 0) this.addCheckpoint(e + 1, copyBytes(key));
    }
    this.recent.set(epoch, key);
    if (this.recent.size > MAX_RECENT) {
      const [oldest, k] = this.recent.entries().next().value as [number, Uint8Array];
      this.recent.delete(oldest);
      k.fill(0);
    }
    return key;
  }

  /** Zeroes every key held. */
  dispose(): void {
    for (const k of this.checkpoints.values()) k.fill(0);
    for (const k of this.recent.values()) k.fill(0);
    this.checkpoints.clear();
    this.recent.clear();
  }

  private addCheckpoint(epoch: number, key: Uint8Array): void {
    if (this.checkpoints.has(epoch)) {
      key.fill(0);
      return;
    }
    this.checkpoints.set(epoch, key);
    if (this.checkpoints.size > MAX_CHECKPOINTS) {
      // Keep epoch 0 (everything can be re-derived from it); drop the lowest other checkpoint.
      let lowest = Infinity;
      for (const e of this.checkpoints.keys()) if (e > 0 && e < lowest) lowest = e;
      this.checkpoints.get(lowest)?.fill(0);
      this.checkpoints.delete(lowest);
    }
  }
}
