// COMPATIBILITY CODE (wire version 0): the reference's AEAD nonce (PROTOCOL.md §10.2).
import { type NodeId, OutOfRangeError, type PacketClass, packetClassFromByte } from '@elara/core';
import { NONCE_LENGTH } from '../crypto-provider.ts';
import { outputView } from '../internal/check-bytes.ts';
import { checkU64 } from '../internal/check-u64.ts';

/**
 * The 12-byte nonce of a v0 secure frame: the sender's NodeId (u64 LE), the frame's 16-bit seq
 * (u16 LE), the class byte, then 0x00. Written into `output` when given (no allocation).
 *
 * @example
 * v0Nonce(nodeId(0x3039n), 1, PacketClass.Core); // 39 30 00 00 00 00 00 00 01 00 00 00
 */
export function v0Nonce(
  sender: NodeId,
  seq: number,
  packetClass: PacketClass,
  output?: Uint8Array,
): Uint8Array {
  checkU64(sender, 'v0 nonce sender');
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff) {
    throw new OutOfRangeError(`v0 nonce seq must be a u16: ${String(seq)}`);
  }
  packetClassFromByte(packetClass);
  const out = outputView(output, NONCE_LENGTH);
  const view = new DataView(out.buffer, out.byteOffset, NONCE_LENGTH);
  view.setBigUint64(0, sender, true);
  view.setUint16(8, seq, true);
  view.setUint8(10, packetClass);
  view.setUint8(11, 0);
  return out;
}
