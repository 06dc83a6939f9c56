import type { Cancel, Datagram, ElaraError, Endpoint, Scheduler } from '@elara/core';
import { Subject, type Observable } from 'rxjs';
import {
  DatagramTooLargeError,
  HandlerError,
  InvalidDestinationError,
  TransportClosedError,
} from '../net-errors.ts';
import type { DatagramHandler, SendResult, Transport } from '../transport.ts';
import { transportCounters, type TransportCounters } from '../transport-counters.ts';
import type { TransportLimits } from '../transport-limits.ts';
import type { PacerTurns } from './pacer-turns.ts';
import { checkSendArguments } from './send-arguments.ts';
import { SendPipeline } from './send-pipeline.ts';

/** How a concrete transport plugs into {@link BaseTransport}. */
export interface TransportParts {
  readonly limits: TransportLimits;
  readonly scheduler: Scheduler;
  readonly turns: PacerTurns;
  readonly sinkCopies: boolean;
}

/**
 * What every transport shares: validation and counting on `send()`, the paced send pipeline, the
 * receive-side checks, the guarded `onDatagram` handlers, the hot `datagrams$`/`errors$` subjects
 * and the idempotent close. A concrete transport supplies the sink (`sinkReady`/`sinkWrite`), its
 * destination rules and `release()`.
 */
export abstract class BaseTransport implements Transport {
  readonly counters: TransportCounters = transportCounters();
  readonly maxDatagramSize: number;
  readonly sendQueueLength: number;
  readonly datagrams$: Observable<Datagram>;
  readonly errors$: Observable<ElaraError>;
  abstract readonly localAddress: Endpoint;
  protected readonly maxReceiveBytes: number;
  protected readonly pipeline: SendPipeline;
  private readonly datagramSubject = new Subject<Datagram>();
  private readonly errorSubject = new Subject<ElaraError>();
  // Copied on write, so a handler that unregisters during dispatch does not disturb the loop.
  private handlers: readonly DatagramHandler[] = [];
  private isClosed = false;
  private closing: Promise<void> | undefined;

  protected constructor(parts: TransportParts) {
    this.maxDatagramSize = parts.limits.maxDatagramSize;
    this.maxReceiveBytes = parts.limits.maxReceiveBytes;
    this.sendQueueLength = parts.limits.sendQueueLength;
    this.datagrams$ = this.datagramSubject.asObservable();
    this.errors$ = this.errorSubject.asObservable();
    this.pipeline = new SendPipeline({
      limits: parts.limits,
      counters: this.counters,
      scheduler: parts.scheduler,
      turns: parts.turns,
      sinkCopies: parts.sinkCopies,
      sink: { ready: () => this.sinkReady(), write: (data, to) => this.sinkWrite(data, to) },
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get queuedDatagrams(): number {
    return this.pipeline.queued;
  }

  send(data: Uint8Array, to: Endpoint): SendResult {
    // Not a send attempt but a programming error: nothing is counted, nothing is sent.
    checkSendArguments(data, to);
    const c = this.counters;
    c.sendAttempted++;
    if (this.isClosed) {
      c.sendRefusedClosed++;
      throw new TransportClosedError();
    }
    if (data.byteLength > this.maxDatagramSize) {
      c.sendRefusedTooLarge++;
      throw new DatagramTooLargeError(data.byteLength, this.maxDatagramSize);
    }
    const port = to.port;
    const problem =
      port >>> 0 !== port || port === 0 || port > 65_535
        ? `port ${port} is not in 1..65535`
        : this.destinationProblem(to);
    if (problem !== undefined) {
      c.sendRefusedInvalid++;
      throw new InvalidDestinationError(to, problem);
    }
    return this.pipeline.offer(data, to);
  }

  onDatagram(handler: DatagramHandler): Cancel {
    if (this.isClosed) return () => undefined;
    this.handlers = [...this.handlers, handler];
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  writable(signal?: AbortSignal): Promise<void> {
    return this.pipeline.writable(signal);
  }

  drained(signal?: AbortSignal): Promise<void> {
    return this.pipeline.drained(signal);
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.isClosed = true;
      this.closing = this.shutdown();
    }
    return this.closing;
  }

  /** True when the sink takes a datagram now. */
  protected abstract sinkReady(): boolean;
  /** Hands a datagram to the network; returns true when `data` is no longer referenced. */
  protected abstract sinkWrite(data: Uint8Array, to: Endpoint): boolean;
  /** Why `to` cannot be addressed (beyond the port check), or `undefined`. */
  protected abstract destinationProblem(to: Endpoint): string | undefined;
  /** Releases the socket or link; called once, by `close()`. */
  protected abstract release(): Promise<void>;

  /** Receive path: size check, receiver check, counting, guarded handlers, then `datagrams$`. */
  protected deliver(data: Uint8Array, from: Endpoint, receivedAt: number): void {
    const c = this.counters;
    if (this.isClosed) return;
    if (data.byteLength > this.maxReceiveBytes) {
      c.receivedOversize++;
      return;
    }
    const handlers = this.handlers;
    const observed = this.datagramSubject.observed;
    if (handlers.length === 0 && !observed) {
      c.receivedUnobserved++;
      return;
    }
    c.datagramsReceived++;
    c.bytesReceived += data.byteLength;
    const datagram: Datagram = { data, from, receivedAt };
    for (const handler of handlers) {
      try {
        handler(datagram);
      } catch (e) {
        c.handlerErrors++;
        this.reportError(new HandlerError('datagram', e));
      }
    }
    if (observed) this.datagramSubject.next(datagram);
  }

  /** Emits an asynchronous failure as a value (not after close). */
  protected reportError(error: ElaraError): void {
    if (!this.isClosed) this.errorSubject.next(error);
  }

  private async shutdown(): Promise<void> {
    this.pipeline.close(new TransportClosedError());
    this.handlers = [];
    this.datagramSubject.complete();
    this.errorSubject.complete();
    await this.release();
  }
}
