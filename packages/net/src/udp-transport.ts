import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import {
  endpoint,
  endpointEquals,
  formatEndpoint,
  OutOfRangeError,
  realTimeScheduler,
  systemClock,
  type Endpoint,
  type Scheduler,
} from '@elara/core';
import { BaseTransport } from './internal/base-transport.ts';
import { bindEndpoint, type LiteralCheck } from './internal/bind-address.ts';
import { processTurns } from './internal/event-loop-turns.ts';
import { BindError, PeerUnreachableError, SocketError } from './net-errors.ts';
import { resolveTransportLimits, type TransportLimitOptions } from './transport-limits.ts';

/**
 * Options of {@link UdpTransport.create}; every field is optional.
 *
 * @example
 * const options: UdpTransportOptions = {
 *   bind: '[::]:7000', // dual stack: IPv6 and IPv4 peers
 *   maxDatagramSize: 1460, // this socket also carries TURN
 *   pacing: { bytesPerSecond: 10_000_000 },
 *   recvBufferSize: 8 << 20,
 * };
 * const transport = await UdpTransport.create(options);
 */
export interface UdpTransportOptions extends TransportLimitOptions {
  /** Address to bind: an IP literal and a port (0 = any free port). Default `0.0.0.0:0`. */
  readonly bind?: Endpoint | string;
  /**
   * With an IPv6 bind address: refuse IPv4 (no dual stack). Default false. Only the unspecified
   * address `::` is dual stack; a socket bound to a specific IPv6 address reaches IPv6 only.
   */
  readonly ipv6Only?: boolean;
  /**
   * Connect the socket to one peer: only that peer can be sent to and heard from, and ICMP
   * unreachable reports surface as `PeerUnreachableError` on `errors$`.
   */
  readonly connect?: Endpoint | string;
  /**
   * Receive buffer requested from the kernel, bytes, an integer in 1..2³¹−1 (the kernel caps it
   * at `net.core.rmem_max`). Default 4 MiB.
   */
  readonly recvBufferSize?: number;
  /**
   * Send buffer requested from the kernel, bytes, an integer in 1..2³¹−1 (capped by
   * `net.core.wmem_max`). Default 1 MiB.
   */
  readonly sendBufferSize?: number;
  /** Timers (rate pacing) and receive timestamps. Default: real time on `systemClock()`. */
  readonly scheduler?: Scheduler;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

type NodeError = Error & { code?: unknown; address?: unknown; port?: unknown };

// Requested, not assumed: the kernel grants at most rmem_max / wmem_max, and we report what it did.
const DEFAULT_RECV_BUFFER = 4 << 20;
const DEFAULT_SEND_BUFFER = 1 << 20;
const MAX_BUFFER = 2 ** 31 - 1;

const isLiteral: LiteralCheck = (address, family) => isIP(address) === (family === 'IPv6' ? 6 : 4);

function bufferSize(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_BUFFER)
    throw new OutOfRangeError(`${name} must be an integer in 1..${MAX_BUFFER}, got ${value}`);
  return value;
}

// The socket only ever sees IP literals (endpoints are literal by contract), so the name lookup
// node:dgram runs before every unconnected send can answer at once. Node's default defers each
// send to the next tick, which would make "sent" a promise rather than a fact.
function literalLookup(
  address: string,
  _options: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

function socketError(err: unknown, what: string): SocketError {
  const e = err as NodeError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const peer =
    typeof e.address === 'string' && typeof e.port === 'number' && isIP(e.address) !== 0
      ? endpoint(e.address, e.port)
      : undefined;
  const Kind = code !== undefined && UNREACHABLE.has(code) ? PeerUnreachableError : SocketError;
  return new Kind(`${what} failed: ${String(e.message)}`, code, peer, { cause: err });
}

/** Runs a callback-style socket operation, rejecting on an 'error' event meanwhile. */
function settle(
  socket: Socket,
  start: (done: (err?: Error | null) => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    start((err) => {
      socket.removeListener('error', onError);
      if (err) reject(err);
      else resolve();
    });
  });
}

/**
 * The {@link Transport} over one `node:dgram` socket, IPv4 or IPv6 (dual stack when bound to
 * `::` without `ipv6Only`).
 *
 * Sending is paced so bursts survive: libuv reads at most 32 datagrams per socket per event-loop
 * turn, so the UDP transports of one process **together** write at most 32 datagrams per turn
 * (each also at most its own `pacing.burst`), sharing that budget round-robin; the rest wait in
 * each transport's bounded queue (default 1024), which `send()` reports honestly (`'queued'`,
 * `'full'`). An optional `pacing.bytesPerSecond` caps the long-run rate on the injected
 * scheduler. Yielding the turn is done with `setImmediate`: it is not a timer but the event
 * loop's check phase, right after the I/O phase, which is what lets the receiving side (even in
 * this process) read.
 *
 * Received datagrams larger than `maxReceiveBytes` are dropped and counted; socket errors become
 * values on `errors$` (ICMP unreachable on a connected socket: `PeerUnreachableError`).
 *
 * @example
 * const a = await UdpTransport.create({ bind: '127.0.0.1:0' });
 * const b = await UdpTransport.create({ bind: '127.0.0.1:0' });
 * b.datagrams$.subscribe((d) => console.log(d.data.byteLength, 'bytes from', d.from));
 * a.send(new TextEncoder().encode('hello'), b.localAddress); // 'sent'
 * await a.drained();
 * await Promise.all([a.close(), b.close()]);
 */
export class UdpTransport extends BaseTransport {
  readonly localAddress: Endpoint;
  /** The kernel's receive buffer after configuration, bytes (Linux reports twice the request). */
  readonly recvBufferSize: number;
  /** The kernel's send buffer after configuration, bytes. */
  readonly sendBufferSize: number;
  private readonly scheduler: Scheduler;
  private readonly dualStack: boolean;
  private lastV4 = '';
  private lastMapped = '';
  // Destinations repeat: the address checks run once per new family and address, not per
  // datagram. Only a pair that passed every one of them is remembered.
  private okAddress: string | undefined;
  private okFamily: Endpoint['family'] | undefined;
  // Datagrams mostly come in runs from one peer: reuse its Endpoint rather than build one each.
  private lastRawAddress = '';
  private lastFrom: Endpoint = { family: 'IPv4', address: '', port: 0 };

  private constructor(
    private readonly socket: Socket,
    scheduler: Scheduler,
    limits: ReturnType<typeof resolveTransportLimits>,
    private readonly peer: Endpoint | undefined,
    ipv6Only: boolean,
  ) {
    super({ limits, scheduler, sinkCopies: false, turns: processTurns() });
    this.scheduler = scheduler;
    const a = socket.address();
    this.localAddress = endpoint(a.address, a.port);
    // Only the unspecified address hears and reaches IPv4 (as ::ffff:a.b.c.d); a socket bound
    // to ::1 or a global IPv6 address cannot, and the kernel would fail such sends later.
    this.dualStack = this.localAddress.address === '::' && !ipv6Only;
    this.recvBufferSize = socket.getRecvBufferSize();
    this.sendBufferSize = socket.getSendBufferSize();
    socket.on('message', this.onMessage);
    socket.on('error', this.onSocketError);
  }

  /**
   * Binds a socket as configured. Rejects with `BindError` when the address cannot be bound or
   * connected (or an `Endpoint` given is not a literal of its family), `ParseError` for bind text
   * that is not an IP literal and port, `OutOfRangeError` for a port, limit or buffer size out of
   * range.
   *
   * @example
   * const t = await UdpTransport.create({ bind: '127.0.0.1:0', connect: '127.0.0.1:3478' });
   */
  static async create(options: UdpTransportOptions = {}): Promise<UdpTransport> {
    const limits = resolveTransportLimits(options);
    const recvBuffer = bufferSize('recvBufferSize', options.recvBufferSize, DEFAULT_RECV_BUFFER);
    const sendBuffer = bufferSize('sendBufferSize', options.sendBufferSize, DEFAULT_SEND_BUFFER);
    const bind = bindEndpoint(options.bind ?? '0.0.0.0:0', 'bind', isLiteral);
    const peer =
      options.connect === undefined
        ? undefined
        : bindEndpoint(options.connect, 'connect', isLiteral);
    const ipv6Only = options.ipv6Only === true;
    const socket = createSocket({
      type: bind.family === 'IPv6' ? 'udp6' : 'udp4',
      ipv6Only,
      lookup: literalLookup,
    });
    try {
      await settle(socket, (done) =>
        socket.bind({ port: bind.port, address: bind.address, exclusive: true }, () => done()),
      );
      if (peer !== undefined)
        await settle(socket, (done) => socket.connect(peer.port, peer.address, done));
    } catch (err) {
      socket.close();
      const e = err as NodeError;
      throw new BindError(
        `binding ${formatEndpoint(bind)}${peer ? ` to ${formatEndpoint(peer)}` : ''} failed: ${e.message}`,
        typeof e.code === 'string' ? e.code : undefined,
        peer,
        { cause: err },
      );
    }
    // The kernel caps these (rmem_max / wmem_max); what we got is reported, not assumed.
    for (const [set, size] of [
      [(n: number) => socket.setRecvBufferSize(n), recvBuffer],
      [(n: number) => socket.setSendBufferSize(n), sendBuffer],
    ] as const) {
      try {
        set(size);
      } catch {
        // The operating system refused (the sizes are in range): the kernel default stays in
        // place, and recvBufferSize/sendBufferSize say so.
      }
    }
    return new UdpTransport(
      socket,
      options.scheduler ?? realTimeScheduler(systemClock()),
      limits,
      peer,
      ipv6Only,
    );
  }

  protected destinationProblem(to: Endpoint): string | undefined {
    if (to.address !== this.okAddress || to.family !== this.okFamily) {
      const problem = this.addressProblem(to);
      if (problem !== undefined) return problem;
      this.okAddress = to.address;
      this.okFamily = to.family;
    }
    if (this.peer !== undefined)
      return endpointEquals(to, this.peer) ? undefined : 'the socket is connected to another peer';
    return undefined;
  }

  /** What depends on the family and address only (the port is checked per datagram). */
  private addressProblem(to: Endpoint): string | undefined {
    if (!isLiteral(to.address, to.family))
      return `${to.address} is not an ${to.family} address literal`;
    if (to.family === 'IPv6') {
      if (this.localAddress.family === 'IPv4') return 'an IPv4 socket cannot reach IPv6';
    } else if (this.localAddress.family === 'IPv6' && !this.dualStack) {
      return `an IPv6 socket bound to ${this.localAddress.address} cannot reach IPv4 (only :: without ipv6Only is dual stack)`;
    }
    return undefined;
  }

  protected sinkReady(): boolean {
    return this.socket.getSendQueueCount() === 0;
  }

  protected sinkWrite(data: Uint8Array, to: Endpoint): boolean {
    if (this.peer !== undefined) {
      this.socket.send(data, this.onSent);
    } else {
      let address = to.address;
      if (this.dualStack && to.family === 'IPv4') {
        if (address !== this.lastV4) {
          this.lastV4 = address;
          this.lastMapped = `::ffff:${address}`;
        }
        address = this.lastMapped;
      }
      this.socket.send(data, to.port, address, this.onSent);
    }
    // libuv sends at once when it can; otherwise it queues and keeps a reference to `data`.
    return this.socket.getSendQueueCount() === 0;
  }

  protected async release(): Promise<void> {
    this.socket.removeListener('message', this.onMessage);
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
    // node emits 'close' before libuv frees the handle in its close phase, which runs at the end
    // of the loop turn; two turns later the handle is gone for certain (whatever phase we are in).
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private readonly onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    let from = this.lastFrom;
    if (rinfo.port !== from.port || rinfo.address !== this.lastRawAddress) {
      let address = rinfo.address;
      let family: 'IPv4' | 'IPv6' = rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4';
      // A dual-stack socket sees IPv4 peers as ::ffff:a.b.c.d; peers know them as plain IPv4.
      if (family === 'IPv6' && address.startsWith('::ffff:') && address.includes('.')) {
        address = address.slice(7);
        family = 'IPv4';
      }
      from = { family, address, port: rinfo.port };
      this.lastFrom = from;
      this.lastRawAddress = rinfo.address;
    }
    this.deliver(msg, from, this.scheduler.now());
  };

  private readonly onSocketError = (err: Error): void => {
    const e = socketError(err, 'receive');
    if (PeerUnreachableError.isInstance(e)) this.counters.peerUnreachable++;
    else this.counters.receiveErrors++;
    this.reportError(e);
  };

  private readonly onSent = (err: Error | null): void => {
    if (err !== null) {
      this.counters.sendFailed++;
      const e = socketError(err, 'send');
      if (PeerUnreachableError.isInstance(e)) this.counters.peerUnreachable++;
      this.reportError(e);
    }
    this.pipeline.resume();
  };
}
