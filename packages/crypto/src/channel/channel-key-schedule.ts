import { type PacketClass, packetClassFromByte } from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';

const CLASS_LABEL = new TextEncoder().encode('elara v1 channel class ');

// One-byte domain tags, one per kind of step, so no two derivations share an input (and the
// class label, 24 bytes with the class, differs from both in length). 02 and 04 are retired:
// the previous schedule used them for separate next-key derivations.
/** HMAC-SHA512(CK_i, 01) = MK_i ‖ CK_{i+1}: one step of an epoch's chain. */
const CHAIN_STEP_TAG = new Uint8Array([0x01]);
/** HMAC-SHA512(EK_e, 03) = CK_0 ‖ EK_{e+1}: the start of epoch e's chain and the next epoch. */
const EPOCH_STEP_TAG = new Uint8Array([0x03]);

// Scratch input: derivations are synchronous, so one buffer serves every call.
const classInput = new Uint8Array(CLASS_LABEL.length + 1);
classInput.set(CLASS_LABEL);

/**
 * Epoch 0's key of one class in one direction:
 * `EK_0 = HMAC-SHA256(direction root, "elara v1 channel class " ‖ class byte)`.
 */
export function channelEpochZeroKey(
  provider: CryptoProvider,
  directionRoot: Uint8Array,
  packetClass: PacketClass,
): Uint8Array {
  classInput[CLASS_LABEL.length] = packetClassFromByte(packetClass);
  return provider.hmacSha256(directionRoot, classInput);
}

/**
 * One step of an epoch's chain: `HMAC-SHA512(CK_i, 01)`, 64 bytes whose first half is the
 * message key `MK_i` (used for one frame) and whose second half is the next chain key
 * `CK_{i+1}`. One way: whoever holds `CK_{i+1}` cannot go back to `CK_i`, so cannot derive
 * the message keys of positions ≤ i. Split it with {@link splitChannelStep}, which zeroes it.
 */
export function channelChainStep(provider: CryptoProvider, chainKey: Uint8Array): Uint8Array {
  return provider.hmacSha512(chainKey, CHAIN_STEP_TAG);
}

/**
 * One epoch step: `HMAC-SHA512(EK_e, 03)`, 64 bytes whose first half is epoch e's first chain
 * key `CK_0` and whose second half is the next epoch's key `EK_{e+1}`. Once split, the epoch
 * key is erased: nothing of epoch e (or earlier) can be derived from what is left.
 */
export function channelEpochStep(provider: CryptoProvider, epochKey: Uint8Array): Uint8Array {
  return provider.hmacSha512(epochKey, EPOCH_STEP_TAG);
}

/**
 * Copies the two 32-byte halves of a step's output into `first` and `second` (either may be
 * the key the step was derived from: the output is computed before anything is overwritten),
 * then zeroes the output. Copies, not views: the output can be zeroed at once, and keys live
 * in buffers their owner reuses and overwrites. With `first === second` the buffer ends up
 * holding the second half and the first is dropped.
 */
export function splitChannelStep(output: Uint8Array, first: Uint8Array, second: Uint8Array): void {
  for (let i = 0; i < KEY_LENGTH; i++) {
    first[i] = output[i] as number;
    second[i] = output[KEY_LENGTH + i] as number;
  }
  output.fill(0);
}

/**
 * Writes the 12-byte nonce `00000000 ‖ epoch u16 LE ‖ 0000 ‖ seq u16 LE ‖ class ‖ 00`. Every
 * message key is used once, so the nonce need not be unique; it still is, per direction, as a
 * second line of defence.
 */
export function writeChannelNonce(
  nonce: Uint8Array,
  epoch: number,
  seq: number,
  packetClass: number,
): Uint8Array {
  nonce.fill(0);
  nonce[4] = epoch & 0xff;
  nonce[5] = epoch >>> 8;
  nonce[8] = seq & 0xff;
  nonce[9] = seq >>> 8;
  nonce[10] = packetClass;
  return nonce;
}
