import { type DurableEnvelope, type NodeId, nodeIdToHex } from '@elara/core';
import type { AckTable } from './ack-table.ts';
import { encodingOf } from './envelope-encoding.ts';
import { LocalLogFullError } from './replication-errors.ts';
import { LocalSequenceError } from './state-errors.ts';

/** Bounds of a {@link LocalLog}. */
export interface LocalLogLimits {
  readonly maxEvents: number;
  /** Encoded bytes. */
  readonly maxBytes: number;
}

/** The defaults. */
export const DEFAULT_LOCAL_LOG_LIMITS: LocalLogLimits = {
  maxEvents: 10_000,
  maxBytes: 16 * 1024 * 1024,
};

/**
 * This node's durable events that some member has not acknowledged yet, in seq order, kept
 * for delivery by repair and anti-entropy when members come back (ARCHITECTURE.md "What
 * nothing lost means"). Bounded by count and bytes: when full, {@link reserve} and
 * {@link append} throw {@link LocalLogFullError}, which is what makes `send()` fail instead of
 * dropping; append before applying an event locally, and {@link retract} it if that fails
 * (`LocalEvents` does: a write from inside a change listener then still numbers in order).
 *
 * It drains as acknowledgements arrive, per member and per seq (an `ack` message, or a
 * member's digest) through its {@link AckTable}: an event leaves once every current member
 * holds it. A member that never acknowledges holds the log until it is removed (the table's
 * `setMembers`); with no other member nothing waits.
 *
 * @example
 * const log = new LocalLog({ self, acks });
 * log.append(event);                 // throws LocalLogFullError when full
 * try { field.applyLocal(event); } catch (e) { log.retract(event.seq); throw e; }
 * acks.recordDigest(peer, digest);   // drains what every member now holds
 */
export class LocalLog {
  readonly self: NodeId;
  readonly limits: LocalLogLimits;
  private readonly acks: AckTable;
  private seqs: number[] = [];
  private data: Uint8Array[] = [];
  private start = 0;
  private byteCount = 0;
  private last = 0;

  constructor(config: { self: NodeId; acks: AckTable; limits?: Partial<LocalLogLimits> }) {
    this.self = config.self;
    this.acks = config.acks;
    this.limits = { ...DEFAULT_LOCAL_LOG_LIMITS, ...config.limits };
    this.acks.onAdvance((author, upTo) => {
      if (author === this.self) this.drainTo(upTo);
    });
  }

  /** Events waiting. */
  get size(): number {
    return this.seqs.length - this.start;
  }

  /** Encoded bytes waiting. */
  get bytes(): number {
    return this.byteCount;
  }

  /** The seqs waiting, ascending. */
  pendingSeqs(): number[] {
    return this.seqs.slice(this.start);
  }

  /** The encoded events `member` has not acknowledged, in seq order (views: copy to keep). */
  pendingFor(member: NodeId): Uint8Array[] {
    const acked = this.acks.acked(member, this.self);
    const out: Uint8Array[] = [];
    for (let i = this.start; i < this.seqs.length; i++) {
      if ((this.seqs[i] as number) > acked) out.push(this.data[i] as Uint8Array);
    }
    return out;
  }

  /**
   * Throws {@link LocalLogFullError} unless an event of `bytes` encoded bytes fits now (after
   * draining what every member acknowledged). Call it before applying the event locally.
   */
  reserve(bytes: number): void {
    this.drain();
    if (this.size + 1 > this.limits.maxEvents) {
      throw new LocalLogFullError(
        'count',
        `local log full: ${this.size} events unacknowledged (maxEvents ${this.limits.maxEvents})`,
      );
    }
    if (this.byteCount + bytes > this.limits.maxBytes) {
      throw new LocalLogFullError(
        'bytes',
        `local log full: ${this.byteCount} + ${bytes} bytes exceed maxBytes ${this.limits.maxBytes}`,
      );
    }
  }

  /**
   * Keeps this node's next durable event (its seq must follow the last one appended, else
   * {@link LocalSequenceError}); {@link LocalLogFullError} when it does not fit. Returns its
   * encoded bytes (what to send; shared with the store when `LocalEvents` wrote it: never
   * modify them).
   */
  append(envelope: DurableEnvelope): Uint8Array {
    if (envelope.author !== this.self) {
      throw new LocalSequenceError(`the local log holds ${nodeIdToHex(this.self)}'s events only`);
    }
    if (this.last !== 0 && envelope.seq !== this.last + 1) {
      throw new LocalSequenceError(`local log: seq ${envelope.seq} after ${this.last}`);
    }
    const bytes = encodingOf(envelope);
    this.reserve(bytes.length);
    this.seqs.push(envelope.seq);
    this.data.push(bytes);
    this.byteCount += bytes.length;
    this.last = envelope.seq;
    // Not drained here even when nobody is waiting: applying it may add a member that needs
    // it (an add entry). It leaves at the next drain (LocalEvents drains once applied).
    return bytes;
  }

  /**
   * Takes back the last event appended, `seq` (applying it locally failed): its seq is the
   * next one again. Any other seq is a {@link LocalSequenceError}.
   */
  retract(seq: number): void {
    if (seq !== this.last || seq === 0) {
      throw new LocalSequenceError(
        `local log: cannot retract seq ${seq}, the last is ${this.last}`,
      );
    }
    const n = this.seqs.length;
    if (n > this.start && this.seqs[n - 1] === seq) {
      this.byteCount -= (this.data[n - 1] as Uint8Array).length;
      this.seqs.pop();
      this.data.pop();
    }
    this.last = seq - 1;
  }

  /** Drops what every current member acknowledged; returns how many left. */
  drain(): number {
    return this.drainTo(this.acks.ackedByAll(this.self));
  }

  private drainTo(upTo: number): number {
    let n = 0;
    while (this.start < this.seqs.length && (this.seqs[this.start] as number) <= upTo) {
      this.byteCount -= (this.data[this.start] as Uint8Array).length;
      this.data[this.start] = EMPTY;
      this.start++;
      n++;
    }
    if (this.start > 64 && this.start * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.start);
      this.data = this.data.slice(this.start);
      this.start = 0;
    }
    return n;
  }
}

const EMPTY = new Uint8Array(0);
