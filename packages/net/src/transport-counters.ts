/**
 * What a transport did with every datagram, as plain counters. Nothing vanishes silently:
 *
 * - `sendAttempted = sendAccepted + sendRefusedFull + sendRefusedTooLarge + sendRefusedInvalid
 *   + sendRefusedClosed`;
 * - `sendAccepted = datagramsSent + droppedOnClose + queued` (the transport's `queuedDatagrams`);
 * - of the datagrams sent, `sendFailed` were rejected by the operating system afterwards.
 *
 * On the receive side every datagram that reached the socket is exactly one of
 * `datagramsReceived` (handed to handlers and subscribers), `receivedOversize` or
 * `receivedUnobserved`; `handlerErrors` counts `onDatagram` handler calls that threw.
 *
 * @example
 * const { sendAttempted, sendAccepted, datagramsReceived } = transport.counters;
 */
export interface TransportCounters {
  /** Calls to `send()`. */
  sendAttempted: number;
  /** Datagrams `send()` took (`'sent'` or `'queued'`). */
  sendAccepted: number;
  /** Refused because the send queue was full (`'full'`). */
  sendRefusedFull: number;
  /** Refused with `DatagramTooLargeError`. */
  sendRefusedTooLarge: number;
  /** Refused with `InvalidDestinationError`. */
  sendRefusedInvalid: number;
  /** Refused with `TransportClosedError`. */
  sendRefusedClosed: number;
  /** Handed to the network (the operating system, or the simulated link). */
  datagramsSent: number;
  bytesSent: number;
  /** Sent, then reported failed by the operating system (each also on `errors$`). */
  sendFailed: number;
  /** Accepted and still queued when the transport closed. */
  droppedOnClose: number;
  /** Delivered to `onDatagram` handlers and `datagrams$` subscribers. */
  datagramsReceived: number;
  bytesReceived: number;
  /** Received but larger than `maxReceiveBytes`, dropped. */
  receivedOversize: number;
  /** Received while no handler was registered and nobody subscribed to `datagrams$`, dropped. */
  receivedUnobserved: number;
  /** `onDatagram` handler calls that threw (each also a `HandlerError` on `errors$`). */
  handlerErrors: number;
  /** Receive-side socket errors (each also on `errors$`). */
  receiveErrors: number;
  /** ICMP unreachable reports (connected sockets), send or receive side. */
  peerUnreachable: number;
}

/**
 * Fresh zeroed counters.
 *
 * @example
 * const c = transportCounters(); // every field 0
 */
export function transportCounters(): TransportCounters {
  return {
    sendAttempted: 0,
    sendAccepted: 0,
    sendRefusedFull: 0,
    sendRefusedTooLarge: 0,
    sendRefusedInvalid: 0,
    sendRefusedClosed: 0,
    datagramsSent: 0,
    bytesSent: 0,
    sendFailed: 0,
    droppedOnClose: 0,
    datagramsReceived: 0,
    bytesReceived: 0,
    receivedOversize: 0,
    receivedUnobserved: 0,
    handlerErrors: 0,
    receiveErrors: 0,
    peerUnreachable: 0,
  };
}

/**
 * All refusals of `send()`, whatever the reason.
 *
 * @example
 * const c = transport.counters;
 * c.sendAttempted === c.sendAccepted + sendRefused(c); // always true
 */
export function sendRefused(c: Readonly<TransportCounters>): number {
  return c.sendRefusedFull + c.sendRefusedTooLarge + c.sendRefusedInvalid + c.sendRefusedClosed;
}
