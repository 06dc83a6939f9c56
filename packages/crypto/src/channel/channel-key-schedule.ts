import { type PacketClass, packetClassFromByte } from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';

const CLASS_LABEL = new TextEncoder().encode('elara v1 channel class ');
// One-byte domain tags; the inputs also differ in length (3 bytes vs 1), so a message key can
// never equal a next-epoch key.
const MESSAGE_TAG = 0x01;
const NEXT_EPOCH_TAG = 0x02;

// Scratch inputs: derivations are synchronous, so one buffer each serves every call.
const classInput = new Uint8Array(CLASS_LABEL.length + 1);
classInput.set(CLASS_LABEL);
const messageInput = new Uint8Array(3);
const nextEpochInput = new Uint8Array([NEXT_EPOCH_TAG]);

/**
 * Epoch 0's key of one class in one direction:
 * `HMAC-SHA256(direction root, "elara v1 channel class " ‖ class byte)`.
 */
export function channelEpochZeroKey(
  provider: CryptoProvider,
  directionRoot: Uint8Array,
  packetClass: PacketClass,
): Uint8Array {
  classInput[CLASS_LABEL.length] = packetClassFromByte(packetClass);
  return provider.hmacSha256(directionRoot, classInput);
}

/** The next epoch's key: `HMAC-SHA256(epoch key, 02)`. One way: the old key cannot be recovered. */
export function channelNextEpochKey(provider: CryptoProvider, epochKey: Uint8Array): Uint8Array {
  return provider.hmacSha256(epochKey, nextEpochInput);
}

/** Message key `seq` of an epoch: `HMAC-SHA256(epoch key, 01 ‖ seq u16 LE)`, used once. */
export function channelMessageKey(
  provider: CryptoProvider,
  epochKey: Uint8Array,
  seq: number,
): Uint8Array {
  messageInput[0] = MESSAGE_TAG;
  messageInput[1] = seq & 0xff;
  messageInput[2] = seq >>> 8;
  return provider.hmacSha256(epochKey, messageInput);
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
