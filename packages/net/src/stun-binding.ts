import type { Endpoint } from '@elara/core';
import { decodeStunAddress } from './stun-attributes.ts';
import { StunAttr, StunMethod } from './stun-constants.ts';
import { encodeStunMessage, stunAttribute, type StunMessage } from './stun-message.ts';

/**
 * A Binding request (RFC 8489 §7.1). Without attributes and FINGERPRINT it is the reference's
 * 20 bytes (PROTOCOL.md §16); our client adds FINGERPRINT by default, which tells it apart from
 * other protocols on a shared socket.
 *
 * @example
 * transport.send(bindingRequest(randomBytes(random, 12)), server);
 */
export function bindingRequest(
  transactionId: Uint8Array,
  options: { fingerprint?: boolean } = {},
): Uint8Array {
  return encodeStunMessage({
    method: StunMethod.Binding,
    class: 'request',
    transactionId,
    fingerprint: options.fingerprint ?? true,
  });
}

/**
 * The reflexive address a Binding response reports: XOR-MAPPED-ADDRESS (IPv4 or IPv6) when it is
 * there, else MAPPED-ADDRESS (RFC 3489 servers), else `undefined`. Unlike the reference, which
 * takes whichever comes first and cannot read IPv6, XOR-MAPPED-ADDRESS wins wherever it stands:
 * MAPPED-ADDRESS is only for backward compatibility (RFC 8489 §14.1). Throws `StunFormatError`
 * when the chosen attribute is malformed.
 */
export function mappedAddressOf(message: StunMessage): Endpoint | undefined {
  const xor = stunAttribute(message, StunAttr.XorMappedAddress);
  if (xor !== undefined) return decodeStunAddress(xor, message.transactionId);
  const plain = stunAttribute(message, StunAttr.MappedAddress);
  return plain === undefined ? undefined : decodeStunAddress(plain);
}
