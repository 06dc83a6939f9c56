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

/**
 * `send()` or a wait on a transport that is closed. Also a {@link ClosedError}.
 *
 * @example
 * await transport.writable().catch((e: unknown) => {
 *   if (!TransportClosedError.isInstance(e)) throw e; // closed meanwhile: stop sending
 * });
 */
export class TransportClosedError extends ClosedError {
  static override readonly code: string = 'TransportClosedError';
  constructor(what = 'transport') {
    super(`${what} is closed`);
  }
}

/**
 * A destination the transport cannot address: a port outside 1..65535, an address family the
 * socket cannot reach (IPv6 from an IPv4 socket, IPv4 from an IPv6 socket that is not dual
 * stack), an address that is not a literal of its family, or, on a connected socket, any peer
 * but the connected one. Nothing is sent; the refusal is counted (`sendRefusedInvalid`).
 *
 * @example
 * try {
 *   v4only.send(frame, endpoint('2001:db8::1', 4000));
 * } catch (e) {
 *   if (InvalidDestinationError.isInstance(e)) console.log(e.destination, e.message);
 * }
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
 *
 * @example
 * transport.errors$.subscribe((e) => {
 *   if (SocketError.isInstance(e)) log.warn('socket', (e as SocketError).errno, e.message);
 * });
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
 *
 * @example
 * const t = await UdpTransport.create({ bind: '0.0.0.0:0', connect: server });
 * t.errors$.subscribe((e) => {
 *   if (PeerUnreachableError.isInstance(e)) failover(); // nobody listens there (ICMP)
 * });
 */
export class PeerUnreachableError extends SocketError {
  static override readonly code: string = 'PeerUnreachableError';
}

/**
 * The socket (or simulated node) could not be bound or connected as configured: `EADDRINUSE`,
 * `EADDRNOTAVAIL` (a foreign address), `EINVAL` (an `Endpoint` that is not a literal of its family).
 *
 * @example
 * const t = await UdpTransport.create({ bind: '0.0.0.0:7000' }).catch(async (e: unknown) => {
 *   if (BindError.isInstance(e)) return UdpTransport.create({ bind: '0.0.0.0:0' }); // any port
 *   throw e;
 * });
 */
export class BindError extends SocketError {
  static override readonly code: string = 'BindError';
}

/**
 * A datagram handler (`Transport.onDatagram`, `Demultiplexer.on`) threw: counted
 * (`handlerErrors`) and emitted as a value on the owner's `errors$`. The handler stays
 * registered; the other handlers still ran. `kind` is the datagram kind, or `'datagram'` for a
 * transport's handlers; `cause` is what was thrown.
 *
 * @example
 * demux.errors$.subscribe((e) => {
 *   if (HandlerError.isInstance(e)) log.error('handler failed', (e as HandlerError).kind, e.cause);
 * });
 */
export class HandlerError extends ElaraError {
  static override readonly code: string = 'HandlerError';
  constructor(
    readonly kind: string,
    cause: unknown,
  ) {
    super(`a ${kind} handler threw: ${String(cause)}`, { cause });
  }
}
