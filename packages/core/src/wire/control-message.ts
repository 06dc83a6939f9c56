import { ByteReader } from '../byte-reader.ts';
import { ByteWriter } from '../byte-writer.ts';
import { OutOfRangeError } from '../elara-error.ts';
import { type EventId, MAX_EVENT_SEQ } from '../event-id.ts';
import { EventKind } from '../event-kind.ts';
import type { NodeId } from '../node-id.ts';
import type { StateTime } from '../state-time.ts';
import { InvalidWireFormatError, UnknownEnumValueError } from '../wire-errors.ts';
import { encodeEnvelopeEntriesInto, splitEnvelopeEntries } from './event-batch.ts';
import { payloadKind, PayloadKind } from './payload-kind.ts';
import { decodeEnvelope, type DurableEnvelope, envelopeSize } from './v1-envelope.ts';
import {
  decodeVersionVector,
  encodeVersionVectorInto,
  type ReadonlyVersionVector,
  VERSION_VECTOR_ENTRY_SIZE,
} from './version-vector.ts';

/** The second byte of a v1 Control payload: which control message follows. */
export const ControlType = {
  Handshake: 0x01,
  Heartbeat: 0x02,
  TimeSyncRequest: 0x03,
  TimeSyncResponse: 0x04,
  RepairRequest: 0x05,
  RepairResponse: 0x06,
  Ack: 0x07,
} as const;
export type ControlType = (typeof ControlType)[keyof typeof ControlType];

/** The most seq ranges one repair request names (the count travels in one byte). */
export const MAX_REPAIR_RANGES = 0xff;

/**
 * The most events one repair range names (`to − from + 1`), so a request costs its responder
 * at most 255 × 1024 lookups instead of up to 2^32 per range. A longer gap takes several
 * ranges or requests. Encoders refuse longer ranges; decoders reject them (a receiver may
 * lower the bound with {@link ControlDecodeOptions.maxRangeSpan}).
 */
export const MAX_REPAIR_RANGE_SPAN = 1024;

/** Options of {@link decodeControlMessage}. */
export interface ControlDecodeOptions {
  /**
   * Reject repair ranges naming more events than this (1..2^32 − 1). Default
   * {@link MAX_REPAIR_RANGE_SPAN}.
   */
  readonly maxRangeSpan?: number;
}

/**
 * A handshake message. Its bytes are opaque here: `@elara/crypto` defines them. A handshake
 * frame also carries {@link FrameFlags.Handshake} in its header, because it arrives before any
 * channel can open it.
 */
export interface HandshakeMessage {
  readonly type: 'handshake';
  /** A view into the decoded payload. */
  readonly bytes: Uint8Array;
}

/** Session liveness, sent by the runtime to each member. */
export interface HeartbeatMessage {
  readonly type: 'heartbeat';
  /** u32, per (sender, receiver), so losses show. */
  readonly counter: number;
  /** The sender's τs when sent, Unix-epoch µs. */
  readonly time: StateTime;
  /** The sender's latest durable seq in this session (0: none yet), so a lost last event shows. */
  readonly lastSeq: number;
}

/** NTP-style clock sample request: `t1` is the requester's clock at sending (µs). */
export interface TimeSyncRequestMessage {
  readonly type: 'time-sync-request';
  /** u32, echoed by the response. */
  readonly id: number;
  readonly t1: number;
}

/**
 * NTP-style response: `t1` echoed, `t2` the responder's clock at receipt and `t3` at sending
 * (µs). With `t4`, the requester's clock at receipt, offset = ((t2 − t1) + (t3 − t4)) / 2 and
 * delay = (t4 − t1) − (t3 − t2) (`@elara/time` does this).
 */
export interface TimeSyncResponseMessage {
  readonly type: 'time-sync-response';
  readonly id: number;
  readonly t1: number;
  readonly t2: number;
  readonly t3: number;
}

/** Durable events `from..to` (inclusive, 1 ≤ from ≤ to) of one author. */
export interface SeqRange {
  readonly author: NodeId;
  readonly from: number;
  readonly to: number;
}

/** Asks a peer for durable events: named ranges, and/or everything beyond a digest. */
export interface RepairRequestMessage {
  readonly type: 'repair-request';
  /** u32, echoed by the responses. */
  readonly requestId: number;
  /** At most {@link MAX_REPAIR_RANGES}. */
  readonly ranges: readonly SeqRange[];
  /** What the requester holds (author → highest contiguous seq); may be empty. */
  readonly digest: ReadonlyVersionVector;
}

/** Durable events answering a repair request, with their original authors, seqs and signatures. */
export interface RepairResponseMessage {
  readonly type: 'repair-response';
  readonly requestId: number;
  /** True on the last response to this request. */
  readonly final: boolean;
  /** Only durable envelopes (ephemeral ones are never repaired). */
  readonly events: readonly DurableEnvelope[];
}

/** Cumulative acknowledgement: for each author, every durable event up to `seq` is held. */
export interface AckMessage {
  readonly type: 'ack';
  readonly upTo: readonly EventId[];
}

/**
 * The v1 control plane (ARCHITECTURE.md "Control plane"): never events, and nothing in it
 * consumes an author seq, so pairwise traffic never looks like a gap to third parties. Wire
 * form: `0x02 (PayloadKind.Control) ‖ type:u8 ‖ body`, integers LE, times i64 µs:
 *
 * | Type | Message            | Body                                                                 |
 * |------|--------------------|----------------------------------------------------------------------|
 * | 0x01 | handshake          | opaque bytes to the end                                              |
 * | 0x02 | heartbeat          | `counter:u32 ‖ time:i64 ‖ lastSeq:u32`                              |
 * | 0x03 | time-sync-request  | `id:u32 ‖ t1:i64`                                                    |
 * | 0x04 | time-sync-response | `id:u32 ‖ t1:i64 ‖ t2:i64 ‖ t3:i64`                                 |
 * | 0x05 | repair-request     | `requestId:u32 ‖ n:u8 ‖ (author:u64 ‖ from:u32 ‖ to:u32)×n ‖ m:u16 ‖ (node:u64 ‖ counter:u64)×m` (digest sorted by node) |
 * | 0x06 | repair-response    | `requestId:u32 ‖ flags:u8 (bit 0 = final) ‖ (len:u16 ‖ envelope)*`   |
 * | 0x07 | ack                | `n:u16 ‖ (author:u64 ‖ seq:u32)×n`                                   |
 *
 * @example
 * const payload = encodeControlMessage({ type: 'time-sync-request', id: 7, t1: clock.now() });
 */
export type ControlMessage =
  | HandshakeMessage
  | HeartbeatMessage
  | TimeSyncRequestMessage
  | TimeSyncResponseMessage
  | RepairRequestMessage
  | RepairResponseMessage
  | AckMessage;

function time(w: ByteWriter, t: number, what: string): void {
  if (!Number.isSafeInteger(t)) throw new OutOfRangeError(`${what} ${t} is not a safe integer`);
  w.i64(BigInt(t));
}

function readTime(r: ByteReader, what: string): number {
  const t = Number(r.i64());
  if (!Number.isSafeInteger(t)) throw new InvalidWireFormatError(`${what} is beyond ±2^53 µs`);
  return t;
}

function checkSeq(seq: number, min: number, what: string): void {
  if (!Number.isInteger(seq) || seq < min || seq > MAX_EVENT_SEQ) {
    throw new OutOfRangeError(`${what} ${seq} is outside ${min}..${MAX_EVENT_SEQ}`);
  }
}

/** Encoded size of a control message, kind and type bytes included. */
export function controlMessageSize(msg: ControlMessage): number {
  switch (msg.type) {
    case 'handshake':
      return 2 + msg.bytes.length;
    case 'heartbeat':
      return 2 + 16;
    case 'time-sync-request':
      return 2 + 12;
    case 'time-sync-response':
      return 2 + 28;
    case 'repair-request':
      return 2 + 4 + 1 + 16 * msg.ranges.length + 2 + VERSION_VECTOR_ENTRY_SIZE * msg.digest.size;
    case 'repair-response':
      return 2 + 5 + msg.events.reduce((n, e) => n + 2 + envelopeSize(e), 0);
    case 'ack':
      return 2 + 2 + 12 * msg.upTo.length;
  }
}

/**
 * Encodes a control message as a v1 Control payload (see {@link ControlMessage} for the bytes).
 * Values that do not fit their fields are an {@link OutOfRangeError}, and so are more than 255
 * ranges or 65535 digest entries or acks (nothing is truncated) and a repair range of more than
 * {@link MAX_REPAIR_RANGE_SPAN} events; an envelope over 65535 bytes is a `TooLargeError`.
 *
 * @example
 * seal(encodeControlMessage({ type: 'heartbeat', counter: n++, time: tau(), lastSeq }));
 */
export function encodeControlMessage(msg: ControlMessage): Uint8Array {
  const w = new ByteWriter(controlMessageSize(msg), 'control message');
  w.u8(PayloadKind.Control);
  switch (msg.type) {
    case 'handshake':
      w.u8(ControlType.Handshake).bytes(msg.bytes);
      break;
    case 'heartbeat':
      checkSeq(msg.lastSeq, 0, 'heartbeat lastSeq');
      w.u8(ControlType.Heartbeat).u32(msg.counter);
      time(w, msg.time, 'heartbeat time');
      w.u32(msg.lastSeq);
      break;
    case 'time-sync-request':
      w.u8(ControlType.TimeSyncRequest).u32(msg.id);
      time(w, msg.t1, 't1');
      break;
    case 'time-sync-response':
      w.u8(ControlType.TimeSyncResponse).u32(msg.id);
      time(w, msg.t1, 't1');
      time(w, msg.t2, 't2');
      time(w, msg.t3, 't3');
      break;
    case 'repair-request': {
      if (msg.ranges.length > MAX_REPAIR_RANGES) {
        throw new OutOfRangeError(`${msg.ranges.length} repair ranges exceed ${MAX_REPAIR_RANGES}`);
      }
      w.u8(ControlType.RepairRequest).u32(msg.requestId).u8(msg.ranges.length);
      for (const r of msg.ranges) {
        checkSeq(r.from, 1, 'range from');
        checkSeq(r.to, r.from, 'range to');
        if (r.to - r.from + 1 > MAX_REPAIR_RANGE_SPAN) {
          throw new OutOfRangeError(
            `repair range ${r.from}..${r.to} names more than ${MAX_REPAIR_RANGE_SPAN} events`,
          );
        }
        w.u64(r.author).u32(r.from).u32(r.to);
      }
      w.u16(msg.digest.size);
      const digest = new Uint8Array(VERSION_VECTOR_ENTRY_SIZE * msg.digest.size);
      encodeVersionVectorInto(msg.digest, digest);
      w.bytes(digest);
      break;
    }
    case 'repair-response': {
      w.u8(ControlType.RepairResponse)
        .u32(msg.requestId)
        .u8(msg.final ? 1 : 0);
      for (const e of msg.events) {
        if (e.kind !== EventKind.Durable) {
          throw new OutOfRangeError('a repair response carries only durable events');
        }
      }
      const entries = new Uint8Array(controlMessageSize(msg) - 7);
      encodeEnvelopeEntriesInto(msg.events, entries, 0);
      w.bytes(entries);
      break;
    }
    case 'ack':
      w.u8(ControlType.Ack).u16(msg.upTo.length);
      for (const id of msg.upTo) {
        checkSeq(id.seq, 1, 'ack seq');
        w.u64(id.author).u32(id.seq);
      }
      break;
  }
  return w.finish();
}

function done(r: ByteReader, what: string): void {
  if (r.remaining !== 0) throw new InvalidWireFormatError(`${r.remaining} bytes after a ${what}`);
}

/**
 * Decodes a v1 Control payload strictly: a payload of another kind or an unknown type is an
 * {@link InvalidWireFormatError} / {@link UnknownEnumValueError}; short bodies a
 * `BufferTooShortError`; trailing bytes, seq 0, `from > to`, a repair range of more than
 * `options.maxRangeSpan` events (default {@link MAX_REPAIR_RANGE_SPAN}), unknown flag bits,
 * times beyond ±2^53 µs or an ephemeral envelope in a repair response an
 * {@link InvalidWireFormatError}. An option out of range is an {@link OutOfRangeError}.
 * Byte fields (handshake bytes, envelope data) are views into `payload`.
 *
 * @example
 * const msg = decodeControlMessage(opened);
 * if (msg.type === 'time-sync-request') reply(msg.id, msg.t1);
 */
export function decodeControlMessage(
  payload: Uint8Array,
  options: ControlDecodeOptions = {},
): ControlMessage {
  const maxRangeSpan = options.maxRangeSpan ?? MAX_REPAIR_RANGE_SPAN;
  checkSeq(maxRangeSpan, 1, 'maxRangeSpan');
  const kind = payloadKind(payload);
  if (kind !== PayloadKind.Control) {
    throw new InvalidWireFormatError(`payload kind ${kind} is not Control`);
  }
  const r = new ByteReader(payload);
  r.skip(1);
  const type = r.u8();
  switch (type) {
    case ControlType.Handshake:
      return { type: 'handshake', bytes: r.rest() };
    case ControlType.Heartbeat: {
      const counter = r.u32();
      const t = readTime(r, 'heartbeat time');
      const lastSeq = r.u32();
      done(r, 'heartbeat');
      return { type: 'heartbeat', counter, time: t, lastSeq };
    }
    case ControlType.TimeSyncRequest: {
      const id = r.u32();
      const t1 = readTime(r, 't1');
      done(r, 'time-sync request');
      return { type: 'time-sync-request', id, t1 };
    }
    case ControlType.TimeSyncResponse: {
      const id = r.u32();
      const t1 = readTime(r, 't1');
      const t2 = readTime(r, 't2');
      const t3 = readTime(r, 't3');
      done(r, 'time-sync response');
      return { type: 'time-sync-response', id, t1, t2, t3 };
    }
    case ControlType.RepairRequest: {
      const requestId = r.u32();
      const n = r.u8();
      r.need(16 * n, 'repair ranges');
      const ranges: SeqRange[] = [];
      for (let i = 0; i < n; i++) {
        const author = r.u64() as NodeId;
        const from = r.u32();
        const to = r.u32();
        if (from === 0 || from > to) {
          throw new InvalidWireFormatError(`repair range ${from}..${to} is not 1 ≤ from ≤ to`);
        }
        if (to - from + 1 > maxRangeSpan) {
          throw new InvalidWireFormatError(
            `repair range ${from}..${to} names more than ${maxRangeSpan} events`,
          );
        }
        ranges.push({ author, from, to });
      }
      const m = r.u16();
      const digest = decodeVersionVector(r.bytes(VERSION_VECTOR_ENTRY_SIZE * m));
      done(r, 'repair request');
      return { type: 'repair-request', requestId, ranges, digest };
    }
    case ControlType.RepairResponse: {
      const requestId = r.u32();
      const flags = r.u8();
      if ((flags & ~1) !== 0) throw new InvalidWireFormatError(`unknown repair flags ${flags}`);
      const events = splitEnvelopeEntries(payload, r.offset).map((raw) => {
        const e = decodeEnvelope(raw);
        if (e.kind !== EventKind.Durable) {
          throw new InvalidWireFormatError('an ephemeral event in a repair response');
        }
        return e;
      });
      return { type: 'repair-response', requestId, final: flags === 1, events };
    }
    case ControlType.Ack: {
      const n = r.u16();
      r.need(12 * n, 'acks');
      const upTo: EventId[] = [];
      for (let i = 0; i < n; i++) {
        const author = r.u64() as NodeId;
        const seq = r.u32();
        if (seq === 0) throw new InvalidWireFormatError('ack of seq 0');
        upTo.push({ author, seq });
      }
      done(r, 'ack');
      return { type: 'ack', upTo };
    }
    default:
      throw new UnknownEnumValueError('ControlType', type);
  }
}
