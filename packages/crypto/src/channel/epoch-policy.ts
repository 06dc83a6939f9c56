import { PACKET_CLASSES, type PacketClass } from '@elara/core';
import { EpochPolicyError } from './channel-errors.ts';

/** When a sender moves one packet class to its next epoch (a new key, seq back to 0). */
export interface EpochPolicy {
  /**
   * Frames per epoch, 1..`maxSkip + 1` (and at most 32 768: the seq is 16 bits and the replay
   * window reads it serially).
   */
  readonly messages: number;
  /** Plaintext bytes per epoch, at least 1; the epoch ends after the frame that reaches it. */
  readonly bytes: number;
}

/** The most frames one epoch may seal: half the 16-bit seq space, so serial order stays exact. */
export const MAX_EPOCH_MESSAGES = 0x8000;

/**
 * Default `maxSkip` of a channel: how many chain positions one frame may skip. An epoch holds
 * at most `maxSkip + 1` frames, so no authentic frame is ever further than that from its
 * chain's head.
 */
export const DEFAULT_MAX_SKIP = 512;

/**
 * Default policy per class (indexed by class byte): 512 frames per epoch (`DEFAULT_MAX_SKIP`
 * + 1 would be allowed; a power of two reads better), so 65 536 epochs carry 2^25 frames per
 * class and direction (about 9.3 hours at 1 000 frames per second, 7.7 days at 50). Core also
 * ends an epoch after 256 KiB; the other classes after 1 MiB, which 512 frames of at most
 * 1 343 bytes never reach. Re-keying costs each side one HMAC-SHA512.
 */
export const DEFAULT_EPOCH_POLICIES: readonly EpochPolicy[] = [
  { messages: 512, bytes: 256 * 1024 }, // Core
  { messages: 512, bytes: 1024 * 1024 }, // Perceptual
  { messages: 512, bytes: 1024 * 1024 }, // Enhancement
  { messages: 512, bytes: 1024 * 1024 }, // Cosmetic
  { messages: 512, bytes: 1024 * 1024 }, // Repair
];

/**
 * The policy of every class: `overrides` (keyed by class byte; `null` or `undefined` means
 * none) over the defaults, checked against `maxSkip` (the receiving side's, which must be the
 * same on both ends): every field in range and at most `maxSkip + 1` frames per epoch, so an
 * epoch never holds a frame further than `maxSkip` from position 0. A class without an
 * override gets its default shortened to `maxSkip + 1` frames if need be; an override over it
 * (or for a class that does not exist, or malformed) is an `EpochPolicyError`.
 */
export function epochPolicies(
  overrides?: Partial<Record<PacketClass, EpochPolicy>> | null,
  maxSkip: number = DEFAULT_MAX_SKIP,
): readonly EpochPolicy[] {
  const given: Record<string, unknown> = overrides ?? {};
  if (typeof given !== 'object') {
    throw new EpochPolicyError(`epoch policies: expected an object by class, got ${typeof given}`);
  }
  for (const key of Object.keys(given)) {
    if (!PACKET_CLASSES.some((c) => String(c) === key)) {
      throw new EpochPolicyError(`epoch policies: no packet class ${JSON.stringify(key)}`);
    }
  }
  if (!Number.isInteger(maxSkip) || maxSkip < 1 || maxSkip > MAX_EPOCH_MESSAGES) {
    throw new EpochPolicyError(`epoch policies: maxSkip must be 1..${MAX_EPOCH_MESSAGES}`);
  }
  const most = Math.min(MAX_EPOCH_MESSAGES, maxSkip + 1);
  return PACKET_CLASSES.map((c) => {
    const fallback = DEFAULT_EPOCH_POLICIES[c] as EpochPolicy;
    const p = (given[String(c)] ?? {
      messages: Math.min(fallback.messages, most),
      bytes: fallback.bytes,
    }) as Partial<EpochPolicy>;
    if (typeof p !== 'object' || p === null) {
      throw new EpochPolicyError(`epoch policy of class ${c}: not an object`);
    }
    if (!Number.isInteger(p.messages) || (p.messages as number) < 1) {
      throw new EpochPolicyError(`epoch policy of class ${c}: messages must be 1..${most}`);
    }
    if ((p.messages as number) > most) {
      throw new EpochPolicyError(
        `epoch policy of class ${c}: ${p.messages} frames per epoch, more than maxSkip + 1 = ${most}` +
          ' (a receiver could not reach the last ones after a loss)',
      );
    }
    if (!Number.isSafeInteger(p.bytes) || (p.bytes as number) < 1) {
      throw new EpochPolicyError(`epoch policy of class ${c}: bytes must be a positive integer`);
    }
    return { messages: p.messages as number, bytes: p.bytes as number };
  });
}
