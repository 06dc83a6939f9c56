import type { Clock, Endpoint } from '@elara/core';
import { BaseTransport } from './internal/base-transport.ts';
import { isIpLiteral } from './internal/ip-bytes.ts';
import { schedulerTurns } from './internal/pacer-turns.ts';
import type { SimFabric } from './internal/sim-fabric.ts';
import type { TransportLimits } from './transport-limits.ts';

/**
 * A {@link Transport} on a {@link SimNetwork}: same contract, same pacing and counters as
 * `UdpTransport`, but its datagrams travel over simulated links in virtual time. Create it with
 * `network.bind()`.
 *
 * Address families do not mix in the simulation: an IPv4 transport sends to IPv4 endpoints only,
 * an IPv6 one to IPv6 only; that, or an address that is not a literal of its family, is an
 * `InvalidDestinationError`. Pacing is per virtual instant: at most `pacing.burst` datagrams leave
 * at once, the rest later in the same instant, in order (`bytesPerSecond` spreads them in time).
 *
 * @example
 * const net = new SimNetwork({ scheduler: new VirtualScheduler(), seed: 1 });
 * const a: SimTransport = net.bind({ address: '10.0.0.1:4000', sendQueueLength: 64 });
 * const b = net.bind();
 * b.onDatagram((d) => console.log(d.data.byteLength, 'bytes from', d.from.address));
 * a.send(Uint8Array.of(0x10, 1), b.localAddress); // 'sent'
 */
export class SimTransport extends BaseTransport {
  // Destinations repeat: the literal check runs once per new address, not per datagram.
  private okAddress: string | undefined;

  /** @internal Use `SimNetwork.bind()`. */
  constructor(
    private readonly fabric: SimFabric,
    private readonly index: number,
    readonly localAddress: Endpoint,
    limits: TransportLimits,
    private readonly clock: Clock,
  ) {
    const { scheduler } = fabric;
    super({
      limits,
      scheduler,
      sinkCopies: true,
      turns: schedulerTurns(scheduler),
    });
  }

  /**
   * The network's delivery hook: hands `data` from `from` to subscribers (after the size check).
   * Tests may call it to inject a datagram that no simulated peer could send.
   */
  receive(data: Uint8Array, from: Endpoint): void {
    this.deliver(data, from, this.clock.now());
  }

  protected sinkReady(): boolean {
    return true;
  }

  protected sinkWrite(data: Uint8Array, to: Endpoint): boolean {
    this.fabric.route(this.index, data, to);
    return true;
  }

  protected destinationProblem(to: Endpoint): string | undefined {
    if (to.family !== this.localAddress.family)
      return `a simulated ${this.localAddress.family} transport cannot reach ${to.family}`;
    if (to.address !== this.okAddress) {
      if (!isIpLiteral(to.address, to.family))
        return `${to.address} is not an ${to.family} address literal`;
      // The family matched above: only an address that passed every check is remembered.
      this.okAddress = to.address;
    }
    return undefined;
  }

  protected release(): Promise<void> {
    this.fabric.detach(this.index);
    return Promise.resolve();
  }
}
