import {
  type DurableEnvelope,
  type EphemeralEnvelope,
  type EventEnvelope,
  EventKind,
  type EventSigner,
  type EventType,
  type MutationOp,
  type StateId,
  signEnvelope,
} from '@elara/core';
import type { StateField } from '@elara/state';
import type { TimeView } from '@elara/time';
import { type Observable, Subject } from 'rxjs';

/**
 * Where local durable events wait until every member has them: state part 2's bounded local
 * log. `send()` must fail, and change nothing, when it is full, so the writer asks for room
 * before it applies the event and appends it after.
 */
export interface LocalEventLog {
  /** Throws the log's named error when it cannot take `envelope`; changes nothing. */
  checkRoom(envelope: DurableEnvelope): void;
  /** Keeps `envelope` (it was just applied locally). */
  append(envelope: DurableEnvelope): void;
}

/** What a {@link LocalWriter} needs: the field, τs, the node's signer and the local log. */
export interface LocalWriterConfig {
  readonly field: StateField;
  readonly time: TimeView;
  readonly signer: EventSigner;
  readonly log?: LocalEventLog | undefined;
}

/**
 * Turns the node's own writes into events, local-first: each is numbered (durable: the next
 * seq of `self` with the field's heads as dependencies, signed; ephemeral: a counter per atom),
 * stamped with τs, applied to the field at once, kept in the local log (durable), and only then
 * emitted on {@link outgoing$} for the runtime to send. A write the field refuses throws
 * state's `LocalEventRejectedError` and nothing is emitted; a full local log throws its error
 * before anything is applied.
 *
 * One writer per field: every stream of a registry shares it, so numbering never repeats.
 */
export class LocalWriter {
  private readonly field: StateField;
  private readonly time: TimeView;
  private readonly signer: EventSigner;
  private readonly log: LocalEventLog | undefined;
  /** Next ephemeral counter per atom (bounded by the registry's stream count). */
  private readonly counters = new Map<StateId, number>();
  private readonly out = new Subject<EventEnvelope>();

  /**
   * Every local event after it was applied, for the runtime to send (hot: subscribe before
   * writing; durable events missed here are still in the local log for repair).
   */
  readonly outgoing$: Observable<EventEnvelope> = this.out.asObservable();

  constructor(config: LocalWriterConfig) {
    this.field = config.field;
    this.time = config.time;
    this.signer = config.signer;
    this.log = config.log;
  }

  /** τs for a local event (closes the join alignment where the view supports it). */
  stamp(): number {
    return this.time.stampEvent?.() ?? this.time.now();
  }

  /**
   * Writes one durable `append` to `target`; `data(seq, time)` builds its bytes (text records
   * embed an id derived from the seq).
   */
  append(
    target: StateId,
    eventType: EventType,
    data: (seq: number, time: number) => Uint8Array,
  ): DurableEnvelope {
    const field = this.field;
    const seq = field.processedOf(field.self) + 1;
    const time = this.stamp();
    const envelope = signEnvelope(
      field.session,
      {
        kind: EventKind.Durable,
        author: field.self,
        seq,
        time,
        target,
        eventType,
        dependencies: field.heads(),
        mutation: { type: 'append', data: data(seq, time) },
      },
      this.signer,
    );
    this.log?.checkRoom(envelope);
    field.applyLocal(envelope);
    this.log?.append(envelope);
    this.out.next(envelope);
    return envelope;
  }

  /** Writes one ephemeral event (`set` or `delete` of the node's own entry) to `target`. */
  ephemeral(target: StateId, eventType: EventType, mutation: MutationOp): EphemeralEnvelope {
    const counter = this.counters.get(target) ?? 0;
    const envelope: EphemeralEnvelope = {
      kind: EventKind.Ephemeral,
      author: this.field.self,
      counter,
      time: this.stamp(),
      target,
      eventType,
      mutation,
    };
    // The counter is used even if the field refuses the event: it was seen there.
    this.counters.set(target, (counter + 1) >>> 0);
    this.field.applyLocal(envelope);
    this.out.next(envelope);
    return envelope;
  }

  /** Completes {@link outgoing$}. */
  close(): void {
    this.out.complete();
  }
}
