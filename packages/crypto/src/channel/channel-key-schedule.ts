import { type PacketClass, packetClassFromByte } from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';

const CLASS_LABEL = new TextEncoder().encode('elara v1 channel class ');

// One-byte domain tags, one per derivation, so no two derivations under the same key share an
// input (and the class label, 24 bytes, differs from all of them in length).
/** MK_i = HMAC(CK_i, 01): the message key of chain position i. */
const MESSAGE_TAG = new Uint8Array([0x01]);
/** CK_{i+1} = HMAC(CK_i, 02): the chain key of the next position. */
const NEXT_CHAIN_TAG = new Uint8Array([0x02]);
/** CK_0 = HMAC(EK_e, 03): the first chain key of epoch e. */
const CHAIN_START_TAG = new Uint8Array([0x03]);
/** EK_{e+1} = HMAC(EK_e, 04): the next epoch's key. */
const NEXT_EPOCH_TAG = new Uint8Array([0x04]);

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
 * The next epoch's key: `EK_{e+1} = HMAC-SHA256(EK_e, 04)`. One way: the old key cannot be
 * recovered, and nothing of epoch e can be derived from the new one.
 */
export function channelNextEpochKey(provider: CryptoProvider, epochKey: Uint8Array): Uint8Array {
  return provider.hmacSha256(epochKey, NEXT_EPOCH_TAG);
}

/**
 * The first chain key of an epoch: `CK_0 = HMAC-SHA256(EK_e, 03)`. Once it and the next
 * epoch's key are derived, the epoch key is erased.
 */
export function channelChainKey(provider: CryptoProvider, epochKey: Uint8Array): Uint8Array {
  return provider.hmacSha256(epochKey, CHAIN_START_TAG);
}

/**
 * One step of an epoch's chain: `CK_{i+1} = HMAC-SHA256(CK_i, 02)`. One way: whoever holds
 * `CK_{i+1}` cannot go back to `CK_i`, so cannot derive the message keys of positions ≤ i.
 */
export function channelNextChainKey(provider: CryptoProvider, chainKey: Uint8Array): Uint8Array {
  return provider.hmacSha256(chainKey, NEXT_CHAIN_TAG);
}

/** The message key of a chain position: `MK_i = HMAC-SHA256(CK_i, 01)`, used for one frame. */
export function channelMessageKey(provider: CryptoProvider, chainKey: Uint8Array): Uint8Array {
  return provider.hmacSha256(chainKey, MESSAGE_TAG);
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
