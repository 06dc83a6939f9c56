import { ClosedError, ElaraError, TooLargeError, type Endpoint } from '@elara/core';

/**
 * A datagram larger than the transport's size budget (`maxDatagramSize`). It is refused, never
 * truncated or fragmented: fragmentation happens above the transport, before sealing.
 *
 * @example
 * try {
 *   transport.send(new Uint8Array(5000), peer);
 * } catch (e) {
 *   if (DatagramTooLargeError.isInstance(e)) splitAndRetry();
 * }
 */
export class DatagramTooLargeError extends TooLargeError {
  static override readonly code: string = 'DatagramTooLargeError';
  constructor(size: number, limit: number) {
    super(size, limit, 'datagram');
  }
}

/** `send()` or a wait on a transport that is closed. Also a {@link ClosedError}. */
export class TransportClosedError extends ClosedError {
  static override readonly code: string = 'TransportClosedError';
  constructor(what = 'transport') {
    super(`${what} is closed`);
  }
}

/**
 * A destination the transport cannot address: a port outside 1..65535, an address family the
 * socket cannot reach (IPv6 from an IPv4 socket, IPv4 from an IPv6-only socket), or, on a
 * connected socket, any peer but the connected one. Nothing is sent.
 */
export class InvalidDestinationError extends ElaraError {
  static override readonly code: string = 'InvalidDestinationError';
  constructor(
    readonly destination: Endpoint,
    reason: string,
  ) {
    super(`cannot send to ${destination.address}:${destination.port}: ${reason}`);
  }
}

/**
 * An error the operating system reported on a socket (a failed send, a receive error). Emitted on
 * a transport's `errors$` as a value; it never ends the transport.
 */
export class SocketError extends ElaraError {
  static override readonly code: string = 'SocketError';
  constructor(
    message: string,
    /** The system error code, e.g. `EHOSTUNREACH`, when there is one. */
    readonly errno: string | undefined,
    /** The remote address involved, when known. */
    readonly peer: Endpoint | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The peer cannot be reached: an ICMP port- or host-unreachable reported on a connected socket
 * (`ECONNREFUSED`, `EHOSTUNREACH`, `ENETUNREACH`). A value on `errors$`; the transport goes on.
 */
export class PeerUnreachableError extends SocketError {
  static override readonly code: string = 'PeerUnreachableError';
}

/** The socket could not be bound (or connected) as configured, e.g. `EADDRINUSE`. */
export class BindError extends SocketError {
  static override readonly code: string = 'BindError';
}

/** A demultiplexer handler threw; the datagram is dropped and the handler stays registered. */
export class HandlerError extends ElaraError {
  static override readonly code: string = 'HandlerError';
  constructor(
    readonly kind: string,
    cause: unknown,
  ) {
    super(`a ${kind} handler threw: ${String(cause)}`, { cause });
  }
}
