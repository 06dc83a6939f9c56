import {
  type DurableEnvelope,
  encodeEnvelope,
  type EphemeralEnvelope,
  EVENT_SIGNING_LABEL,
  type EventId,
  EventKind,
  eventSigningBytes,
  type EventSigner,
  type EventType,
  MAX_DEPENDENCIES,
  MAX_EVENT_SEQ,
  type MutationOp,
  OutOfRangeError,
  SIGNATURE_LENGTH,
  type StateId,
  type UnsignedDurableEnvelope,
} from '@elara/core';
import { rememberEncoding } from './envelope-encoding.ts';
import type { LocalLog } from './local-log.ts';
import type { MembershipLog } from './membership-log.ts';
import { LocalNumberingError } from './replication-errors.ts';
import type { StateField } from './state-field.ts';

/** What {@link LocalEvents} is built from. */
export interface LocalEventsConfig {
  /** The session's field: it applies local events first (local-first) and numbers durable ones. */
  readonly field: StateField;
  /** Signs durable events (the runtime's, from the node's identity; state never imports crypto). */
  readonly signer: EventSigner;
  /** τs for a new event, e.g. `() => time.stateClock.stampEvent()`. */
  readonly now: () => number;
  /** Where durable events wait for every member's acknowledgement (bounded). */
  readonly log?: LocalLog;
  /** Makes sure this node's events follow the entry that admitted it (see `dependencyFor`). */
  readonly membership?: MembershipLog;
  /**
   * Atoms this node keeps an ephemeral counter for; default 65 536. A counter is never
   * dropped (receivers remember counters per (author, atom): one that started again from 0
   * would be refused as stale), so a write to one atom more is a `LocalNumberingError`.
   */
  readonly maxCounters?: number;
}

/** A local durable event to write. */
export interface DurableEventSpec {
  readonly target: StateId;
  readonly eventType: EventType;
  readonly mutation: MutationOp;
  /** Default: the field's `heads()` (plus the membership entry this node must follow). */
  readonly dependencies?: readonly EventId[];
  /** Default: `now()`. */
  readonly time?: number;
}

/** A local ephemeral event to write. */
export interface EphemeralEventSpec {
  readonly target: StateId;
  readonly eventType: EventType;
  readonly mutation: MutationOp;
  readonly time?: number;
}

/**
 * A written event and its encoded bytes (what to send; for a durable event the very bytes the
 * local log and the event store keep: never modify them).
 */
export interface WrittenEvent<E> {
  readonly envelope: E;
  readonly bytes: Uint8Array;
}

/**
 * Writes this node's events: numbers them, signs durable ones, applies them locally first and
 * keeps durable ones in the local log, all or nothing.
 *
 * - **Durable** seqs are per (session, author), contiguous from 1: the next is the field's
 *   `processedOf(self) + 1`, consumed only when the field applied the event. So an event the
 *   log has no room for ({@link LocalLogFullError}) or the field refuses
 *   (`LocalEventRejectedError`) leaves no gap: nothing was applied, logged or consumed (the
 *   log takes it back), and nothing must be sent. Signed through the `EventSigner` handed in;
 *   encoded once. A write from inside a change listener follows the one being applied.
 * - **Ephemeral** counters are per (author, atom), from 0; a counter is consumed even when
 *   the field refuses the event (ephemeral counters may skip; receivers never wait for them).
 *   At most `maxCounters` atoms get one; beyond, {@link LocalNumberingError}.
 *
 * After a restart, recover this node's own events (anti-entropy) before writing, or its seqs
 * would repeat.
 *
 * @example
 * const local = new LocalEvents({ field, signer, now: () => time.stateClock.stampEvent(), log });
 * const { envelope, bytes } = local.durable({ target: chat, eventType: EventType.TextAppend,
 *   mutation: { type: 'append', data: utf8('hi') } });   // throws LocalLogFullError when full
 * for (const peer of diffusion.recipients(envelope)) send(peer, bytes);
 */
export class LocalEvents {
  private readonly field: StateField;
  private readonly signer: EventSigner;
  private readonly now: () => number;
  private readonly log: LocalLog | undefined;
  private readonly membership: MembershipLog | undefined;
  private readonly maxCounters: number;
  private readonly counters = new Map<StateId, number>();
  /** Durable writes being applied (more than one: written from a change listener). */
  private depth = 0;

  constructor(config: LocalEventsConfig) {
    this.field = config.field;
    this.signer = config.signer;
    this.now = config.now;
    this.log = config.log;
    this.membership = config.membership;
    this.maxCounters = config.maxCounters ?? 65_536;
  }

  /** The seq the next durable event will carry. */
  nextSeq(): number {
    return this.field.processedOf(this.field.self) + 1;
  }

  /** The counter the next ephemeral event for `atom` will carry. */
  nextCounter(atom: StateId): number {
    return this.counters.get(atom) ?? 0;
  }

  /**
   * Numbers, signs, logs and applies a durable event; returns it and its bytes. Throws
   * {@link LocalLogFullError} or `LocalEventRejectedError` with nothing changed. It may be
   * called from a change listener of the field (say, an automatic reply) while another write
   * is being applied: that one is logged first and the inner one follows it in seq order.
   */
  durable(spec: DurableEventSpec): WrittenEvent<DurableEnvelope> {
    const seq = this.nextSeq();
    if (seq > MAX_EVENT_SEQ) throw new LocalNumberingError(`seq ${seq} is beyond 2^32 − 1`);
    const unsigned: UnsignedDurableEnvelope = {
      kind: EventKind.Durable,
      author: this.field.self,
      seq,
      time: spec.time ?? this.now(),
      target: spec.target,
      eventType: spec.eventType,
      dependencies: this.dependencies(spec.dependencies, seq),
      mutation: spec.mutation,
    };
    // Encoded once: the signing bytes end with the envelope's bytes but its signature.
    const signing = eventSigningBytes(this.field.session, unsigned);
    const signature = this.signer(signing);
    if (signature.length !== SIGNATURE_LENGTH) {
      throw new OutOfRangeError(
        `signer returned ${signature.length} bytes, not ${SIGNATURE_LENGTH}`,
      );
    }
    const envelope: DurableEnvelope = { ...unsigned, signature };
    const body = signing.subarray(SIGNING_PREFIX_LENGTH);
    const bytes = new Uint8Array(body.length + SIGNATURE_LENGTH);
    bytes.set(body);
    bytes.set(signature, body.length);
    rememberEncoding(envelope, bytes);
    // Logged before it is applied: a write from a change listener (applyLocal delivers changes
    // before it returns) takes the next seq and follows this one in the log.
    this.log?.append(envelope);
    this.depth++;
    try {
      this.field.applyLocal(envelope);
    } catch (e) {
      this.log?.retract(seq);
      throw e;
    } finally {
      this.depth--;
    }
    // Once every listener has seen it (membership included), drop what nobody waits for.
    if (this.depth === 0) this.log?.drain();
    return { envelope, bytes };
  }

  /** Numbers and applies an ephemeral event; returns it and its bytes. */
  ephemeral(spec: EphemeralEventSpec): WrittenEvent<EphemeralEnvelope> {
    const counter = this.counters.get(spec.target) ?? 0;
    if (
      counter === 0 &&
      !this.counters.has(spec.target) &&
      this.counters.size >= this.maxCounters
    ) {
      throw new LocalNumberingError(`ephemeral counters kept for ${this.maxCounters} atoms`);
    }
    if (counter > MAX_EVENT_SEQ) throw new LocalNumberingError('ephemeral counter past 2^32 − 1');
    this.counters.set(spec.target, counter + 1);
    const envelope: EphemeralEnvelope = {
      kind: EventKind.Ephemeral,
      author: this.field.self,
      counter,
      time: spec.time ?? this.now(),
      target: spec.target,
      eventType: spec.eventType,
      mutation: spec.mutation,
    };
    this.field.applyLocal(envelope);
    return { envelope, bytes: encodeEnvelope(envelope) };
  }

  /** The given or default dependencies, with the membership entry this node must follow. */
  private dependencies(given: readonly EventId[] | undefined, seq: number): EventId[] {
    const deps = [...(given ?? this.field.heads())];
    const entry = this.membership?.dependencyFor(this.field.self, seq - 1);
    if (entry === undefined || entry.author === this.field.self) return deps;
    const same = deps.findIndex((d) => d.author === entry.author);
    if (same >= 0) {
      if ((deps[same] as EventId).seq < entry.seq) deps[same] = entry;
      return deps;
    }
    if (deps.length >= MAX_DEPENDENCIES) deps.pop();
    deps.push(entry);
    return deps;
  }
}

/** The signing bytes' label and session id, before the envelope's own bytes. */
const SIGNING_PREFIX_LENGTH = EVENT_SIGNING_LABEL.length + 8;
