import { OutOfRangeError } from '../elara-error.ts';
import { type EventId, MAX_EVENT_SEQ } from '../event-id.ts';
import { EventKind } from '../event-kind.ts';
import { SIGNATURE_LENGTH } from '../event-signing.ts';
import { type EventType, eventTypeFromByte } from '../event-type.ts';
import type { NodeId } from '../node-id.ts';
import type { StateId } from '../state-id.ts';
import type { StateTime } from '../state-time.ts';
import { isU64 } from '../u64.ts';
import {
  BufferTooShortError,
  InvalidWireFormatError,
  TooLargeError,
  UnknownEnumValueError,
} from '../wire-errors.ts';
import { viewOf, windowOf } from './internal/data-view.ts';
import { getTimeUs, setTimeUs } from './internal/time-field.ts';
import {
  decodeMutationOpAt,
  encodeMutationOpInto,
  type MutationOp,
  mutationOpSize,
} from './mutation-op.ts';

/** K: the most dependencies a durable event names (ARCHITECTURE.md "Event identity"). */
export const MAX_DEPENDENCIES = 4;

/** Bytes before the kind-specific part: kind, author, number, τs, target, event type. */
export const ENVELOPE_COMMON_SIZE = 30;

/** Bytes per dependency: `author:u64 ‖ seq:u32`. */
export const DEPENDENCY_SIZE = 12;

/** The largest encoded envelope: its length travels as a u16 in batches. */
export const MAX_ENVELOPE_SIZE = 0xffff;

/**
 * A durable event (its target atom is of StateType Core): signed, identified by
 * (author, seq) with seq contiguous from 1 per (session, author), stored, repaired, forwarded
 * with its signature, and the only kind that can be a dependency.
 */
export interface DurableEnvelope {
  readonly kind: typeof EventKind.Durable;
  readonly author: NodeId;
  /** The author's seq in the session, 1..2^32 − 1. */
  readonly seq: number;
  /** Absolute τs, Unix-epoch µs (a safe integer). */
  readonly time: StateTime;
  readonly target: StateId;
  readonly eventType: EventType;
  /** At most {@link MAX_DEPENDENCIES} events to apply first; the author's seq − 1 is implied. */
  readonly dependencies: readonly EventId[];
  readonly mutation: MutationOp;
  /** Ed25519 over {@link eventSigningBytes}, {@link SIGNATURE_LENGTH} bytes. */
  readonly signature: Uint8Array;
}

/**
 * An ephemeral event (presence, typing, voice and visual frames): unsigned, numbered by a
 * counter per (author, target atom), never stored, repaired, forwarded or depended on.
 */
export interface EphemeralEnvelope {
  readonly kind: typeof EventKind.Ephemeral;
  readonly author: NodeId;
  /** The per-(author, target) counter, 0..2^32 − 1 (not an author seq). */
  readonly counter: number;
  /** Absolute τs, Unix-epoch µs (a safe integer). */
  readonly time: StateTime;
  readonly target: StateId;
  readonly eventType: EventType;
  readonly mutation: MutationOp;
}

/**
 * An Elara v1 event as it travels. Byte layout (all integers LE):
 *
 * | Off     | Size | Field                                                        |
 * |---------|------|--------------------------------------------------------------|
 * | 0       | 1    | kind: 0 durable, 1 ephemeral ({@link EventKind})             |
 * | 1       | 8    | author NodeId                                                |
 * | 9       | 4    | number, u32: seq (durable, ≥ 1) or counter (ephemeral)      |
 * | 13      | 8    | τs, i64 µs since the Unix epoch                              |
 * | 21      | 8    | target StateId                                               |
 * | 29      | 1    | eventType ({@link EventType})                                |
 * | durable | 1    | n = dependency count, 0..4                                   |
 * | durable | 12n  | dependencies: `author:u64 ‖ seq:u32` each                    |
 * | …       | M    | mutation ({@link MutationOp})                                |
 * | durable | 64   | signature                                                    |
 *
 * Decoded `mutation` bytes and `signature` are views into the input (valid only while it is).
 *
 * @example
 * const typing: EventEnvelope = {
 *   kind: EventKind.Ephemeral, author: me, counter: 12, time: clock.now(),
 *   target: stateIdFromParts(StateTypePrefix.Typing, me), eventType: EventType.TypingStart,
 *   mutation: { type: 'set', data: Uint8Array.of(1) },
 * };
 * const bytes = encodeEnvelope(typing);
 */
export type EventEnvelope = DurableEnvelope | EphemeralEnvelope;

/** A durable envelope before its signature exists (what {@link eventSigningBytes} takes). */
export type UnsignedDurableEnvelope = Omit<DurableEnvelope, 'signature'>;

/** Encoded size of an envelope (its signature counted for durable ones). */
export function envelopeSize(envelope: EventEnvelope): number {
  return (
    unsignedEnvelopeSize(envelope) + (envelope.kind === EventKind.Durable ? SIGNATURE_LENGTH : 0)
  );
}

/** Encoded size without the signature. */
export function unsignedEnvelopeSize(
  envelope: UnsignedDurableEnvelope | EphemeralEnvelope,
): number {
  const common = ENVELOPE_COMMON_SIZE + mutationOpSize(envelope.mutation);
  return envelope.kind === EventKind.Durable
    ? common + 1 + DEPENDENCY_SIZE * envelope.dependencies.length
    : common;
}

function checkU64(value: bigint, what: string): void {
  if (!isU64(value)) {
    throw new OutOfRangeError(`${what} ${String(value)} is not a u64`);
  }
}

function checkNumber(value: number, min: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > MAX_EVENT_SEQ) {
    throw new OutOfRangeError(`${what} ${value} is outside ${min}..${MAX_EVENT_SEQ}`);
  }
}

/**
 * Why a durable event's dependency list breaks the wire rules, or undefined: each names an
 * author other than the event's own (its earlier events are implied by seq) and no author
 * twice (an author's seqs are contiguous, so the later of two implies the earlier). K is 4,
 * so the pairwise scan costs less than a Set.
 */
function dependencyFault(author: NodeId, dependencies: readonly EventId[]): string | undefined {
  for (let i = 0; i < dependencies.length; i++) {
    const d = (dependencies[i] as EventId).author;
    if (d === author) return "a dependency on the event's own author";
    for (let j = 0; j < i; j++) {
      if ((dependencies[j] as EventId).author === d) return 'two dependencies on one author';
    }
  }
  return undefined;
}

/**
 * The mutation in `bytes[at..end)`, which it must fill exactly. A Blend weight that is not
 * finite is refused in v1: NaN payload bits do not survive a decode and re-encode (V8 quiets
 * signalling NaNs), and signatures must not depend on that.
 */
function decodeMutationFilling(bytes: Uint8Array, at: number, end: number): MutationOp {
  const mutation = decodeMutationOpAt(bytes, at, end);
  if (at + mutationOpSize(mutation) !== end) {
    throw new InvalidWireFormatError('the mutation does not fill its room in the envelope');
  }
  if (mutation.type === 'blend' && !Number.isFinite(mutation.weight)) {
    throw new InvalidWireFormatError(`blend weight ${mutation.weight} is not finite (v1)`);
  }
  return mutation;
}

/**
 * Writes every field but the signature at `target[offset..)`; returns the offset after them.
 * Shared by the encoder and {@link eventSigningBytes}, so what is signed is exactly what is sent.
 * A Blend weight that is not finite as an f32 (NaN, ±∞, or a double beyond the f32 range) is an
 * {@link OutOfRangeError} in v1.
 */
export function encodeUnsignedEnvelopeInto(
  envelope: UnsignedDurableEnvelope | EphemeralEnvelope,
  target: Uint8Array,
  offset = 0,
): number {
  const durable = envelope.kind === EventKind.Durable;
  if (!durable && envelope.kind !== EventKind.Ephemeral) {
    throw new OutOfRangeError(`envelope kind ${String((envelope as { kind: unknown }).kind)}`);
  }
  checkU64(envelope.author, 'author');
  checkU64(envelope.target, 'target');
  if (durable) checkNumber(envelope.seq, 1, 'seq');
  else checkNumber(envelope.counter, 0, 'counter');
  if (eventTypeFromByte(envelope.eventType) === undefined) {
    throw new OutOfRangeError(`unknown event type ${envelope.eventType}`);
  }
  const m = envelope.mutation;
  if (m.type === 'blend' && !Number.isFinite(Math.fround(m.weight))) {
    throw new OutOfRangeError(`blend weight ${m.weight} is not a finite f32 (v1)`);
  }
  if (durable) {
    if (envelope.dependencies.length > MAX_DEPENDENCIES) {
      throw new TooLargeError(envelope.dependencies.length, MAX_DEPENDENCIES, 'dependencies');
    }
    for (const d of envelope.dependencies) {
      checkU64(d.author, 'dependency author');
      checkNumber(d.seq, 1, 'dependency seq');
    }
  }
  const size = unsignedEnvelopeSize(envelope);
  if (offset >>> 0 !== offset || target.length - offset < size) {
    throw new BufferTooShortError(offset + size, target.length, 'envelope target');
  }
  const v = viewOf(target);
  let at = offset;
  v.setUint8(at, envelope.kind);
  v.setBigUint64(at + 1, envelope.author, true);
  v.setUint32(at + 9, durable ? envelope.seq : envelope.counter, true);
  setTimeUs(v, at + 13, envelope.time, 'envelope time');
  v.setBigUint64(at + 21, envelope.target, true);
  v.setUint8(at + 29, envelope.eventType);
  at += ENVELOPE_COMMON_SIZE;
  if (durable) {
    v.setUint8(at, envelope.dependencies.length);
    at += 1;
    for (const d of envelope.dependencies) {
      v.setBigUint64(at, d.author, true);
      v.setUint32(at + 8, d.seq, true);
      at += DEPENDENCY_SIZE;
    }
  }
  return encodeMutationOpInto(envelope.mutation, target, at);
}

/**
 * Writes an envelope at `target[offset..)` and returns the offset after it. Fields are checked
 * first ({@link OutOfRangeError}; more than {@link MAX_DEPENDENCIES} dependencies or an
 * envelope over {@link MAX_ENVELOPE_SIZE} bytes a {@link TooLargeError}; a signature that is not
 * 64 bytes, a dependency on the event's own author or two on one author an
 * {@link OutOfRangeError}), so everything it writes decodes.
 */
export function encodeEnvelopeInto(
  envelope: EventEnvelope,
  target: Uint8Array,
  offset = 0,
): number {
  const size = envelopeSize(envelope);
  if (size > MAX_ENVELOPE_SIZE) throw new TooLargeError(size, MAX_ENVELOPE_SIZE, 'envelope');
  if (envelope.kind === EventKind.Durable) {
    if (envelope.signature.length !== SIGNATURE_LENGTH) {
      throw new OutOfRangeError(
        `signature must be ${SIGNATURE_LENGTH} bytes, got ${envelope.signature.length}`,
      );
    }
    // A wire rule, so checked here and by the decoder rather than in the signing bytes:
    // state judges such an event (given as a value) in its author's chain order. Too many
    // dependencies is reported as such (TooLargeError) by the field checks below.
    const deps = envelope.dependencies;
    const fault = deps.length <= MAX_DEPENDENCIES && dependencyFault(envelope.author, deps);
    if (typeof fault === 'string') throw new OutOfRangeError(fault);
  }
  const at = encodeUnsignedEnvelopeInto(envelope, target, offset);
  if (envelope.kind !== EventKind.Durable) return at;
  target.set(envelope.signature, at);
  return at + SIGNATURE_LENGTH;
}

/**
 * Encodes an envelope into a new buffer (rules as {@link encodeEnvelopeInto}).
 *
 * @example
 * const bytes = encodeEnvelope(signed);
 */
export function encodeEnvelope(envelope: EventEnvelope): Uint8Array {
  const out = new Uint8Array(envelopeSize(envelope));
  encodeEnvelopeInto(envelope, out);
  return out;
}

/**
 * Decodes exactly one envelope from the whole of `bytes`, strictly: an unknown kind or event
 * type is an {@link UnknownEnumValueError}; a durable seq or dependency seq of 0, a dependency
 * on the event's own author or two on one author, a Blend weight that is not finite, a τs
 * beyond ±2^53 µs, or bytes left after the envelope an {@link InvalidWireFormatError}; more than
 * {@link MAX_DEPENDENCIES} dependencies a {@link TooLargeError}; a short input a
 * {@link BufferTooShortError}. The signature is not verified here (see `verifyEnvelope`).
 *
 * @example
 * const env = decodeEnvelope(bytes);
 * if (env.kind === EventKind.Durable) verifyEnvelope(session, env, verifier);
 */
export function decodeEnvelope(bytes: Uint8Array): EventEnvelope {
  const length = bytes.length;
  if (length < ENVELOPE_COMMON_SIZE + 1) {
    throw new BufferTooShortError(ENVELOPE_COMMON_SIZE + 1, length, 'envelope');
  }
  // A window, not viewOf: a batch hands each envelope over as a new subarray (see windowOf).
  // Every field is read from it before the mutation decoder, which may reuse it, runs.
  const v = windowOf(bytes, 0, ENVELOPE_COMMON_SIZE + 1);
  const kind = v.getUint8(0);
  if (kind !== EventKind.Durable && kind !== EventKind.Ephemeral) {
    throw new UnknownEnumValueError('EventKind', kind);
  }
  const author = v.getBigUint64(1, true) as NodeId;
  const number = v.getUint32(9, true);
  const time = getTimeUs(v, 13, 'envelope time');
  const target = v.getBigUint64(21, true) as StateId;
  const typeByte = v.getUint8(29);
  const eventType = eventTypeFromByte(typeByte);
  if (eventType === undefined) throw new UnknownEnumValueError('EventType', typeByte);
  let at = ENVELOPE_COMMON_SIZE;
  if (kind === EventKind.Ephemeral) {
    const mutation = decodeMutationFilling(bytes, at, length);
    return { kind, author, counter: number, time, target, eventType, mutation };
  }
  if (number === 0) throw new InvalidWireFormatError('durable seq 0 (seqs start at 1)');
  const count = v.getUint8(at);
  at += 1;
  if (count > MAX_DEPENDENCIES) throw new TooLargeError(count, MAX_DEPENDENCIES, 'dependencies');
  if (length - at < count * DEPENDENCY_SIZE) {
    throw new BufferTooShortError(at + count * DEPENDENCY_SIZE, length, 'dependencies');
  }
  // A second window, just as long as the dependencies (the first is read out by now).
  const d = windowOf(bytes, at, count * DEPENDENCY_SIZE);
  const dependencies: EventId[] = [];
  for (let i = 0; i < count; i++) {
    const seq = d.getUint32(i * DEPENDENCY_SIZE + 8, true);
    if (seq === 0) throw new InvalidWireFormatError('dependency seq 0 (seqs start at 1)');
    dependencies.push({ author: d.getBigUint64(i * DEPENDENCY_SIZE, true) as NodeId, seq });
  }
  at += count * DEPENDENCY_SIZE;
  const fault = dependencyFault(author, dependencies);
  if (fault !== undefined) throw new InvalidWireFormatError(fault);
  if (length - at < SIGNATURE_LENGTH + 1) {
    throw new BufferTooShortError(at + SIGNATURE_LENGTH + 1, length, 'durable envelope');
  }
  // The mutation must fill exactly the bytes between the dependencies and the signature.
  const sigAt = length - SIGNATURE_LENGTH;
  const mutation = decodeMutationFilling(bytes, at, sigAt);
  return {
    kind,
    author,
    seq: number,
    time,
    target,
    eventType,
    dependencies,
    mutation,
    signature: bytes.subarray(sigAt),
  };
}
