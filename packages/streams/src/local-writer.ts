import {
  type EphemeralEnvelope,
  type DurableEnvelope,
  type EventEnvelope,
  type EventType,
  type MutationOp,
  type StateId,
} from '@elara/core';
import { type LocalEvents, type WrittenEvent } from '@elara/state';
import type { TimeView } from '@elara/time';
import { type Observable, Subject } from 'rxjs';

/** A local event as it leaves: the envelope and its encoded bytes (what to send). */
export type OutgoingEvent = WrittenEvent<EventEnvelope>;

/**
 * Turns the node's own writes into events through state's {@link LocalEvents} (numbering:
 * the next seq of `self` with the field's heads as dependencies, signed; a counter per atom for
 * ephemeral events; applied to the field at once and, for durable events, kept in the bounded
 * local log, all or nothing), stamps them with τs, and then emits them on {@link outgoing$} for
 * the runtime to send. A write the field refuses throws state's `LocalEventRejectedError`, a
 * full local log `LocalLogFullError`; in both cases nothing was applied, numbered or emitted.
 *
 * One writer per field: every stream of a registry shares it (and the runtime hands it the
 * session's one `LocalEvents`), so numbering never repeats.
 */
export class LocalWriter {
  private readonly local: LocalEvents;
  private readonly time: TimeView;
  private readonly out = new Subject<OutgoingEvent>();

  /**
   * Every local event after it was applied (hot: subscribe before writing; durable events
   * missed here are still in the local log for repair).
   */
  readonly outgoing$: Observable<OutgoingEvent> = this.out.asObservable();

  constructor(local: LocalEvents, time: TimeView) {
    this.local = local;
    this.time = time;
  }

  /** τs for a local event (closes the join alignment where the view supports it). */
  stamp(): number {
    return this.time.stampEvent?.() ?? this.time.now();
  }

  /**
   * Writes one durable `append` to `target`; `data(seq, time)` builds its bytes (text records
   * embed an id derived from the seq, and the event's τs).
   */
  append(
    target: StateId,
    eventType: EventType,
    data: (seq: number, time: number) => Uint8Array,
  ): DurableEnvelope {
    const seq = this.local.nextSeq();
    const time = this.stamp();
    const mutation = { type: 'append', data: data(seq, time) } as const;
    const written = this.local.durable({ target, eventType, mutation, time });
    this.out.next(written);
    return written.envelope;
  }

  /** Writes one ephemeral event (`set` or `delete` of the node's own entry) to `target`. */
  ephemeral(target: StateId, eventType: EventType, mutation: MutationOp): EphemeralEnvelope {
    const written = this.local.ephemeral({ target, eventType, mutation, time: this.stamp() });
    this.out.next(written);
    return written.envelope;
  }

  /** Completes {@link outgoing$}. */
  close(): void {
    this.out.complete();
  }
}
