import type { Cancel, Datagram, ElaraError, Endpoint } from '@elara/core';
import type { Observable } from 'rxjs';
import type { TransportCounters } from './transport-counters.ts';

/**
 * What `send()` did with a datagram:
 * - `'sent'`: handed to the network now;
 * - `'queued'`: accepted into the bounded send queue, the pacer sends it soon;
 * - `'full'`: refused, the send queue is full: wait for `writable()` and send again.
 *
 * Accepted (`'sent'` or `'queued'`) datagrams are never discarded silently: they reach the
 * network, or are counted (`droppedOnClose`, `sendFailed`).
 *
 * @example
 * const result: SendResult = transport.send(frame, peer);
 * if (result === 'full') await transport.writable(); // then send it again
 */
export type SendResult = 'sent' | 'queued' | 'full';

/**
 * A receiver of datagrams (`Transport.onDatagram`, `Demultiplexer.on`); `data` is valid only
 * during the call (copy to keep). If it throws, the error is counted and reported as a
 * `HandlerError` on the owner's `errors$`; it never escapes into the receive path.
 *
 * @example
 * const handler: DatagramHandler = (d) => inbox.push({ ...d, data: d.data.slice() });
 */
export type DatagramHandler = (datagram: Datagram) => void;

/**
 * A datagram transport: what every layer above the network talks to. The runtime receives one by
 * injection; `UdpTransport` (node:dgram), `SimNetwork` transports (virtual time) and, later, a
 * relayed (TURN) and a browser transport implement it, and one conformance suite checks them all.
 *
 * Ordering is not guaranteed, loss is possible, duplicates are possible: it is a datagram service.
 * Bad input never throws out of the receive path; caller mistakes on the send path throw named
 * errors (`DatagramTooLargeError`, `InvalidDestinationError`, `TransportClosedError`), each also
 * counted; asynchronous failures arrive as values on `errors$` and in `counters`.
 *
 * Receive with `onDatagram(handler)` (or through a `Demultiplexer`): a handler that throws is
 * counted and reported. `datagrams$` is a plain RxJS observable: an exception thrown by a
 * `subscribe` callback is rethrown by RxJS on a timer (its `config.onUnhandledError` hook, if the
 * application sets one), which ends a Node process; subscribe only with code that cannot throw.
 *
 * @example
 * const off = transport.onDatagram((d) => handle(d.data, d.from));
 * for (const frame of frames) {
 *   while (transport.send(frame, peer) === 'full') await transport.writable();
 * }
 * await transport.drained();
 * off();
 * await transport.close();
 */
export interface Transport {
  /**
   * Received datagrams, with the sender's address (hot: datagrams arriving while nobody
   * subscribes and no `onDatagram` handler is registered are counted in `receivedUnobserved`).
   * `data` may be reused after the callback: copy what you keep. Completes on close; never errors.
   * A plain observable: prefer `onDatagram` for code that may throw (see above).
   */
  readonly datagrams$: Observable<Datagram>;
  /**
   * Asynchronous failures as values (socket errors, ICMP unreachable, `HandlerError`s of
   * `onDatagram` handlers). Completes on close.
   */
  readonly errors$: Observable<ElaraError>;
  /** The address this transport is bound to. */
  readonly localAddress: Endpoint;
  /** The size budget: `send()` refuses anything larger with `DatagramTooLargeError`. */
  readonly maxDatagramSize: number;
  /** What happened to every datagram so far (a live object; spread it for a snapshot). */
  readonly counters: Readonly<TransportCounters>;
  /** Datagrams accepted and not yet handed to the network. */
  readonly queuedDatagrams: number;
  /** The bound of the send queue, in datagrams. */
  readonly sendQueueLength: number;
  /** True once `close()` was called. */
  readonly closed: boolean;
  /**
   * Registers a guarded receiver of every datagram (before `datagrams$` subscribers, in
   * registration order). A handler that throws is counted (`handlerErrors`) and reported as a
   * `HandlerError` on `errors$`; the other handlers and the transport go on. Returns the function
   * that unregisters it (idempotent). After close, nothing is registered.
   *
   * @example
   * const off = transport.onDatagram((d) => runtime.receive(d)); // may throw: it is counted
   */
  onDatagram(handler: DatagramHandler): Cancel;
  /**
   * Sends one datagram. The transport copies what it keeps, so `data` may be reused as soon as
   * this returns. Throws `DatagramTooLargeError`, `InvalidDestinationError` or
   * `TransportClosedError` (each counted); otherwise returns a {@link SendResult}.
   */
  send(data: Uint8Array, to: Endpoint): SendResult;
  /**
   * Resolves when the send queue has room: at once if it is not full, else when it has drained
   * to half. Rejects with `TransportClosedError` on close, or with the signal's reason on abort.
   */
  writable(signal?: AbortSignal): Promise<void>;
  /** Resolves when every accepted datagram has been handed to the network. Rejects like `writable`. */
  drained(signal?: AbortSignal): Promise<void>;
  /**
   * Closes the transport: releases its socket and timers, drops (and counts) what is still
   * queued, completes `datagrams$` and `errors$`. Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}
