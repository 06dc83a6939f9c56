import {
  type EphemeralEnvelope,
  type DurableEnvelope,
  type EventEnvelope,
  type EventType,
  type MutationOp,
  type StateId,
} from '@elara/core';
import { type LocalEvents, type StateField, type WrittenEvent } from '@elara/state';
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
 * full local log `LocalLogFullError`; in both cases nothing was applied or emitted.
 *
 * Appends are stamped by a hybrid logical clock over what this node has seen: τs, or just
 * after the newest record of the target log when that is later (see {@link append}).
 *
 * One writer per field: every stream of a registry shares it (and the runtime hands it the
 * session's one `LocalEvents`), so numbering never repeats.
 */
export class LocalWriter {
  private readonly local: LocalEvents;
  private readonly time: TimeView;
  private readonly field: StateField;
  private readonly out = new Subject<OutgoingEvent>();

  /**
   * Every local event after it was applied (hot: subscribe before writing; durable events
   * missed here are still in the local log for repair).
   */
  readonly outgoing$: Observable<OutgoingEvent> = this.out.asObservable();

  /** `field` is the one `local` writes to (the writer reads its logs to stamp appends). */
  constructor(local: LocalEvents, time: TimeView, field: StateField) {
    this.local = local;
    this.time = time;
    this.field = field;
  }

  /** τs for a local event (closes the join alignment where the view supports it). */
  stamp(): number {
    return this.time.stampEvent?.() ?? this.time.now();
  }

  /**
   * Writes one durable `append` to `target`; `data(seq, time)` builds its bytes (text records
   * embed an id derived from the seq, and the event's time).
   *
   * The time is τs, or 1 µs after the newest record the target log holds when that is later:
   * a hybrid logical clock over what this node has seen. A log is ordered by stamp, so a
   * reply, edit or reaction then sorts after the message it names even when the clocks
   * disagree (before τs converge, a member 100 ms ahead would otherwise have its question
   * sorted after the answers). What it does not undo is a member whose clock runs ahead: its
   * messages sort later than their real time and the others' messages written after seeing
   * them follow them, 1 µs apart, until τs catch up (the field holds durable events stamped
   * more than `maxClockLeadUs`, 5 s by default, ahead of its τs, so that is the most a fast
   * clock can push a log forward).
   */
  append(
    target: StateId,
    eventType: EventType,
    data: (seq: number, time: number) => Uint8Array,
  ): DurableEnvelope {
    const seq = this.local.nextSeq();
    const time = Math.max(this.stamp(), this.newest(target) + 1);
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

  /** Time of the newest record of `target` if it is a log (−∞ otherwise). */
  private newest(target: StateId): number {
    const state = this.field.atom(target)?.state;
    if (state?.kind !== 'append-log') return -Infinity;
    return state.entryAt(state.length - 1)?.time ?? -Infinity;
  }

  /** Completes {@link outgoing$}. */
  close(): void {
    this.out.complete();
  }
}
