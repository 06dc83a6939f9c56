import { OutOfRangeError } from '../elara-error.ts';
import { ExtensionType } from '../extension-type.ts';
import { type SwarmRole, swarmRoleFromByte } from '../swarm-role.ts';
import { isU64 } from '../u64.ts';
import { BufferTooShortError, InvalidWireFormatError, TooLargeError } from '../wire-errors.ts';
import { viewOf } from './internal/data-view.ts';

/** The FragmentInfo extension's value: `index:u16 ‖ total:u16`. */
export interface FragmentInfo {
  readonly index: number;
  readonly total: number;
}

/** The largest CausalityRef value: its length travels in one byte. */
export const MAX_CAUSALITY_REF_LENGTH = 255;

/**
 * The optional header extensions (PROTOCOL.md §6), TLV-encoded between the fixed header and
 * the payload. An absent field is not sent. Elara v1 uses none of them yet; they are kept so
 * v0 frames round-trip.
 */
export interface HeaderExtensions {
  /** 0x01, u32. */
  readonly ratchetId?: number;
  /** 0x02, u16. */
  readonly keyEpoch?: number;
  /** 0x03, u8; an unknown role byte decodes as absent. */
  readonly swarmRole?: SwarmRole;
  /** 0x04, u8. */
  readonly relayHop?: number;
  /** 0x05, u64. */
  readonly interestMask?: bigint;
  /** 0x06, u16. */
  readonly redundancyGroup?: number;
  /** 0x07, u8. */
  readonly compressionHint?: number;
  /** 0x08, `index:u16 ‖ total:u16`. */
  readonly fragmentInfo?: FragmentInfo;
  /** 0x09, u16. */
  readonly pathId?: number;
  /** 0x0A, u8. */
  readonly priorityHint?: number;
  /** 0x0B, 0..255 opaque bytes. A decoded value is a view into the input (see `decodeFrame`). */
  readonly causalityRef?: Uint8Array;
}

type MutableExtensions = { -readonly [K in keyof HeaderExtensions]?: HeaderExtensions[K] };

/** The empty extension set (frozen; decoders return it when nothing is present). */
export const NO_EXTENSIONS: HeaderExtensions = Object.freeze({});

/** The result of {@link decodeExtensions}: the set and how many bytes the TLV walk consumed. */
export interface DecodedExtensions {
  readonly extensions: HeaderExtensions;
  readonly consumed: number;
}

/** True when at least one extension is present (the reference's `!is_empty()`). */
export function hasExtensions(ext: HeaderExtensions): boolean {
  return (
    ext.ratchetId !== undefined ||
    ext.keyEpoch !== undefined ||
    ext.swarmRole !== undefined ||
    ext.relayHop !== undefined ||
    ext.interestMask !== undefined ||
    ext.redundancyGroup !== undefined ||
    ext.compressionHint !== undefined ||
    ext.fragmentInfo !== undefined ||
    ext.pathId !== undefined ||
    ext.priorityHint !== undefined ||
    ext.causalityRef !== undefined
  );
}

/**
 * Bytes {@link encodeExtensions} writes: `1 + Σ(2 + value length)`, the End marker included
 * (so 1 for the empty set, which a frame nevertheless omits entirely).
 */
export function extensionsSize(ext: HeaderExtensions): number {
  let size = 1;
  if (ext.ratchetId !== undefined) size += 6;
  if (ext.keyEpoch !== undefined) size += 4;
  if (ext.swarmRole !== undefined) size += 3;
  if (ext.relayHop !== undefined) size += 3;
  if (ext.interestMask !== undefined) size += 10;
  if (ext.redundancyGroup !== undefined) size += 4;
  if (ext.compressionHint !== undefined) size += 3;
  if (ext.fragmentInfo !== undefined) size += 6;
  if (ext.pathId !== undefined) size += 4;
  if (ext.priorityHint !== undefined) size += 3;
  if (ext.causalityRef !== undefined) size += 2 + ext.causalityRef.length;
  return size;
}

function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new OutOfRangeError(`extension ${name} out of range: ${value}`);
  }
}

/**
 * Checks every present value fits its field. A CausalityRef over 255 bytes is a
 * {@link TooLargeError} (the reference writes a truncated length byte and corrupts the frame).
 */
export function checkExtensions(ext: HeaderExtensions): void {
  if (ext.ratchetId !== undefined) checkUint('ratchetId', ext.ratchetId, 0xffff_ffff);
  if (ext.keyEpoch !== undefined) checkUint('keyEpoch', ext.keyEpoch, 0xffff);
  if (ext.swarmRole !== undefined) checkUint('swarmRole', ext.swarmRole, 4);
  if (ext.relayHop !== undefined) checkUint('relayHop', ext.relayHop, 0xff);
  if (ext.interestMask !== undefined && !isU64(ext.interestMask)) {
    throw new OutOfRangeError(`extension interestMask out of range: ${String(ext.interestMask)}`);
  }
  if (ext.redundancyGroup !== undefined) {
    checkUint('redundancyGroup', ext.redundancyGroup, 0xffff);
  }
  if (ext.compressionHint !== undefined) checkUint('compressionHint', ext.compressionHint, 0xff);
  if (ext.fragmentInfo !== undefined) {
    checkUint('fragmentInfo.index', ext.fragmentInfo.index, 0xffff);
    checkUint('fragmentInfo.total', ext.fragmentInfo.total, 0xffff);
  }
  if (ext.pathId !== undefined) checkUint('pathId', ext.pathId, 0xffff);
  if (ext.priorityHint !== undefined) checkUint('priorityHint', ext.priorityHint, 0xff);
  if (ext.causalityRef !== undefined && ext.causalityRef.length > MAX_CAUSALITY_REF_LENGTH) {
    throw new TooLargeError(ext.causalityRef.length, MAX_CAUSALITY_REF_LENGTH, 'CausalityRef');
  }
}

/**
 * Writes the TLV items of the present extensions in type order (0x01 → 0x0B), then the End
 * marker 0xFF, at `target[offset..)`; returns the offset after them. Values are checked first
 * ({@link checkExtensions}); a target too small is a {@link BufferTooShortError}.
 *
 * @example
 * const tlv = new Uint8Array(extensionsSize(ext));
 * encodeExtensions({ keyEpoch: 2 }, tlv); // 02 02 0200 ff
 */
export function encodeExtensions(ext: HeaderExtensions, target: Uint8Array, offset = 0): number {
  checkExtensions(ext);
  const size = extensionsSize(ext);
  if (offset >>> 0 !== offset || target.length - offset < size) {
    throw new BufferTooShortError(offset + size, target.length, 'extensions target');
  }
  const v = viewOf(target);
  let at = offset;
  const item = (type: number, len: number): number => {
    target[at] = type;
    target[at + 1] = len;
    const valueAt = at + 2;
    at = valueAt + len;
    return valueAt;
  };
  if (ext.ratchetId !== undefined) v.setUint32(item(0x01, 4), ext.ratchetId, true);
  if (ext.keyEpoch !== undefined) v.setUint16(item(0x02, 2), ext.keyEpoch, true);
  if (ext.swarmRole !== undefined) v.setUint8(item(0x03, 1), ext.swarmRole);
  if (ext.relayHop !== undefined) v.setUint8(item(0x04, 1), ext.relayHop);
  if (ext.interestMask !== undefined) v.setBigUint64(item(0x05, 8), ext.interestMask, true);
  if (ext.redundancyGroup !== undefined) v.setUint16(item(0x06, 2), ext.redundancyGroup, true);
  if (ext.compressionHint !== undefined) v.setUint8(item(0x07, 1), ext.compressionHint);
  if (ext.fragmentInfo !== undefined) {
    const p = item(0x08, 4);
    v.setUint16(p, ext.fragmentInfo.index, true);
    v.setUint16(p + 2, ext.fragmentInfo.total, true);
  }
  if (ext.pathId !== undefined) v.setUint16(item(0x09, 2), ext.pathId, true);
  if (ext.priorityHint !== undefined) v.setUint8(item(0x0a, 1), ext.priorityHint);
  if (ext.causalityRef !== undefined) {
    const p = item(0x0b, ext.causalityRef.length);
    target.set(ext.causalityRef, p);
  }
  target[at] = ExtensionType.End;
  return at + 1;
}

/**
 * Walks the TLV items in `bytes[offset..end)` as the reference does (PROTOCOL.md §6): 0xFF
 * ends the walk; a dangling type byte stops it silently; a value running past `end` is an
 * {@link InvalidWireFormatError}; a known type with its exact length is stored (later
 * duplicates win); a known type with another length, or an unknown type, is skipped;
 * CausalityRef takes any length (returned as a view into `bytes`). A missing End marker is
 * fine. `consumed` counts from `offset`.
 *
 * @example
 * const { extensions, consumed } = decodeExtensions(fromHex('0401ff')); // relayHop 255, 3
 */
export function decodeExtensions(
  bytes: Uint8Array,
  offset = 0,
  end = bytes.length,
): DecodedExtensions {
  if (offset >>> 0 !== offset || end >>> 0 !== end || end > bytes.length || offset > end) {
    throw new OutOfRangeError(`extension range [${offset}, ${end}) is not inside the input`);
  }
  if (offset === end) return { extensions: NO_EXTENSIONS, consumed: 0 };
  const v = viewOf(bytes);
  let ext: MutableExtensions | undefined;
  let at = offset;
  while (at < end) {
    const type = bytes[at] as number;
    if (type === ExtensionType.End) {
      at += 1;
      break;
    }
    if (at + 2 > end) break;
    const len = bytes[at + 1] as number;
    const valueAt = at + 2;
    if (valueAt + len > end) {
      throw new InvalidWireFormatError('extension length exceeds buffer');
    }
    const p = valueAt;
    ext ??= {};
    switch (type) {
      case 0x01:
        if (len === 4) ext.ratchetId = v.getUint32(p, true);
        break;
      case 0x02:
        if (len === 2) ext.keyEpoch = v.getUint16(p, true);
        break;
      case 0x03:
        if (len === 1) {
          // An unknown role clears an earlier one, exactly as the reference's assignment does.
          const role = swarmRoleFromByte(bytes[valueAt] as number);
          if (role === undefined) delete ext.swarmRole;
          else ext.swarmRole = role;
        }
        break;
      case 0x04:
        if (len === 1) ext.relayHop = bytes[valueAt] as number;
        break;
      case 0x05:
        if (len === 8) ext.interestMask = v.getBigUint64(p, true);
        break;
      case 0x06:
        if (len === 2) ext.redundancyGroup = v.getUint16(p, true);
        break;
      case 0x07:
        if (len === 1) ext.compressionHint = bytes[valueAt] as number;
        break;
      case 0x08:
        if (len === 4) {
          ext.fragmentInfo = { index: v.getUint16(p, true), total: v.getUint16(p + 2, true) };
        }
        break;
      case 0x09:
        if (len === 2) ext.pathId = v.getUint16(p, true);
        break;
      case 0x0a:
        if (len === 1) ext.priorityHint = bytes[valueAt] as number;
        break;
      case 0x0b:
        ext.causalityRef = bytes.subarray(valueAt, valueAt + len);
        break;
      default:
        break;
    }
    at = valueAt + len;
  }
  return { extensions: ext ?? NO_EXTENSIONS, consumed: at - offset };
}
