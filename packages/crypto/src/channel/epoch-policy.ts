import {
  OutOfRangeError,
  PACKET_CLASSES,
  type PacketClass,
  packetClassFromByte,
} from '@elara/core';

/** When a sender moves one packet class to its next epoch (a new key, seq back to 0). */
export interface EpochPolicy {
  /** Frames per epoch, 1..32 768 (the seq is 16 bits and the replay window reads it serially). */
  readonly messages: number;
  /** Plaintext bytes per epoch, at least 1; the epoch ends after the frame that reaches it. */
  readonly bytes: number;
}

/** The most frames one epoch may seal: half the 16-bit seq space, so serial order stays exact. */
export const MAX_EPOCH_MESSAGES = 0x8000;

/**
 * Default policy per class (indexed by class byte). Core carries durable state: shorter epochs
 * bound what one leaked epoch key exposes. The media classes run at high rates: longer epochs
 * use the 65 536 epochs of a channel more slowly (8 192 frames each: 2^29 frames per class and
 * direction). Each epoch also bounds how long a receiver that lost more than `maxSkip`
 * consecutive frames refuses a class (until the sender's next epoch). Re-keying costs each
 * side one HMAC-SHA512.
 */
export const DEFAULT_EPOCH_POLICIES: readonly EpochPolicy[] = [
  { messages: 4096, bytes: 4 * 1024 * 1024 }, // Core
  { messages: 8192, bytes: 32 * 1024 * 1024 }, // Perceptual
  { messages: 8192, bytes: 32 * 1024 * 1024 }, // Enhancement
  { messages: 8192, bytes: 32 * 1024 * 1024 }, // Cosmetic
  { messages: 8192, bytes: 8 * 1024 * 1024 }, // Repair
];

/** The policy of every class: `overrides` (by class) over the defaults, checked. */
export function epochPolicies(
  overrides: Partial<Record<PacketClass, EpochPolicy>> = {},
): readonly EpochPolicy[] {
  return PACKET_CLASSES.map((c) => {
    const fallback = DEFAULT_EPOCH_POLICIES[c];
    const p = overrides[packetClassFromByte(c)] ?? fallback;
    if (p === undefined) throw new OutOfRangeError(`epoch policy: no policy for class ${c}`);
    if (!Number.isInteger(p.messages) || p.messages < 1 || p.messages > MAX_EPOCH_MESSAGES) {
      throw new OutOfRangeError(`epoch policy: messages must be 1..${MAX_EPOCH_MESSAGES}`);
    }
    if (!Number.isSafeInteger(p.bytes) || p.bytes < 1) {
      throw new OutOfRangeError('epoch policy: bytes must be a positive integer');
    }
    return p;
  });
}
