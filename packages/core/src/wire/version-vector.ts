import { OutOfRangeError } from '../elara-error.ts';
import type { NodeId } from '../node-id.ts';
import { isU64 } from '../u64.ts';
import { BufferTooShortError, InvalidWireFormatError } from '../wire-errors.ts';
import { viewOf } from './internal/data-view.ts';

/**
 * A version vector: NodeId → u64 counter, a missing entry counting as 0 (PROTOCOL.md §8.3).
 * Plain data (a `Map`), so it can be iterated, copied (`new Map(vv)`) and compared directly;
 * the `vv*` functions implement the reference's semantics. In Elara v1 it summarises a replica
 * (a digest of highest author seqs); it is not sent with every event.
 *
 * @example
 * const vv = versionVector();
 * vvIncrement(vv, alice);                 // 1n
 * vvCompare(vv, versionVector([[alice, 2n]])); // 'before'
 */
export type VersionVector = Map<NodeId, bigint>;

/** A version vector the callee does not change. */
export type ReadonlyVersionVector = ReadonlyMap<NodeId, bigint>;

/** How two version vectors relate causally (see {@link vvCompare}). */
export type VersionOrder = 'before' | 'after' | 'equal' | 'concurrent';

/** Bytes per entry on the wire: `node:u64 LE ‖ counter:u64 LE`. */
export const VERSION_VECTOR_ENTRY_SIZE = 16;

// Node ids and counters are checked wherever an entry goes in: a Map takes any key, and an
// unchecked −1n would be written as ff…ff, 2^64 + 5 as node 5 (a duplicate, out of order), and
// the number 5 would be a second key beside 5n.
function checkCounter(counter: bigint): void {
  if (!isU64(counter)) {
    throw new OutOfRangeError(`version counter ${String(counter)} is not a u64`);
  }
}

function checkNode(node: NodeId): void {
  if (!isU64(node)) throw new OutOfRangeError(`version node ${String(node)} is not a u64`);
}

/**
 * A new vector, optionally from entries (node ids and counters checked to be u64 bigints,
 * {@link OutOfRangeError} otherwise; later duplicates win).
 */
export function versionVector(entries: Iterable<readonly [NodeId, bigint]> = []): VersionVector {
  const vv: VersionVector = new Map();
  for (const [node, counter] of entries) {
    checkNode(node);
    checkCounter(counter);
    vv.set(node, counter);
  }
  return vv;
}

/** The counter of `node`, 0 when absent. */
export function vvGet(vv: ReadonlyVersionVector, node: NodeId): bigint {
  return vv.get(node) ?? 0n;
}

/** Sets the counter of `node` (both u64 bigints, {@link OutOfRangeError} otherwise). */
export function vvSet(vv: VersionVector, node: NodeId, counter: bigint): void {
  checkNode(node);
  checkCounter(counter);
  vv.set(node, counter);
}

/**
 * Adds one to `node`'s counter (created at 1) and returns the new value. At 2^64 − 1 it throws
 * {@link OutOfRangeError} instead of wrapping.
 */
export function vvIncrement(vv: VersionVector, node: NodeId): bigint {
  checkNode(node);
  const next = (vv.get(node) ?? 0n) + 1n;
  checkCounter(next);
  vv.set(node, next);
  return next;
}

/**
 * Raises every counter of `target` to at least `source`'s (entry-wise max); returns `target`.
 * Every entry it writes is checked first (node id and counter u64 bigints,
 * {@link OutOfRangeError} otherwise), so a valid `target` stays valid; entries merged before a
 * bad one stay merged. An entry of `source` that loses to `target`'s changes nothing, so it
 * is not checked (merging is hot: checking only what is written keeps it near a bare walk).
 */
export function vvMergeInto(target: VersionVector, source: ReadonlyVersionVector): VersionVector {
  for (const [node, counter] of source) {
    const mine = target.get(node);
    if (mine === undefined) {
      checkNode(node);
      checkCounter(counter);
      target.set(node, counter);
    } else if (counter > mine) {
      checkCounter(counter);
      target.set(node, counter);
    }
  }
  return target;
}

/** The entry-wise maximum over the union of keys, as a new vector. Linear in both sizes. */
export function vvMerge(a: ReadonlyVersionVector, b: ReadonlyVersionVector): VersionVector {
  return vvMergeInto(new Map(a), b);
}

/**
 * The causal order of `a` relative to `b`, missing entries counting as 0, in one linear pass:
 * `'before'` when no counter of `a` exceeds `b`'s and one is smaller (the reference's
 * `a.happens_before(b)`), `'after'` the converse, `'concurrent'` when each has a larger counter
 * somewhere, `'equal'` otherwise. So `{n: 0}` and `{}` compare `'equal'` even though
 * {@link vvEquals} (the reference's structural `==`) tells them apart.
 */
export function vvCompare(a: ReadonlyVersionVector, b: ReadonlyVersionVector): VersionOrder {
  let aAhead = false;
  let bAhead = false;
  for (const [node, av] of a) {
    const bv = b.get(node) ?? 0n;
    if (av > bv) aAhead = true;
    else if (av < bv) bAhead = true;
    if (aAhead && bAhead) return 'concurrent';
  }
  if (!bAhead) {
    for (const [node, bv] of b) {
      if (bv > 0n && !a.has(node)) {
        bAhead = true;
        break;
      }
    }
  }
  if (aAhead) return bAhead ? 'concurrent' : 'after';
  return bAhead ? 'before' : 'equal';
}

/** The reference's `a.happens_before(b)`: `vvCompare(a, b) === 'before'`. */
export function vvHappensBefore(a: ReadonlyVersionVector, b: ReadonlyVersionVector): boolean {
  return vvCompare(a, b) === 'before';
}

/** The reference's `concurrent(a, b)`: each has a counter larger than the other's. */
export function vvConcurrent(a: ReadonlyVersionVector, b: ReadonlyVersionVector): boolean {
  return vvCompare(a, b) === 'concurrent';
}

/** Structural equality, the reference's `==`: same keys, same counters (`{n: 0}` ≠ `{}`). */
export function vvEquals(a: ReadonlyVersionVector, b: ReadonlyVersionVector): boolean {
  if (a.size !== b.size) return false;
  for (const [node, counter] of a) if (b.get(node) !== counter) return false;
  return true;
}

/** Encoded size: 16 bytes per entry. */
export function versionVectorSize(vv: ReadonlyVersionVector): number {
  return vv.size * VERSION_VECTOR_ENTRY_SIZE;
}

/**
 * Writes the entries sorted by node id ascending, `node:u64 ‖ counter:u64` LE each (the
 * reference's wire form, PROTOCOL.md §8.1), at `target[offset..)`; returns the offset after.
 * Every entry is checked before anything is written: a node id or counter that is not a u64
 * bigint is an {@link OutOfRangeError}.
 */
export function encodeVersionVectorInto(
  vv: ReadonlyVersionVector,
  target: Uint8Array,
  offset = 0,
): number {
  const size = versionVectorSize(vv);
  if (offset >>> 0 !== offset || target.length - offset < size) {
    throw new BufferTooShortError(offset + size, target.length, 'version vector target');
  }
  for (const [node, counter] of vv) {
    checkNode(node);
    checkCounter(counter);
  }
  const nodes = [...vv.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const v = viewOf(target);
  let at = offset;
  for (const node of nodes) {
    const counter = vv.get(node) as bigint;
    v.setBigUint64(at, node, true);
    v.setBigUint64(at + 8, counter, true);
    at += VERSION_VECTOR_ENTRY_SIZE;
  }
  return offset + size;
}

/**
 * Encodes into a new buffer (sorted by node id).
 *
 * @example
 * encodeVersionVector(versionVector([[nodeId(2), 3n], [nodeId(1), 2n]])); // node 1 first
 */
export function encodeVersionVector(vv: ReadonlyVersionVector): Uint8Array {
  const out = new Uint8Array(versionVectorSize(vv));
  encodeVersionVectorInto(vv, out);
  return out;
}

/**
 * Decodes the whole of `bytes` as entries. A length that is not a multiple of 16 is an
 * {@link InvalidWireFormatError}; a repeated node keeps its last counter (as the reference's
 * map insert does); entries need not be sorted.
 */
export function decodeVersionVector(bytes: Uint8Array): VersionVector {
  if (bytes.length % VERSION_VECTOR_ENTRY_SIZE !== 0) {
    throw new InvalidWireFormatError(
      `version vector length ${bytes.length} is not a multiple of ${VERSION_VECTOR_ENTRY_SIZE}`,
    );
  }
  const vv: VersionVector = new Map();
  const v = viewOf(bytes);
  for (let at = 0; at < bytes.length; at += VERSION_VECTOR_ENTRY_SIZE) {
    vv.set(v.getBigUint64(at, true) as NodeId, v.getBigUint64(at + 8, true));
  }
  return vv;
}
