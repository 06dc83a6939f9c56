// COMPATIBILITY CODE (wire version 0): the reference's per-class ratchet (`ClassRatchet`,
// PROTOCOL.md §10.1), state machine included. Not Elara's default.
import { ClosedError, OutOfRangeError, type PacketClass, packetClassProperties } from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';
import { v0ClassChainKey, v0MessageKey, v0NextChainKey } from './v0-key-schedule.ts';

/** The most epochs {@link V0ClassRatchet.syncToEpoch} walks in one call (each is one HKDF). */
export const V0_MAX_EPOCH_SYNC = 1024;

/**
 * One class's key chain as the reference keeps it: a chain key, an epoch and a message count.
 * `messageKey()` is key number `messageCount` of the current epoch; `advanceMessage()` moves to
 * the next and, after the class's epoch length (Core 100, Perceptual 1000, Enhancement 500,
 * Cosmetic 2000, Repair 50), advances the epoch. A message key therefore depends only on
 * (root, class, epoch, count); the chain key moves once per epoch, not per message.
 *
 * @example
 * const ratchet = new V0ClassRatchet(crypto, rootKey, PacketClass.Core);
 * const key = ratchet.nextMessageKey(); // key #0, then the ratchet moves to #1
 */
export class V0ClassRatchet {
  private chainKey: Uint8Array;
  private epochValue = 0;
  private count = 0;
  private closed = false;
  private readonly epochLength: number;

  constructor(
    private readonly provider: CryptoProvider,
    rootKey: Uint8Array,
    /** The class this chain belongs to. */
    readonly packetClass: PacketClass,
  ) {
    this.chainKey = v0ClassChainKey(provider, rootKey, packetClass);
    this.epochLength = packetClassProperties(packetClass).ratchetEpochLength;
  }

  /** The current epoch (starts at 0). */
  get epoch(): number {
    return this.epochValue;
  }

  /** The message count within the epoch (starts at 0). */
  get messageCount(): number {
    return this.count;
  }

  /** The current message key (32 bytes), without moving the ratchet. */
  messageKey(): Uint8Array {
    this.checkOpen();
    return v0MessageKey(this.provider, this.chainKey, this.count);
  }

  /** Moves to the next message; at the class's epoch length, to the next epoch. */
  advanceMessage(): void {
    this.checkOpen();
    this.count += 1;
    if (this.count >= this.epochLength) this.advanceEpoch();
  }

  /** The current message key, then {@link V0ClassRatchet.advanceMessage} (the reference's `next_message_key`). */
  nextMessageKey(): Uint8Array {
    const key = this.messageKey();
    this.advanceMessage();
    return key;
  }

  /** Derives the next epoch's chain key; the message count restarts at 0. */
  advanceEpoch(): void {
    this.checkOpen();
    const next = v0NextChainKey(this.provider, this.chainKey, this.epochValue);
    this.chainKey.fill(0);
    this.chainKey = next;
    this.epochValue += 1;
    this.count = 0;
  }

  /**
   * Advances until the epoch is `target` (nothing when already there or past it). At most
   * {@link V0_MAX_EPOCH_SYNC} epochs per call ({@link OutOfRangeError} otherwise), so a number
   * taken from the network cannot make it spin.
   */
  syncToEpoch(target: number): void {
    if (!Number.isInteger(target) || target - this.epochValue > V0_MAX_EPOCH_SYNC) {
      throw new OutOfRangeError(
        `v0 ratchet: cannot sync from epoch ${this.epochValue} to ${target}`,
      );
    }
    while (this.epochValue < target) this.advanceEpoch();
  }

  /** Zeroes the chain key; later calls throw `ClosedError`. */
  dispose(): void {
    this.closed = true;
    this.chainKey.fill(0);
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('v0 class ratchet: disposed');
  }
}
