import {
  ByteReader,
  ByteWriter,
  InvalidWireFormatError,
  MAX_MUTATION_DATA,
  type MutationOp,
  type NodeId,
  TooLargeError,
} from '@elara/core';

/** An operation of a set atom that an element's state already reflected: (author, number). */
export interface SetTag {
  readonly author: NodeId;
  readonly number: number;
}

/**
 * An add or a remove of one element of an observed-remove set, with the operations on that
 * element its author had applied (`observed`): the new operation supersedes them. Carried as
 * the data of a `merge` mutation:
 *
 * `op:u8 (1 add, 2 remove) ‖ len:u16 ‖ element ‖ count:u16 ‖ (author:u64 ‖ number:u32)*`
 *
 * (all LE). A plain `append(element)` is an add that observed nothing.
 *
 * @example
 * const m = setOpMutation({ op: 'remove', element, observed: set.observedTags(element) });
 */
export interface SetOp {
  readonly op: 'add' | 'remove';
  readonly element: Uint8Array;
  readonly observed: readonly SetTag[];
}

/** Tag bytes of a set operation. */
export const SetOpCode = { Add: 1, Remove: 2 } as const;

const TAG_SIZE = 12;

/** Encoded size of a set operation. */
export function setOpSize(op: SetOp): number {
  return 5 + op.element.length + TAG_SIZE * op.observed.length;
}

/**
 * Encodes a set operation as `merge` data. More than 65535 bytes is a {@link TooLargeError}.
 *
 * @example
 * encodeSetOp({ op: 'add', element: Uint8Array.of(7), observed: [] }); // 01 0100 07 0000
 */
export function encodeSetOp(op: SetOp): Uint8Array {
  const size = setOpSize(op);
  if (size > MAX_MUTATION_DATA) throw new TooLargeError(size, MAX_MUTATION_DATA, 'set operation');
  const w = new ByteWriter(size);
  w.u8(op.op === 'add' ? SetOpCode.Add : SetOpCode.Remove);
  w.u16(op.element.length);
  w.bytes(op.element);
  w.u16(op.observed.length);
  for (const t of op.observed) {
    w.u64(t.author);
    w.u32(t.number);
  }
  return w.finish();
}

/** The `merge` mutation carrying a set operation. */
export function setOpMutation(op: SetOp): MutationOp {
  return { type: 'merge', data: encodeSetOp(op) };
}

const reader = new ByteReader();

/**
 * Decodes a set operation from the whole of `data`, strictly: an unknown op byte or trailing
 * bytes are an {@link InvalidWireFormatError}, a short input a `BufferTooShortError`. The
 * element is a view into `data`.
 */
export function decodeSetOp(data: Uint8Array): SetOp {
  const r = reader.reset(data);
  const code = r.u8();
  if (code !== SetOpCode.Add && code !== SetOpCode.Remove) {
    throw new InvalidWireFormatError(`set operation code ${code}`);
  }
  const element = r.bytes(r.u16());
  const count = r.u16();
  r.need(count * TAG_SIZE, 'set operation tags');
  const observed: SetTag[] = [];
  for (let i = 0; i < count; i++) observed.push({ author: r.u64() as NodeId, number: r.u32() });
  if (r.remaining !== 0) throw new InvalidWireFormatError('bytes after a set operation');
  return { op: code === SetOpCode.Add ? 'add' : 'remove', element, observed };
}
