import { BufferTooShortError } from '@elara/core';
import { STUN_HEADER_BYTES, STUN_MAGIC_COOKIE } from './datagram-kind.ts';
import {
  STUN_INTEGRITY_BYTES,
  STUN_TRANSACTION_ID_BYTES,
  StunAttr,
  StunClass,
} from './stun-constants.ts';
import { StunFormatError } from './stun-errors.ts';
import { fingerprintOf, integrityOf } from './internal/stun-checksums.ts';

/** One attribute: its type and its value (a view into the message; copy to keep). */
export interface StunAttribute {
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * A decoded STUN message (RFC 8489 §5). Attributes keep their order; values are views into
 * `bytes`, valid as long as the datagram is. Attributes after MESSAGE-INTEGRITY other than
 * FINGERPRINT are left out, as §14.5 says they must be ignored.
 */
export interface StunMessage {
  /** The 12-bit method (`StunMethod`). */
  readonly method: number;
  readonly class: StunClass;
  /** The 96-bit transaction id (a view). */
  readonly transactionId: Uint8Array;
  readonly attributes: readonly StunAttribute[];
  /** The whole message. */
  readonly bytes: Uint8Array;
  /** Offset of the MESSAGE-INTEGRITY attribute header in `bytes`, or -1 when absent. */
  readonly integrityAt: number;
  /** Offset of the FINGERPRINT attribute header in `bytes`, or -1 when absent. */
  readonly fingerprintAt: number;
}

/** What {@link encodeStunMessage} writes. */
export interface StunMessageInit {
  readonly method: number;
  readonly class: StunClass;
  /** 12 bytes; a request's come from the injected `RandomSource`. */
  readonly transactionId: Uint8Array;
  /** Attributes in order, before MESSAGE-INTEGRITY and FINGERPRINT. */
  readonly attributes?: readonly StunAttribute[];
  /** Adds MESSAGE-INTEGRITY (HMAC-SHA1) with this key (see `longTermKey`). */
  readonly integrityKey?: Uint8Array;
  /** Adds FINGERPRINT, last. */
  readonly fingerprint?: boolean;
}

const CLASS_BITS: Record<StunClass, number> = {
  request: 0x0000,
  indication: 0x0010,
  success: 0x0100,
  error: 0x0110,
};
const CLASSES: readonly StunClass[] = [
  StunClass.Request,
  StunClass.Indication,
  StunClass.Success,
  StunClass.Error,
];

/** The 14-bit message type of `method` and `cls` (method and class bits interleaved, §5). */
export function stunMessageType(method: number, cls: StunClass): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | CLASS_BITS[cls];
}

const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * Decodes one STUN message, checking every length against the bytes it has: throws
 * `BufferTooShortError` (under 20 bytes) or `StunFormatError`, never reads past the end. It does
 * not check FINGERPRINT or MESSAGE-INTEGRITY values: see `verifyFingerprint`, `verifyIntegrity`.
 *
 * @example
 * const m = decodeStunMessage(datagram.data);
 * if (m.class === 'success') console.log(stunAttribute(m, StunAttr.XorMappedAddress));
 */
export function decodeStunMessage(bytes: Uint8Array): StunMessage {
  const n = bytes.byteLength;
  if (n < STUN_HEADER_BYTES) throw new BufferTooShortError(STUN_HEADER_BYTES, n, 'STUN header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const type = view.getUint16(0);
  if (type & 0xc000) throw new StunFormatError('STUN: the first two bits must be zero');
  if (view.getUint32(4) !== STUN_MAGIC_COOKIE) throw new StunFormatError('STUN: no magic cookie');
  const length = view.getUint16(2);
  if (length % 4 !== 0) throw new StunFormatError(`STUN: length ${length} is not a multiple of 4`);
  if (STUN_HEADER_BYTES + length !== n)
    throw new StunFormatError(`STUN: declared length ${length}, ${n - STUN_HEADER_BYTES} present`);
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = CLASSES[((type >> 4) & 1) | ((type >> 7) & 2)] as StunClass;
  const attributes: StunAttribute[] = [];
  let integrityAt = -1;
  let fingerprintAt = -1;
  for (let at = STUN_HEADER_BYTES; at < n;) {
    if (fingerprintAt >= 0) throw new StunFormatError('STUN: an attribute follows FINGERPRINT');
    if (n - at < 4) throw new StunFormatError('STUN: truncated attribute header');
    const attrType = view.getUint16(at);
    const attrLength = view.getUint16(at + 2);
    if (at + 4 + pad4(attrLength) > n)
      throw new StunFormatError(`STUN: attribute 0x${attrType.toString(16)} runs past the end`);
    const value = bytes.subarray(at + 4, at + 4 + attrLength);
    if (attrType === StunAttr.Fingerprint) {
      if (attrLength !== 4) throw new StunFormatError('STUN: FINGERPRINT must be 4 bytes');
      fingerprintAt = at;
    } else if (attrType === StunAttr.MessageIntegrity && integrityAt < 0) {
      if (attrLength !== STUN_INTEGRITY_BYTES)
        throw new StunFormatError('STUN: MESSAGE-INTEGRITY must be 20 bytes');
      integrityAt = at;
    }
    // After MESSAGE-INTEGRITY only FINGERPRINT (and the SHA-256 variant) count (§14.5).
    if (
      integrityAt < 0 ||
      at === integrityAt ||
      attrType === StunAttr.Fingerprint ||
      attrType === StunAttr.MessageIntegritySha256
    )
      attributes.push({ type: attrType, value });
    at += 4 + pad4(attrLength);
  }
  return {
    method,
    class: cls,
    transactionId: bytes.subarray(8, STUN_HEADER_BYTES),
    attributes,
    bytes,
    integrityAt,
    fingerprintAt,
  };
}

/** The first attribute of `type`, or `undefined`. */
export function stunAttribute(message: StunMessage, type: number): Uint8Array | undefined {
  for (const a of message.attributes) if (a.type === type) return a.value;
  return undefined;
}

/**
 * Encodes a STUN message: header, attributes (zero-padded to 4 bytes), then MESSAGE-INTEGRITY and
 * FINGERPRINT when asked, each computed over what precedes it with the length field covering it
 * (RFC 8489 §14.5, §14.7).
 *
 * @example
 * const request = encodeStunMessage({
 *   method: StunMethod.Binding,
 *   class: 'request',
 *   transactionId: randomBytes(random, 12),
 *   fingerprint: true,
 * });
 */
export function encodeStunMessage(init: StunMessageInit): Uint8Array {
  if (init.transactionId.byteLength !== STUN_TRANSACTION_ID_BYTES)
    throw new StunFormatError('STUN: a transaction id is 12 bytes');
  const attributes = init.attributes ?? [];
  let body = 0;
  for (const a of attributes) {
    if (a.value.byteLength > 0xffff) throw new StunFormatError('STUN: attribute value too long');
    body += 4 + pad4(a.value.byteLength);
  }
  const integrityAt = STUN_HEADER_BYTES + body;
  const withIntegrity = init.integrityKey !== undefined;
  const fingerprintAt = integrityAt + (withIntegrity ? 4 + STUN_INTEGRITY_BYTES : 0);
  const total = fingerprintAt + (init.fingerprint === true ? 8 : 0);
  if (total - STUN_HEADER_BYTES > 0xffff) throw new StunFormatError('STUN: message too long');
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint16(0, stunMessageType(init.method, init.class));
  view.setUint32(4, STUN_MAGIC_COOKIE);
  out.set(init.transactionId, 8);
  let at = STUN_HEADER_BYTES;
  for (const a of attributes) {
    view.setUint16(at, a.type);
    view.setUint16(at + 2, a.value.byteLength);
    out.set(a.value, at + 4);
    at += 4 + pad4(a.value.byteLength);
  }
  if (init.integrityKey !== undefined) {
    view.setUint16(at, StunAttr.MessageIntegrity);
    view.setUint16(at + 2, STUN_INTEGRITY_BYTES);
    out.set(integrityOf(init.integrityKey, out, integrityAt), at + 4);
    at += 4 + STUN_INTEGRITY_BYTES;
  }
  if (init.fingerprint === true) {
    view.setUint16(at, StunAttr.Fingerprint);
    view.setUint16(at + 2, 4);
    view.setUint32(at + 4, fingerprintOf(out, fingerprintAt));
  }
  view.setUint16(2, total - STUN_HEADER_BYTES);
  return out;
}
