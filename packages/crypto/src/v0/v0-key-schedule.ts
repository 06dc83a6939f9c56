// COMPATIBILITY CODE (wire version 0): the Rust reference's key schedule, byte for byte
// (PROTOCOL.md §10.1). Not Elara's default: v1 channels derive their keys differently.
import { OutOfRangeError, type PacketClass, packetClassFromByte } from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';

const encoder = new TextEncoder();
const CLASS_KEY_INFO = encoder.encode('ELARA_CLASS_KEY_v0');
const CHAIN_INFO = encoder.encode('ELARA_RATCHET_CHAIN');
const MESSAGE_KEY_PREFIX = encoder.encode('ELARA_MSG_KEY_');
const NO_SALT = new Uint8Array(0);

// Scratch for the message-key label and the epoch salt: derivations are synchronous, so one
// buffer each serves every call without allocating per message.
const messageInfo = new Uint8Array(MESSAGE_KEY_PREFIX.length + 10);
messageInfo.set(MESSAGE_KEY_PREFIX);
const epochSalt = new Uint8Array(4);
const classSalt = new Uint8Array(1);

/**
 * A class's chain key at epoch 0: HKDF-SHA256(salt = the class byte, IKM = the session root key,
 * info = "ELARA_CLASS_KEY_v0"), 32 bytes.
 *
 * @example
 * const chain = v0ClassChainKey(crypto, rootKey, PacketClass.Core);
 */
export function v0ClassChainKey(
  provider: CryptoProvider,
  rootKey: Uint8Array,
  packetClass: PacketClass,
): Uint8Array {
  // Named errors at the door: a class byte like 261 would otherwise wrap to 5 in the salt.
  classSalt[0] = packetClassFromByte(packetClass);
  return provider.hkdfSha256(rootKey, classSalt, CLASS_KEY_INFO, KEY_LENGTH);
}

/**
 * Message key number `messageCount` of an epoch: HKDF-SHA256(no salt, IKM = the chain key,
 * info = "ELARA_MSG_KEY_" + the count in decimal ASCII), 32 bytes.
 */
export function v0MessageKey(
  provider: CryptoProvider,
  chainKey: Uint8Array,
  messageCount: number,
): Uint8Array {
  checkU32(messageCount, 'v0 message count');
  let end = MESSAGE_KEY_PREFIX.length;
  const digits = String(messageCount);
  for (let i = 0; i < digits.length; i++) messageInfo[end++] = digits.charCodeAt(i);
  return provider.hkdfSha256(chainKey, NO_SALT, messageInfo.subarray(0, end), KEY_LENGTH);
}

/**
 * The chain key of the next epoch: HKDF-SHA256(salt = the current epoch as u32 LE, IKM = the
 * current chain key, info = "ELARA_RATCHET_CHAIN"), 32 bytes.
 */
export function v0NextChainKey(
  provider: CryptoProvider,
  chainKey: Uint8Array,
  epoch: number,
): Uint8Array {
  checkU32(epoch, 'v0 epoch');
  new DataView(epochSalt.buffer).setUint32(0, epoch, true);
  return provider.hkdfSha256(chainKey, epochSalt, CHAIN_INFO, KEY_LENGTH);
}

// `>>> 0` would turn -1 into 4294967295 and derive a valid-looking key for it.
function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new OutOfRangeError(`${what} must be a u32: ${String(value)}`);
  }
}
