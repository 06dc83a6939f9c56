import { OutOfRangeError, type Cancel, type Endpoint } from '@elara/core';
import { BaseTransport } from './internal/base-transport.ts';
import { EventLoopTurns } from './internal/event-loop-turns.ts';
import { schedulerTurns } from './internal/pacer-turns.ts';
import { resolveTransportLimits, type TransportLimitOptions } from './transport-limits.ts';
import type { TurnClient } from './turn-client.ts';

/**
 * Bytes TURN adds around a relayed datagram at most: a Send indication with an IPv6 peer
 * (20 header + 24 XOR-PEER-ADDRESS + 4 DATA header + 3 padding + 8 FINGERPRINT = 59), rounded
 * up. ChannelData adds 4.
 */
export const RELAY_OVERHEAD = 60;

/**
 * Options of {@link RelayedTransport}: the allocation, how to yield, and the usual limits.
 *
 * @example
 * // In a simulation, on virtual time:
 * const relayed = new RelayedTransport({ turn, yieldTo: 'scheduler', sendQueueLength: 256 });
 */
export interface RelayedTransportOptions extends TransportLimitOptions {
  /** The allocation to send through; the transport owns it from now on (close releases it). */
  readonly turn: TurnClient;
  /**
   * How the pacer yields between bursts: `'event-loop'` (`setImmediate`, for real sockets) or
   * `'scheduler'` (a timer at the current instant on the STUN client's scheduler, for virtual
   * time). Default `'event-loop'`.
   */
  readonly yieldTo?: 'event-loop' | 'scheduler';
}

/**
 * A {@link Transport} through a TURN allocation (RFC 8656): `localAddress` is the relayed
 * address peers send to, `send(data, peer)` relays to a peer given a permission with `permit()`,
 * and `datagrams$` carries what peers send to the relayed address, with the peer's address as
 * `from`. The relay carries the bytes it is given unchanged: Elara frames are sealed before
 * `send()`, so the relay sees ciphertext only.
 *
 * The allocation's failures (`TurnAllocationExpiredError`, `TurnPermissionExpiredError`) are
 * forwarded to `errors$`.
 *
 * Same contract as UDP: paced bounded send queue, honest `'sent' | 'queued' | 'full'`, named
 * errors, balanced counters; when the carrier socket's queue is full, the relayed transport
 * queues (and then refuses) instead of losing. Sending to a peer without a permission is an
 * `InvalidDestinationError` (TURN would drop it silently).
 *
 * @example
 * const turn = await TurnClient.allocate({ stun, demux, server, username, password });
 * const relayed = new RelayedTransport({ turn });
 * await relayed.permit(peer); // a channel: 4 bytes of overhead per datagram
 * relayed.send(sealedFrame, peer);
 */
export class RelayedTransport extends BaseTransport {
  readonly localAddress: Endpoint;
  /** The allocation this transport sends through. */
  readonly turn: TurnClient;
  private readonly offData: Cancel;
  private readonly offErrors: { unsubscribe(): void };
  private waitingForCarrier = false;
  private readonly onEventLoop: boolean;

  constructor(options: RelayedTransportOptions) {
    const { turn } = options;
    const carrier = turn.stunClient.transport;
    const room = carrier.maxDatagramSize - RELAY_OVERHEAD;
    if (options.maxDatagramSize !== undefined && options.maxDatagramSize > room)
      throw new OutOfRangeError(
        `a relayed budget of ${options.maxDatagramSize} needs a carrier budget of ` +
          `${options.maxDatagramSize + RELAY_OVERHEAD}; the carrier has ${carrier.maxDatagramSize}`,
      );
    const limits = resolveTransportLimits({
      ...options,
      maxDatagramSize: options.maxDatagramSize ?? Math.min(1200, Math.max(1, room)),
    });
    const scheduler = turn.stunClient.scheduler;
    const onScheduler = options.yieldTo === 'scheduler';
    super({
      limits,
      scheduler,
      sinkCopies: true,
      // Its own turns, not the process's UDP budget: every datagram it writes goes through the
      // carrier's send(), which takes its share of that budget already.
      turns: onScheduler ? schedulerTurns(scheduler) : new EventLoopTurns(Number.POSITIVE_INFINITY),
    });
    this.turn = turn;
    this.onEventLoop = !onScheduler;
    this.localAddress = turn.relayedAddress;
    this.offData = turn.onData((data, from, receivedAt) => this.deliver(data, from, receivedAt));
    // The allocation's end (TurnAllocationExpiredError) and lost permissions are this
    // transport's asynchronous failures too: a user of the Transport sees only errors$.
    this.offErrors = turn.errors$.subscribe((e) => this.reportError(e));
  }

  /**
   * Lets `peer` exchange datagrams with this transport: binds a TURN channel to it (which also
   * installs the permission for its IP address), kept refreshed until close.
   */
  async permit(peer: Endpoint): Promise<void> {
    await this.turn.bindChannel(peer);
  }

  protected destinationProblem(to: Endpoint): string | undefined {
    if (to.family !== this.localAddress.family)
      return `the relayed address is ${this.localAddress.family}`;
    if (this.turn.state !== 'allocated') return `the allocation is ${this.turn.state}`;
    return this.turn.permits(to) ? undefined : 'no permission at the relay: call permit() first';
  }

  protected sinkReady(): boolean {
    const carrier = this.turn.stunClient.transport;
    if (carrier.queuedDatagrams < carrier.sendQueueLength) return true;
    if (!this.waitingForCarrier && !carrier.closed) {
      this.waitingForCarrier = true;
      carrier.writable().then(
        () => {
          this.waitingForCarrier = false;
          this.pipeline.resume();
        },
        () => {
          this.waitingForCarrier = false;
        },
      );
    }
    return false;
  }

  protected sinkWrite(data: Uint8Array, to: Endpoint): boolean {
    try {
      if (this.turn.send(data, to) === 'full') this.counters.sendFailed++;
    } catch {
      // The allocation ended (or the carrier closed) between send() and now.
      this.counters.sendFailed++;
    }
    return true;
  }

  protected async release(): Promise<void> {
    this.offData();
    this.offErrors.unsubscribe();
    await this.turn.close();
    // The carrier yields an event-loop turn after sending the deallocation; let it pass, so a
    // closed relayed transport leaves nothing of its own scheduled.
    if (this.onEventLoop) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
