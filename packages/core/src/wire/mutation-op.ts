import { OutOfRangeError } from '../elara-error.ts';
import { BufferTooShortError, TooLargeError, UnknownEnumValueError } from '../wire-errors.ts';
import { viewOf, windowOf } from './internal/data-view.ts';

/** The tag byte of each {@link MutationOp} (PROTOCOL.md §8.2). */
export const MutationOpTag = {
  Set: 0x01,
  Increment: 0x02,
  Append: 0x03,
  Merge: 0x04,
  Delete: 0x05,
  Blend: 0x06,
} as const;
export type MutationOpTag = (typeof MutationOpTag)[keyof typeof MutationOpTag];

/** The largest byte string a mutation carries: its length travels as a u16. */
export const MAX_MUTATION_DATA = 0xffff;

/**
 * What an event does to its target atom (PROTOCOL.md §8.2). The bytes are the reference's:
 *
 * | Tag  | Op        | Body after the tag                          |
 * |------|-----------|---------------------------------------------|
 * | 0x01 | set       | `len:u16 ‖ data`                            |
 * | 0x02 | increment | `delta:i64`                                 |
 * | 0x03 | append    | `len:u16 ‖ data`                            |
 * | 0x04 | merge     | `len:u16 ‖ data`                            |
 * | 0x05 | delete    | nothing                                     |
 * | 0x06 | blend     | `weight:f32 ‖ len:u16 ‖ value` (weight first) |
 *
 * Decoded `data` / `value` are views into the input (valid only while it is).
 *
 * @example
 * const op: MutationOp = { type: 'append', data: new TextEncoder().encode('hi') };
 */
export type MutationOp =
  | { readonly type: 'set'; readonly data: Uint8Array }
  | { readonly type: 'increment'; readonly delta: bigint }
  | { readonly type: 'append'; readonly data: Uint8Array }
  | { readonly type: 'merge'; readonly data: Uint8Array }
  | { readonly type: 'delete' }
  /** `weight` is an f32 on the wire: other numbers are rounded by `Math.fround`. */
  | { readonly type: 'blend'; readonly value: Uint8Array; readonly weight: number };

/** A decoded mutation and how many bytes it took (trailing bytes are the caller's business). */
export interface DecodedMutationOp {
  readonly op: MutationOp;
  readonly consumed: number;
}

/** The encoded size of `op`. */
export function mutationOpSize(op: MutationOp): number {
  switch (op.type) {
    case 'set':
    case 'append':
    case 'merge':
      return 3 + op.data.length;
    case 'increment':
      return 9;
    case 'delete':
      return 1;
    case 'blend':
      return 7 + op.value.length;
  }
}

const DATA_TAG = {
  set: MutationOpTag.Set,
  append: MutationOpTag.Append,
  merge: MutationOpTag.Merge,
} as const;

function checkData(data: Uint8Array): void {
  if (data.length > MAX_MUTATION_DATA) {
    throw new TooLargeError(data.length, MAX_MUTATION_DATA, 'mutation data');
  }
}

/**
 * Writes `op` at `target[offset..)` and returns the offset after it. Data over 65535 bytes is a
 * {@link TooLargeError} (the reference silently truncates the length); a delta outside i64 an
 * {@link OutOfRangeError}; a target too small a {@link BufferTooShortError}.
 */
export function encodeMutationOpInto(op: MutationOp, target: Uint8Array, offset = 0): number {
  const size = mutationOpSize(op);
  // typeof first: a number delta would pass the range test and reach DataView's TypeError.
  if (
    op.type === 'increment' &&
    (typeof op.delta !== 'bigint' || BigInt.asIntN(64, op.delta) !== op.delta)
  ) {
    throw new OutOfRangeError(`increment delta is not an i64 bigint: ${String(op.delta)}`);
  }
  if (op.type === 'blend') checkData(op.value);
  else if (op.type !== 'increment' && op.type !== 'delete') checkData(op.data);
  if (offset >>> 0 !== offset || target.length - offset < size) {
    throw new BufferTooShortError(offset + size, target.length, 'mutation target');
  }
  const v = viewOf(target);
  switch (op.type) {
    case 'set':
    case 'append':
    case 'merge':
      v.setUint8(offset, DATA_TAG[op.type]);
      v.setUint16(offset + 1, op.data.length, true);
      target.set(op.data, offset + 3);
      break;
    case 'increment':
      v.setUint8(offset, MutationOpTag.Increment);
      v.setBigInt64(offset + 1, op.delta, true);
      break;
    case 'delete':
      v.setUint8(offset, MutationOpTag.Delete);
      break;
    case 'blend':
      v.setUint8(offset, MutationOpTag.Blend);
      v.setFloat32(offset + 1, op.weight, true);
      v.setUint16(offset + 5, op.value.length, true);
      target.set(op.value, offset + 7);
      break;
  }
  return offset + size;
}

/**
 * Encodes `op` into a new buffer (rules as {@link encodeMutationOpInto}).
 *
 * @example
 * encodeMutationOp({ type: 'delete' }); // Uint8Array [0x05]
 */
export function encodeMutationOp(op: MutationOp): Uint8Array {
  const out = new Uint8Array(mutationOpSize(op));
  encodeMutationOpInto(op, out);
  return out;
}

/**
 * Reads one mutation from `bytes[offset..end)` without allocating a reader (its size is
 * `mutationOpSize(op)`). Every read is bounded by `end`: a short body is a
 * {@link BufferTooShortError}, an unknown tag an {@link UnknownEnumValueError}. Data and value
 * are views into `bytes`.
 */
export function decodeMutationOpAt(bytes: Uint8Array, offset = 0, end = bytes.length): MutationOp {
  if (offset >>> 0 !== offset || end >>> 0 !== end || end > bytes.length || offset > end) {
    throw new OutOfRangeError(`mutation range [${offset}, ${end}) is not inside the input`);
  }
  const room = end - offset;
  if (room < 1) throw new BufferTooShortError(offset + 1, end, 'mutation');
  const tag = bytes[offset] as number;
  switch (tag) {
    case MutationOpTag.Set:
    case MutationOpTag.Append:
    case MutationOpTag.Merge: {
      if (room < 3) throw new BufferTooShortError(offset + 3, end, 'mutation length');
      const len = (bytes[offset + 1] as number) | ((bytes[offset + 2] as number) << 8);
      if (room < 3 + len) throw new BufferTooShortError(offset + 3 + len, end, 'mutation data');
      const data = bytes.subarray(offset + 3, offset + 3 + len);
      return tag === MutationOpTag.Set
        ? { type: 'set', data }
        : tag === MutationOpTag.Append
          ? { type: 'append', data }
          : { type: 'merge', data };
    }
    case MutationOpTag.Increment:
      if (room < 9) throw new BufferTooShortError(offset + 9, end, 'increment');
      return { type: 'increment', delta: windowOf(bytes, offset + 1, 8).getBigInt64(0, true) };
    case MutationOpTag.Delete:
      return { type: 'delete' };
    case MutationOpTag.Blend: {
      if (room < 7) throw new BufferTooShortError(offset + 7, end, 'blend');
      const weight = windowOf(bytes, offset + 1, 4).getFloat32(0, true);
      const len = (bytes[offset + 5] as number) | ((bytes[offset + 6] as number) << 8);
      if (room < 7 + len) throw new BufferTooShortError(offset + 7 + len, end, 'blend value');
      return { type: 'blend', weight, value: bytes.subarray(offset + 7, offset + 7 + len) };
    }
    default:
      throw new UnknownEnumValueError('MutationOp', tag);
  }
}

/**
 * Decodes one mutation from the start of `bytes`. An unknown tag is an
 * {@link UnknownEnumValueError}, a short body a {@link BufferTooShortError} (the reference's
 * `None`); trailing bytes are not an error here (`consumed` tells).
 *
 * @example
 * const { op, consumed } = decodeMutationOp(fromHex('0302006869')); // append "hi", 5
 */
export function decodeMutationOp(bytes: Uint8Array): DecodedMutationOp {
  const op = decodeMutationOpAt(bytes);
  return { op, consumed: mutationOpSize(op) };
}
