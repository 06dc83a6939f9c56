/**
 * What a datagram on a shared socket is, by its first bytes (RFC 7983 demultiplexing, with the
 * Elara frame ranges of ARCHITECTURE.md "Wire versions").
 */
export const DatagramKind = {
  /** A STUN (or TURN control) message: first byte 0–3, magic cookie, consistent length. */
  Stun: 'stun',
  /** TURN ChannelData: first byte 0x40–0x7F and a length that fits. */
  ChannelData: 'channel-data',
  /** An Elara v1 frame: version nibble 1 (0x10–0x1F; suite 0 is 0x10). */
  ElaraV1: 'elara-v1',
  /** A reference (v0) frame: version nibble 0 and not STUN. */
  ElaraV0: 'elara-v0',
  /** Claims a STUN or ChannelData shape but is truncated or inconsistent; dropped and counted. */
  Malformed: 'malformed',
  /** Empty, or a first byte no one here speaks (DTLS, RTP, ...). */
  Unknown: 'unknown',
} as const;
export type DatagramKind = (typeof DatagramKind)[keyof typeof DatagramKind];

/** Every {@link DatagramKind}, in declaration order. */
export const DATAGRAM_KINDS: readonly DatagramKind[] = Object.values(DatagramKind);

/** The STUN magic cookie (RFC 5389/8489), big-endian at bytes 4..8 of every STUN message. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
/** The STUN header length: type, length, cookie, transaction id. */
export const STUN_HEADER_BYTES = 20;
/** The ChannelData header length: channel number, length. */
export const CHANNEL_DATA_HEADER_BYTES = 4;

/**
 * Classifies one datagram without allocating. STUN is checked first, as RFC 7983 says, because
 * its first-byte range (0–3) overlaps v0 frames: a datagram is STUN when bytes 4..8 hold the magic
 * cookie; it is then well formed only if its declared length (a multiple of 4) accounts for the
 * whole datagram. ChannelData (RFC 8656 §12.4) is well formed when its declared length fits; UDP
 * may carry padding after it.
 *
 * @example
 * classifyDatagram(Uint8Array.of(0x10, ...frameRest)); // 'elara-v1'
 */
export function classifyDatagram(data: Uint8Array): DatagramKind {
  const n = data.byteLength;
  if (n === 0) return DatagramKind.Unknown;
  const b0 = data[0] as number;
  if (b0 < 0x10) {
    if (b0 <= 3 && n >= 8 && readU32(data, 4) === STUN_MAGIC_COOKIE) {
      if (n < STUN_HEADER_BYTES) return DatagramKind.Malformed;
      const length = ((data[2] as number) << 8) | (data[3] as number);
      return length % 4 === 0 && length === n - STUN_HEADER_BYTES
        ? DatagramKind.Stun
        : DatagramKind.Malformed;
    }
    return DatagramKind.ElaraV0;
  }
  if (b0 < 0x20) return DatagramKind.ElaraV1;
  if (b0 >= 0x40 && b0 <= 0x7f) {
    if (n < CHANNEL_DATA_HEADER_BYTES) return DatagramKind.Malformed;
    const length = ((data[2] as number) << 8) | (data[3] as number);
    return length <= n - CHANNEL_DATA_HEADER_BYTES
      ? DatagramKind.ChannelData
      : DatagramKind.Malformed;
  }
  return DatagramKind.Unknown;
}

function readU32(data: Uint8Array, at: number): number {
  return (
    (((data[at] as number) << 24) |
      ((data[at + 1] as number) << 16) |
      ((data[at + 2] as number) << 8) |
      (data[at + 3] as number)) >>>
    0
  );
}
