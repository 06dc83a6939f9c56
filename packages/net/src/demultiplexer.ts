import type { Cancel, Datagram, ElaraError } from '@elara/core';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { classifyDatagram, DATAGRAM_KINDS, type DatagramKind } from './datagram-kind.ts';
import { HandlerError } from './net-errors.ts';
import type { DatagramHandler } from './transport.ts';

/**
 * Counters of a {@link Demultiplexer}: datagrams seen per kind, and what could not be handled.
 *
 * @example
 * const { byKind, unhandled, handlerErrors } = demux.counters;
 */
export interface DemuxCounters {
  /** Datagrams classified, per kind (including `malformed` and `unknown`). */
  readonly byKind: Record<DatagramKind, number>;
  /** Datagrams of a kind with no handler registered, dropped. */
  unhandled: number;
  /** Handler calls that threw (each also a `HandlerError` on `errors$`). */
  handlerErrors: number;
}

/**
 * Splits one transport's datagrams by kind (RFC 7983: STUN, TURN ChannelData, Elara v1 and v0
 * frames) and hands each to the handlers registered for its kind: the runtime takes Elara frames,
 * the STUN and TURN clients take theirs, on the same socket. It keeps no per-source state, so a
 * flood from many addresses costs counters only.
 *
 * Handlers are the only way in, and they are guarded: a handler that throws does not break the
 * others, and the error is counted and emitted on `errors$`. (There is deliberately no
 * per-kind observable: RxJS catches an exception thrown by a `subscribe` callback itself and
 * rethrows it on a timer, out of reach of any guard here, which ends a Node process.)
 *
 * @example
 * const demux = new Demultiplexer(transport.datagrams$);
 * demux.on(DatagramKind.ElaraV1, (d) => runtime.receive(d));
 * demux.on(DatagramKind.Stun, (d) => stun.receive(d));
 * // ...
 * demux.close();
 */
export class Demultiplexer {
  readonly counters: DemuxCounters;
  /** Handler failures as values. Completes on close. */
  readonly errors$: Observable<ElaraError>;
  private readonly handlers = new Map<DatagramKind, DatagramHandler[]>();
  private readonly errorSubject = new Subject<ElaraError>();
  private readonly subscription: Subscription;

  constructor(source: Observable<Datagram>) {
    const byKind = {} as Record<DatagramKind, number>;
    for (const kind of DATAGRAM_KINDS) {
      byKind[kind] = 0;
      this.handlers.set(kind, []);
    }
    this.counters = { byKind, unhandled: 0, handlerErrors: 0 };
    this.errors$ = this.errorSubject.asObservable();
    this.subscription = source.subscribe({ next: this.route });
  }

  /**
   * Registers `handler` for one kind; several handlers of one kind all receive each datagram, in
   * registration order. Returns the function that unregisters it.
   */
  on(kind: DatagramKind, handler: DatagramHandler): Cancel {
    const list = this.handlers.get(kind) as DatagramHandler[];
    // Copy on write: a handler that unregisters during dispatch does not disturb the loop.
    this.handlers.set(kind, [...list, handler]);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.handlers.set(
        kind,
        (this.handlers.get(kind) as DatagramHandler[]).filter((h) => h !== handler),
      );
    };
  }

  /** Stops routing (idempotent); handlers stay registered but receive nothing more. */
  close(): void {
    this.subscription.unsubscribe();
    this.errorSubject.complete();
  }

  private readonly route = (datagram: Datagram): void => {
    const kind = classifyDatagram(datagram.data);
    this.counters.byKind[kind]++;
    const list = this.handlers.get(kind) as DatagramHandler[];
    if (list.length === 0) {
      this.counters.unhandled++;
      return;
    }
    for (const handler of list) {
      try {
        handler(datagram);
      } catch (e) {
        this.counters.handlerErrors++;
        this.errorSubject.next(new HandlerError(kind, e));
      }
    }
  };
}
