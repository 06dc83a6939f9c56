import { OutOfRangeError } from '../elara-error.ts';
import type { NodeId } from '../node-id.ts';
import { PacketClass } from '../packet-class.ts';
import { RepresentationProfile, representationProfileFromByte } from '../representation-profile.ts';
import type { SessionId } from '../session-id.ts';
import {
  BufferTooShortError,
  InvalidWireFormatError,
  UnknownEnumValueError,
} from '../wire-errors.ts';
import { SuiteNibble, WireVersion } from '../wire-version.ts';
import { viewOf, windowOf } from './internal/data-view.ts';

/** Size of the fixed header that starts every frame, v0 and v1 alike (PROTOCOL.md §4). */
export const FIXED_HEADER_SIZE = 30;

/**
 * The 30-byte fixed header (PROTOCOL.md §4), as plain data.
 *
 * | Off | Size | Field                                        |
 * |-----|------|----------------------------------------------|
 * | 0   | 1    | `version << 4 \| suite`                       |
 * | 1   | 1    | flags ({@link FrameFlags})                   |
 * | 2   | 2    | headerLen, u16 LE (30 + extension bytes)     |
 * | 4   | 8    | sessionId, u64 LE                            |
 * | 12  | 8    | nodeId (sender), u64 LE                      |
 * | 20  | 1    | packetClass                                  |
 * | 21  | 1    | profile                                      |
 * | 22  | 4    | timeHint, i32 LE, 100 µs units               |
 * | 26  | 2    | window, u16 LE (low half of `seq_window`)    |
 * | 28  | 2    | seq, u16 LE (high half of `seq_window`)      |
 */
export interface FixedHeader {
  /** High nibble of byte 0: 0 = the reference's format, 1 = Elara v1 (0..15 decode in v0). */
  readonly version: number;
  /** Low nibble of byte 0: the cipher suite (3..15 never decode). */
  readonly suite: SuiteNibble;
  /** Byte 1: a {@link FrameFlags} bit set. */
  readonly flags: number;
  /** 30 + extension bytes; {@link encodeFrame} computes it, {@link encodeHeader} writes it as given. */
  readonly headerLen: number;
  readonly sessionId: SessionId;
  /** The sender. */
  readonly nodeId: NodeId;
  readonly packetClass: PacketClass;
  readonly profile: RepresentationProfile;
  /** i32, units of 100 µs relative to the sender's τs (v1 envelopes carry absolute τs instead). */
  readonly timeHint: number;
  /** u16 frame sequence number (per sender and class). */
  readonly seq: number;
  /** u16 declared replay window (written by v0 senders, ignored by receivers). */
  readonly window: number;
}

/**
 * A header with the reference's `FixedHeader::new` defaults (version 0, suite 0, no flags,
 * headerLen 30, class Core, profile Textual, time hint 0, seq 0, window 0), overridden by
 * `fields`.
 *
 * @example
 * const h = fixedHeader(sessionId(1), nodeId(2), { version: WireVersion.V1, seq: 7 });
 */
export function fixedHeader(
  session: SessionId,
  node: NodeId,
  fields: Partial<Omit<FixedHeader, 'sessionId' | 'nodeId'>> = {},
): FixedHeader {
  return {
    version: WireVersion.V0,
    suite: SuiteNibble.Suite0,
    flags: 0,
    headerLen: FIXED_HEADER_SIZE,
    packetClass: PacketClass.Core,
    profile: RepresentationProfile.Textual,
    timeHint: 0,
    seq: 0,
    window: 0,
    ...fields,
    sessionId: session,
    nodeId: node,
  };
}

function fail(field: string, value: number | bigint): never {
  throw new OutOfRangeError(`header ${field} out of range: ${value}`);
}

/**
 * Writes the 30 header bytes at `target[offset..offset+30)` and returns the offset after them.
 * Nothing is allocated: the write goes through a DataView reused across calls on the same
 * buffer. Every field is range-checked first ({@link OutOfRangeError}, nothing is truncated;
 * the profile must be a {@link RepresentationProfile} value, as in the reference's enum);
 * a target too small is a {@link BufferTooShortError}.
 *
 * @example
 * const buf = new Uint8Array(1400);
 * let at = encodeHeader(header, buf); // 30
 */
export function encodeHeader(header: FixedHeader, target: Uint8Array, offset = 0): number {
  const { version, suite, flags, headerLen, packetClass, profile, timeHint, seq, window } = header;
  if ((version & 0x0f) !== version) fail('version', version);
  if (suite !== 0 && suite !== 1 && suite !== 2) fail('suite', suite);
  if ((flags & 0xff) !== flags) fail('flags', flags);
  if ((headerLen & 0xffff) !== headerLen) fail('headerLen', headerLen);
  if ((packetClass & 0xff) !== packetClass || packetClass > 4) fail('packetClass', packetClass);
  // Only profiles the reference can write: any other byte would decode as Custom.
  if (representationProfileFromByte(profile) !== profile) fail('profile', profile);
  if ((timeHint | 0) !== timeHint) fail('timeHint', timeHint);
  if ((seq & 0xffff) !== seq) fail('seq', seq);
  if ((window & 0xffff) !== window) fail('window', window);
  const { sessionId, nodeId } = header;
  // asUintN is the cheapest exact u64 test V8 offers (two comparisons cost more).
  if (typeof sessionId !== 'bigint' || BigInt.asUintN(64, sessionId) !== sessionId) {
    fail('sessionId', sessionId);
  }
  if (typeof nodeId !== 'bigint' || BigInt.asUintN(64, nodeId) !== nodeId) fail('nodeId', nodeId);
  if (offset >>> 0 !== offset || target.length - offset < FIXED_HEADER_SIZE) {
    throw new BufferTooShortError(offset + FIXED_HEADER_SIZE, target.length, 'header target');
  }
  const v = viewOf(target);
  v.setUint8(offset, (version << 4) | suite);
  v.setUint8(offset + 1, flags);
  v.setUint16(offset + 2, headerLen, true);
  v.setBigUint64(offset + 4, sessionId, true);
  v.setBigUint64(offset + 12, nodeId, true);
  v.setUint8(offset + 20, packetClass);
  v.setUint8(offset + 21, profile);
  v.setInt32(offset + 22, timeHint, true);
  v.setUint16(offset + 26, window, true);
  v.setUint16(offset + 28, seq, true);
  return offset + FIXED_HEADER_SIZE;
}

/**
 * Decodes a header the way the reference does (v0 rules, PROTOCOL.md §4): fewer than 30 bytes
 * is a {@link BufferTooShortError}; a suite nibble above 2 or a class byte above 4 is an
 * {@link UnknownEnumValueError}; an unknown profile byte becomes `Custom` (0xFF); the version
 * nibble and headerLen are **not** checked; bytes after the header are ignored. Use
 * {@link decodeHeaderV1} for Elara v1 frames.
 *
 * @example
 * const h = decodeHeader(datagram);
 * if (h.version === WireVersion.V1) ...
 */
export function decodeHeader(bytes: Uint8Array, offset = 0): FixedHeader {
  if (offset >>> 0 !== offset || bytes.length - offset < FIXED_HEADER_SIZE) {
    throw new BufferTooShortError(offset + FIXED_HEADER_SIZE, bytes.length, 'header');
  }
  // A window, not viewOf: on the receive path each datagram is a new array (see windowOf).
  const v = windowOf(bytes, offset, FIXED_HEADER_SIZE);
  const first = v.getUint8(0);
  const suite = first & 0x0f;
  if (suite > 2) throw new UnknownEnumValueError('CryptoSuite', suite);
  const packetClass = v.getUint8(20);
  if (packetClass > 4) throw new UnknownEnumValueError('PacketClass', packetClass);
  return {
    version: first >>> 4,
    suite: suite as SuiteNibble,
    flags: v.getUint8(1),
    headerLen: v.getUint16(2, true),
    sessionId: v.getBigUint64(4, true) as SessionId,
    nodeId: v.getBigUint64(12, true) as NodeId,
    packetClass: packetClass as PacketClass,
    profile: representationProfileFromByte(v.getUint8(21)),
    timeHint: v.getInt32(22, true),
    seq: v.getUint16(28, true),
    window: v.getUint16(26, true),
  };
}

/**
 * Checks what the reference leaves unchecked, for Elara v1 (PROTOCOL.md §19.11): the version
 * nibble must be 1 and the suite 0 ({@link UnknownEnumValueError} `WireVersion` /
 * `CryptoSuite`), and headerLen at least 30 ({@link InvalidWireFormatError}).
 */
export function checkHeaderV1(header: FixedHeader): void {
  if (header.version !== WireVersion.V1) {
    throw new UnknownEnumValueError('WireVersion', header.version);
  }
  if (header.suite !== SuiteNibble.Suite0)
    throw new UnknownEnumValueError('CryptoSuite', header.suite);
  if (header.headerLen < FIXED_HEADER_SIZE) {
    throw new InvalidWireFormatError(`header length ${header.headerLen} is below 30`);
  }
}

/**
 * Decodes an Elara v1 header: {@link decodeHeader} plus {@link checkHeaderV1}.
 *
 * @example
 * const h = decodeHeaderV1(datagram); // throws on version 0, suite 1, headerLen 20 ...
 */
export function decodeHeaderV1(bytes: Uint8Array, offset = 0): FixedHeader {
  const header = decodeHeader(bytes, offset);
  checkHeaderV1(header);
  return header;
}
