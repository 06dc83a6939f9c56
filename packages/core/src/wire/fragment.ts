import { OutOfRangeError } from '../elara-error.ts';
import { BufferTooShortError, InvalidWireFormatError, TooLargeError } from '../wire-errors.ts';
import { viewOf, windowOf } from './internal/data-view.ts';
import { payloadKind, PayloadKind } from './payload-kind.ts';

/** Bytes before a fragment's chunk: kind, messageId, index, total. */
export const FRAGMENT_HEADER_SIZE = 9;

/** The most fragments a message can have on the wire (index and total are u16). */
export const MAX_FRAGMENTS = 0xffff;

/**
 * One piece of a v1 payload too large for a frame: `0x03 ‖ messageId:u32 ‖ index:u16 ‖
 * total:u16 ‖ chunk` (LE). Each fragment is sealed and authenticated in its own frame (before
 * sealing, as ARCHITECTURE.md decides), so the fragment header is protected like the data;
 * the reassembled payload starts with its own kind byte.
 */
export interface Fragment {
  /** u32 chosen by the sender, unique among its messages in flight to this receiver. */
  readonly messageId: number;
  /** 0-based, below `total`. */
  readonly index: number;
  /** 1..65535. */
  readonly total: number;
  /** A view into the decoded payload (valid only while it is); the reassembler copies it. */
  readonly chunk: Uint8Array;
}

/** Options of {@link fragmentPayload}. */
export interface FragmentOptions {
  /** The message id every fragment carries (u32). */
  readonly messageId: number;
  /** The most bytes one fragment payload may take, header included (> 9). */
  readonly budget: number;
  /** Refuse to split into more fragments than this (default and cap {@link MAX_FRAGMENTS}). */
  readonly maxFragments?: number;
}

/**
 * Splits `payload` into numbered fragment payloads of at most `budget` bytes each, all chunks
 * but the last full. Pure: one allocation holds every fragment (the results are views of it).
 * A budget of 9 or less is an {@link OutOfRangeError}; needing more than `maxFragments`
 * fragments a {@link TooLargeError}.
 *
 * @example
 * const parts = fragmentPayload(bigPayload, { messageId: 41, budget: 1200 });
 * for (const p of parts) send(seal(p));
 */
export function fragmentPayload(payload: Uint8Array, options: FragmentOptions): Uint8Array[] {
  const { messageId, budget } = options;
  const maxFragments = options.maxFragments ?? MAX_FRAGMENTS;
  if (messageId >>> 0 !== messageId)
    throw new OutOfRangeError(`messageId ${messageId} is not a u32`);
  if (!Number.isInteger(budget) || budget <= FRAGMENT_HEADER_SIZE) {
    throw new OutOfRangeError(`fragment budget ${budget} must exceed ${FRAGMENT_HEADER_SIZE}`);
  }
  if (!Number.isInteger(maxFragments) || maxFragments < 1 || maxFragments > MAX_FRAGMENTS) {
    throw new OutOfRangeError(`maxFragments ${maxFragments} is outside 1..${MAX_FRAGMENTS}`);
  }
  const room = budget - FRAGMENT_HEADER_SIZE;
  const total = Math.max(1, Math.ceil(payload.length / room));
  if (total > maxFragments) throw new TooLargeError(total, maxFragments, 'fragments');
  const all = new Uint8Array(payload.length + total * FRAGMENT_HEADER_SIZE);
  const v = viewOf(all);
  const out: Uint8Array[] = [];
  let at = 0;
  for (let index = 0; index < total; index++) {
    const chunk = payload.subarray(index * room, (index + 1) * room);
    const start = at;
    v.setUint8(start, PayloadKind.Fragment);
    v.setUint32(start + 1, messageId, true);
    v.setUint16(start + 5, index, true);
    v.setUint16(start + 7, total, true);
    all.set(chunk, start + FRAGMENT_HEADER_SIZE);
    at = start + FRAGMENT_HEADER_SIZE + chunk.length;
    out.push(all.subarray(start, at));
  }
  return out;
}

/**
 * Encodes one fragment payload (what {@link fragmentPayload} produces, one at a time).
 * Fields outside their ranges are an {@link OutOfRangeError}.
 */
export function encodeFragment(fragment: Fragment): Uint8Array {
  const { messageId, index, total, chunk } = fragment;
  if (messageId >>> 0 !== messageId)
    throw new OutOfRangeError(`messageId ${messageId} is not a u32`);
  if (!Number.isInteger(total) || total < 1 || total > MAX_FRAGMENTS) {
    throw new OutOfRangeError(`fragment total ${total} is outside 1..${MAX_FRAGMENTS}`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= total) {
    throw new OutOfRangeError(`fragment index ${index} is outside 0..${total - 1}`);
  }
  const out = new Uint8Array(FRAGMENT_HEADER_SIZE + chunk.length);
  const v = viewOf(out);
  v.setUint8(0, PayloadKind.Fragment);
  v.setUint32(1, messageId, true);
  v.setUint16(5, index, true);
  v.setUint16(7, total, true);
  out.set(chunk, FRAGMENT_HEADER_SIZE);
  return out;
}

/**
 * Decodes a Fragment payload: another kind or a total of 0 or an index ≥ total is an
 * {@link InvalidWireFormatError}, fewer than 9 bytes a {@link BufferTooShortError}. The chunk
 * is a view into `payload`.
 *
 * @example
 * const done = reassembler.add(peer, decodeFragment(opened), scheduler.now());
 */
export function decodeFragment(payload: Uint8Array): Fragment {
  const kind = payloadKind(payload);
  if (kind !== PayloadKind.Fragment) {
    throw new InvalidWireFormatError(`payload kind ${kind} is not Fragment`);
  }
  if (payload.length < FRAGMENT_HEADER_SIZE) {
    throw new BufferTooShortError(FRAGMENT_HEADER_SIZE, payload.length, 'fragment');
  }
  const v = windowOf(payload, 0, FRAGMENT_HEADER_SIZE);
  const messageId = v.getUint32(1, true);
  const index = v.getUint16(5, true);
  const total = v.getUint16(7, true);
  if (total === 0 || index >= total) {
    throw new InvalidWireFormatError(`fragment ${index} of ${total}`);
  }
  return { messageId, index, total, chunk: payload.subarray(FRAGMENT_HEADER_SIZE) };
}
