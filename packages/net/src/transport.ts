import type { Datagram, ElaraError, Endpoint } from '@elara/core';
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
 */
export type SendResult = 'sent' | 'queued' | 'full';

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
 * @example
 * const sub = transport.datagrams$.subscribe((d) => handle(d.data, d.from));
 * for (const frame of frames) {
 *   while (transport.send(frame, peer) === 'full') await transport.writable();
 * }
 * await transport.drained();
 * await transport.close();
 */
export interface Transport {
  /**
   * Received datagrams, with the sender's address (hot: datagrams arriving while nobody
   * subscribes are counted in `receivedUnobserved`). `data` may be reused after the callback:
   * copy what you keep. Completes on close; never errors.
   */
  readonly datagrams$: Observable<Datagram>;
  /** Asynchronous failures as values (socket errors, ICMP unreachable). Completes on close. */
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
