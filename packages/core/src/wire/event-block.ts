import { ByteReader } from '../byte-reader.ts';
import { OutOfRangeError } from '../elara-error.ts';
import { type EventType, eventTypeFromByte } from '../event-type.ts';
import type { NodeId } from '../node-id.ts';
import type { StateId } from '../state-id.ts';
import { isU64, U64_MAX } from '../u64.ts';
import {
  BufferTooShortError,
  InvalidWireFormatError,
  TooLargeError,
  UnknownEnumValueError,
  WireError,
} from '../wire-errors.ts';
import { viewOf } from './internal/data-view.ts';
import {
  decodeMutationOpAt,
  encodeMutationOpInto,
  type MutationOp,
  mutationOpSize,
} from './mutation-op.ts';
import {
  decodeVersionVector,
  encodeVersionVectorInto,
  type ReadonlyVersionVector,
  type VersionVector,
  versionVectorSize,
} from './version-vector.ts';

/** Bytes of an event block before its version vector and mutation: type, target, two lengths. */
export const EVENT_BLOCK_OVERHEAD = 13;

/**
 * One event as the reference runtime puts it in a v0 payload (PROTOCOL.md §8.1):
 *
 * | Off     | Size | Field                                              |
 * |---------|------|----------------------------------------------------|
 * | 0       | 1    | eventType                                          |
 * | 1       | 8    | target StateId, u64 LE                             |
 * | 9       | 2    | vlen, u16 LE                                       |
 * | 11      | vlen | versionRef, 16 bytes per entry, sorted by node id  |
 * | 11+vlen | 2    | dlen, u16 LE                                       |
 * | 13+vlen | dlen | mutation ({@link MutationOp})                      |
 *
 * Source, seq and time are not in the block: a receiver takes them from the frame header.
 */
export interface EventBlock {
  readonly eventType: EventType;
  readonly target: StateId;
  readonly versionRef: ReadonlyVersionVector;
  readonly mutation: MutationOp;
}

/** A block as the reference runtime rebuilds it on receipt. */
export interface V0Event {
  readonly eventType: EventType;
  readonly target: StateId;
  readonly versionRef: VersionVector;
  readonly mutation: MutationOp;
  /** The frame header's nodeId. */
  readonly source: NodeId;
  /** `versionRef[source] + 1`, saturating at 2^64 − 1 (the reference's event seq). */
  readonly seq: bigint;
  /** The frame header's timeHint (100 µs units). */
  readonly timeHint: number;
}

/** What {@link decodeEventBlocks} recovered, and where it stopped. */
export interface DecodedEventBlocks {
  readonly events: V0Event[];
  /** Bytes of whole blocks decoded; less than the payload length means it stopped early. */
  readonly consumed: number;
}

/** Encoded size of a block. */
export function eventBlockSize(block: EventBlock): number {
  return (
    EVENT_BLOCK_OVERHEAD + versionVectorSize(block.versionRef) + mutationOpSize(block.mutation)
  );
}

/**
 * Writes a block at `target[offset..)` and returns the offset after it. An event type that is
 * not an {@link EventType} or a target that is not a u64 bigint is an {@link OutOfRangeError}
 * (checked before anything is written: a DataView would wrap 300 to 0x2c and −1n to 2^64 − 1);
 * a version vector over 4095 entries or a mutation over 65535 bytes is a {@link TooLargeError}
 * (the reference would write a truncated length).
 */
export function encodeEventBlockInto(block: EventBlock, target: Uint8Array, offset = 0): number {
  if (eventTypeFromByte(block.eventType) === undefined) {
    throw new OutOfRangeError(`unknown event type ${String(block.eventType)}`);
  }
  if (!isU64(block.target)) {
    throw new OutOfRangeError(`event block target ${String(block.target)} is not a u64`);
  }
  const vlen = versionVectorSize(block.versionRef);
  const dlen = mutationOpSize(block.mutation);
  if (vlen > 0xffff) throw new TooLargeError(vlen, 0xffff, 'event block version vector');
  if (dlen > 0xffff) throw new TooLargeError(dlen, 0xffff, 'event block mutation');
  const size = EVENT_BLOCK_OVERHEAD + vlen + dlen;
  if (offset >>> 0 !== offset || target.length - offset < size) {
    throw new BufferTooShortError(offset + size, target.length, 'event block target');
  }
  const v = viewOf(target);
  v.setUint8(offset, block.eventType);
  v.setBigUint64(offset + 1, block.target, true);
  v.setUint16(offset + 9, vlen, true);
  encodeVersionVectorInto(block.versionRef, target, offset + 11);
  v.setUint16(offset + 11 + vlen, dlen, true);
  encodeMutationOpInto(block.mutation, target, offset + 13 + vlen);
  return offset + size;
}

/**
 * Encodes one block into a new buffer; a v0 payload is one or more blocks back to back.
 *
 * @example
 * encodeEventBlock({ eventType: EventType.TextAppend, target, versionRef: versionVector(), mutation });
 */
export function encodeEventBlock(block: EventBlock): Uint8Array {
  const out = new Uint8Array(eventBlockSize(block));
  encodeEventBlockInto(block, out);
  return out;
}

/** The result of {@link decodeEventBlock}. */
export interface DecodedEventBlock {
  readonly block: EventBlock & { readonly versionRef: VersionVector };
  readonly consumed: number;
}

/**
 * Decodes one block at `bytes[offset..)`, strictly: a short buffer is a
 * {@link BufferTooShortError}, an unknown event type an {@link UnknownEnumValueError}, a vlen
 * not a multiple of 16 or a mutation that does not fill dlen exactly an
 * {@link InvalidWireFormatError}. Mutation bytes are views into `bytes`.
 */
export function decodeEventBlock(bytes: Uint8Array, offset = 0): DecodedEventBlock {
  const r = new ByteReader(bytes);
  r.skip(offset);
  r.need(EVENT_BLOCK_OVERHEAD, 'event block');
  const typeByte = r.u8();
  const eventType = eventTypeFromByte(typeByte);
  if (eventType === undefined) throw new UnknownEnumValueError('EventType', typeByte);
  const target = r.u64() as StateId;
  const versionRef = decodeVersionVector(r.bytes(r.u16()));
  const dlen = r.u16();
  const at = r.offset;
  r.skip(dlen);
  const mutation = decodeMutationOpAt(bytes, at, at + dlen);
  const used = mutationOpSize(mutation);
  if (used !== dlen)
    throw new InvalidWireFormatError(`mutation takes ${used} of its ${dlen} bytes`);
  return { block: { eventType, target, versionRef, mutation }, consumed: r.offset - offset };
}

/**
 * The reference runtime's receive loop over a v0 payload (PROTOCOL.md §8.1): decodes blocks
 * while at least 13 bytes remain and **stops silently at the first bad block**, keeping the
 * events before it (never throws on bad bytes). Each event gets `source` and `timeHint` from
 * the frame header and `seq = versionRef[source] + 1` (saturating).
 *
 * @example
 * const { events, consumed } = decodeEventBlocks(frame.payload, header.nodeId, header.timeHint);
 * if (consumed < frame.payload.length) counters.truncatedPayloads++;
 */
export function decodeEventBlocks(
  payload: Uint8Array,
  source: NodeId,
  timeHint: number,
): DecodedEventBlocks {
  const events: V0Event[] = [];
  let at = 0;
  while (payload.length - at >= EVENT_BLOCK_OVERHEAD) {
    let decoded: DecodedEventBlock;
    try {
      decoded = decodeEventBlock(payload, at);
    } catch (e) {
      if (WireError.isInstance(e)) break;
      throw e;
    }
    const { block } = decoded;
    const own = block.versionRef.get(source) ?? 0n;
    events.push({ ...block, source, seq: own < U64_MAX ? own + 1n : U64_MAX, timeHint });
    at += decoded.consumed;
  }
  return { events, consumed: at };
}
