import { createHmac } from 'node:crypto';
import { STUN_HEADER_BYTES } from '../datagram-kind.ts';
import { STUN_FINGERPRINT_XOR, STUN_INTEGRITY_BYTES } from '../stun-constants.ts';
import { crc32 } from './crc32.ts';

// MESSAGE-INTEGRITY is HMAC-SHA1, as RFC 8489 fixes it. It comes from node:crypto (net runs on
// Node sockets), not from @elara/crypto, which net must not import.

// The header as it must read when the value at `end` is computed: its length field covers the
// attribute being computed (4 + valueBytes) and nothing after it.
function header(bytes: Uint8Array, end: number, valueBytes: number): Uint8Array {
  // A copy (not `slice()`, which is a view on a Node Buffer): the datagram must stay intact.
  const h = new Uint8Array(bytes.subarray(0, STUN_HEADER_BYTES));
  const length = end - STUN_HEADER_BYTES + 4 + valueBytes;
  h[2] = length >> 8;
  h[3] = length & 0xff;
  return h;
}

/** HMAC-SHA1 over `bytes[0, end)` with the length adjusted (§14.5). */
export function integrityOf(key: Uint8Array, bytes: Uint8Array, end: number): Uint8Array {
  return new Uint8Array(
    createHmac('sha1', key)
      .update(header(bytes, end, STUN_INTEGRITY_BYTES))
      .update(bytes.subarray(STUN_HEADER_BYTES, end))
      .digest(),
  );
}

/** CRC-32 of `bytes[0, end)` with the length adjusted, XOR "STUN" (§14.7). */
export function fingerprintOf(bytes: Uint8Array, end: number): number {
  const crc = crc32(bytes, STUN_HEADER_BYTES, end, crc32(header(bytes, end, 4)));
  return (crc ^ STUN_FINGERPRINT_XOR) >>> 0;
}
