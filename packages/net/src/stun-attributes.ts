import { endpoint, type Endpoint } from '@elara/core';
import { STUN_MAGIC_COOKIE } from './datagram-kind.ts';
import { bytesToIp, ipToBytes } from './internal/ip-bytes.ts';
import { StunFormatError } from './stun-errors.ts';

// Attribute value codecs (RFC 8489 §14, RFC 8656 §18, RFC 5780 §7). Each decoder checks the
// value's length before reading it and throws StunFormatError on a bad one.

const COOKIE = Uint8Array.of(0x21, 0x12, 0xa4, 0x42);

function u16(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 8) | (b[at + 1] as number);
}

/**
 * Decodes an address attribute (MAPPED-ADDRESS, OTHER-ADDRESS, RESPONSE-ORIGIN), or an XOR one
 * (XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS) when the message's transaction id
 * is given: the port is XORed with the cookie's top half, an IPv4 address with the cookie, an
 * IPv6 one with the cookie and the transaction id (§14.2).
 *
 * @example
 * const mapped = decodeStunAddress(value, message.transactionId); // XOR-MAPPED-ADDRESS
 */
export function decodeStunAddress(value: Uint8Array, xorTransactionId?: Uint8Array): Endpoint {
  if (value.byteLength < 4) throw new StunFormatError('STUN address: shorter than 4 bytes');
  const family = value[1];
  const size = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (size === 0) throw new StunFormatError(`STUN address: unknown family ${family}`);
  if (value.byteLength !== 4 + size)
    throw new StunFormatError(`STUN address: ${value.byteLength} bytes for family ${family}`);
  let port = u16(value, 2);
  // A copy, never `slice()`: on a Node Buffer that is a view, and XOR would write into the datagram.
  const address = new Uint8Array(value.subarray(4, 4 + size));
  if (xorTransactionId !== undefined) {
    port ^= STUN_MAGIC_COOKIE >>> 16;
    for (let i = 0; i < size; i++)
      address[i] =
        (address[i] as number) ^ (i < 4 ? (COOKIE[i] as number) : (xorTransactionId[i - 4] ?? 0));
  }
  return endpoint(bytesToIp(address), port);
}

/** Encodes an address attribute value; XORed when the transaction id is given. */
export function encodeStunAddress(to: Endpoint, xorTransactionId?: Uint8Array): Uint8Array {
  const address = ipToBytes(to.address);
  if (address === undefined) throw new StunFormatError(`not an IP literal: ${to.address}`);
  const out = new Uint8Array(4 + address.byteLength);
  out[1] = address.byteLength === 4 ? 0x01 : 0x02;
  const port = xorTransactionId === undefined ? to.port : to.port ^ (STUN_MAGIC_COOKIE >>> 16);
  out[2] = port >> 8;
  out[3] = port & 0xff;
  for (let i = 0; i < address.byteLength; i++)
    out[4 + i] =
      xorTransactionId === undefined
        ? (address[i] as number)
        : (address[i] as number) ^
          (i < 4 ? (COOKIE[i] as number) : (xorTransactionId[i - 4] as number));
  return out;
}

/** An ERROR-CODE value: the code (300..699) and the server's reason phrase. */
export interface StunErrorValue {
  readonly code: number;
  readonly reason: string;
}

/** Decodes ERROR-CODE (§14.8): class in bits 8..10, number 0..99, then a UTF-8 reason. */
export function decodeStunErrorCode(value: Uint8Array): StunErrorValue {
  if (value.byteLength < 4) throw new StunFormatError('ERROR-CODE: shorter than 4 bytes');
  const cls = (value[2] as number) & 0x07;
  const number = value[3] as number;
  if (cls < 3 || cls > 6 || number > 99)
    throw new StunFormatError(`ERROR-CODE: bad code ${cls * 100 + number}`);
  return { code: cls * 100 + number, reason: decodeStunText(value.subarray(4)) };
}

/** Encodes ERROR-CODE (a server's, or a test's). */
export function encodeStunErrorCode(code: number, reason: string): Uint8Array {
  const text = encodeStunText(reason);
  const out = new Uint8Array(4 + text.byteLength);
  out[2] = Math.floor(code / 100);
  out[3] = code % 100;
  out.set(text, 4);
  return out;
}

/** A 32-bit big-endian value (LIFETIME, CHANGE-REQUEST). */
export function decodeStunU32(value: Uint8Array): number {
  if (value.byteLength !== 4) throw new StunFormatError('STUN: a 32-bit attribute is 4 bytes');
  return ((u16(value, 0) << 16) | u16(value, 2)) >>> 0;
}

/** Encodes a 32-bit big-endian value. */
export function encodeStunU32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** CHANNEL-NUMBER (RFC 8656 §18.1): the number, then two reserved bytes. */
export function decodeStunChannelNumber(value: Uint8Array): number {
  if (value.byteLength !== 4) throw new StunFormatError('CHANNEL-NUMBER is 4 bytes');
  return u16(value, 0);
}

/** Encodes CHANNEL-NUMBER. */
export function encodeStunChannelNumber(channel: number): Uint8Array {
  return Uint8Array.of(channel >> 8, channel & 0xff, 0, 0);
}

/** CHANGE-REQUEST flags (RFC 5780 §7.2): ask the server to answer from its other IP and/or port. */
export function encodeChangeRequest(changeIp: boolean, changePort: boolean): Uint8Array {
  return encodeStunU32((changeIp ? 0x04 : 0) | (changePort ? 0x02 : 0));
}

/** REQUESTED-TRANSPORT for UDP (protocol 17, RFC 8656 §18.7). */
export const REQUESTED_TRANSPORT_UDP: Uint8Array = Uint8Array.of(17, 0, 0, 0);

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 text attributes (USERNAME, REALM, NONCE, SOFTWARE, reason phrases). */
export function encodeStunText(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes a UTF-8 text attribute (invalid sequences become U+FFFD). */
export function decodeStunText(value: Uint8Array): string {
  return decoder.decode(value);
}
