import { OutOfRangeError } from '../elara-error.ts';
import { BufferTooShortError, InvalidWireFormatError, TooLargeError } from '../wire-errors.ts';
import { payloadKind, PayloadKind } from './payload-kind.ts';
import {
  decodeEnvelope,
  encodeEnvelopeInto,
  envelopeSize,
  type EventEnvelope,
  MAX_ENVELOPE_SIZE,
} from './v1-envelope.ts';

/** Bytes a batch adds per envelope: its u16 length. */
export const BATCH_ENTRY_OVERHEAD = 2;

/**
 * Encoded size of a batch of these envelopes: `1 + Σ(2 + envelope)`.
 */
export function eventBatchSize(envelopes: readonly EventEnvelope[]): number {
  let size = 1;
  for (const e of envelopes) size += BATCH_ENTRY_OVERHEAD + envelopeSize(e);
  return size;
}

/** Writes `(len:u16 ‖ envelope)` entries at `target[offset..)`; returns the offset after them. */
export function encodeEnvelopeEntriesInto(
  envelopes: readonly EventEnvelope[],
  target: Uint8Array,
  offset: number,
): number {
  let at = offset;
  for (const e of envelopes) {
    if (target.length - at < BATCH_ENTRY_OVERHEAD) {
      throw new BufferTooShortError(at + BATCH_ENTRY_OVERHEAD, target.length, 'batch target');
    }
    const end = encodeEnvelopeInto(e, target, at + BATCH_ENTRY_OVERHEAD);
    const len = end - at - BATCH_ENTRY_OVERHEAD;
    target[at] = len & 0xff;
    target[at + 1] = len >>> 8;
    at = end;
  }
  return at;
}

/**
 * Encodes envelopes as one v1 Events payload: `0x01 ‖ (len:u16 LE ‖ envelope)*`. The length
 * prefix lets a receiver keep or forward an envelope's exact bytes ({@link splitEventBatch})
 * without re-encoding. No size budget here: see {@link packEventBatches}.
 *
 * @example
 * const payload = encodeEventBatch([a, b]);
 */
export function encodeEventBatch(envelopes: readonly EventEnvelope[]): Uint8Array {
  if (envelopes.length === 0) throw new OutOfRangeError('an event batch needs an envelope');
  const out = new Uint8Array(eventBatchSize(envelopes));
  out[0] = PayloadKind.Events;
  encodeEnvelopeEntriesInto(envelopes, out, 1);
  return out;
}

/**
 * Walks `(len:u16 ‖ envelope)` entries in `bytes[offset..)` to the end and returns views of
 * each envelope's bytes. A length running past the end is a {@link BufferTooShortError}; a
 * length too small to be an envelope an {@link InvalidWireFormatError}.
 */
export function splitEnvelopeEntries(bytes: Uint8Array, offset: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = offset;
  while (at < bytes.length) {
    if (bytes.length - at < BATCH_ENTRY_OVERHEAD) {
      throw new BufferTooShortError(at + BATCH_ENTRY_OVERHEAD, bytes.length, 'batch entry length');
    }
    const len = (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
    at += BATCH_ENTRY_OVERHEAD;
    if (len === 0) throw new InvalidWireFormatError('empty batch entry');
    if (bytes.length - at < len)
      throw new BufferTooShortError(at + len, bytes.length, 'batch entry');
    out.push(bytes.subarray(at, at + len));
    at += len;
  }
  return out;
}

/**
 * The encoded envelopes of an Events payload, as views into `payload` (no copy: valid only
 * while the payload is; copy an envelope's bytes to keep them, e.g. for repair). The payload
 * must start with {@link PayloadKind.Events} and hold at least one envelope.
 *
 * @example
 * for (const raw of splitEventBatch(payload)) store.put(decodeEnvelope(raw), raw.slice());
 */
export function splitEventBatch(payload: Uint8Array): Uint8Array[] {
  const kind = payloadKind(payload);
  if (kind !== PayloadKind.Events) {
    throw new InvalidWireFormatError(`payload kind ${kind} is not Events`);
  }
  const entries = splitEnvelopeEntries(payload, 1);
  if (entries.length === 0) throw new InvalidWireFormatError('an event batch with no envelope');
  return entries;
}

/**
 * Decodes every envelope of an Events payload, strictly: one bad envelope rejects the batch
 * with its named error (a sealed payload with bad contents comes from a faulty member). Views
 * as {@link splitEventBatch}.
 *
 * @example
 * const envelopes = decodeEventBatch(opened);
 */
export function decodeEventBatch(payload: Uint8Array): EventEnvelope[] {
  return splitEventBatch(payload).map(decodeEnvelope);
}

/**
 * Packs envelopes, in order, into as few Events payloads as a greedy pass gives, each at most
 * `budget` bytes (the plaintext a frame may carry, e.g. {@link MAX_PAYLOAD_SIZE} less the
 * sealing overhead). An envelope that cannot fit any payload of that budget gets a payload of
 * its own, longer than `budget`: split that one with `fragmentPayload`. Pure: it allocates
 * the payloads and touches nothing else.
 *
 * @example
 * for (const payload of packEventBatches(outgoing, budget)) {
 *   const parts = payload.length <= budget ? [payload] : fragmentPayload(payload, { messageId: next++, budget });
 *   for (const p of parts) send(seal(p));
 * }
 */
export function packEventBatches(
  envelopes: readonly EventEnvelope[],
  budget: number,
): Uint8Array[] {
  if (!Number.isInteger(budget) || budget < 1) {
    throw new OutOfRangeError(`batch budget ${budget} must be a positive integer`);
  }
  const sizes = envelopes.map((e) => {
    const size = envelopeSize(e);
    if (size > MAX_ENVELOPE_SIZE) throw new TooLargeError(size, MAX_ENVELOPE_SIZE, 'envelope');
    return size;
  });
  const payloads: Uint8Array[] = [];
  let start = 0;
  while (start < envelopes.length) {
    let used = 1 + BATCH_ENTRY_OVERHEAD + (sizes[start] as number);
    let end = start + 1;
    while (end < envelopes.length) {
      const next = used + BATCH_ENTRY_OVERHEAD + (sizes[end] as number);
      if (next > budget) break;
      used = next;
      end++;
    }
    const out = new Uint8Array(used);
    out[0] = PayloadKind.Events;
    encodeEnvelopeEntriesInto(envelopes.slice(start, end), out, 1);
    payloads.push(out);
    start = end;
  }
  return payloads;
}
