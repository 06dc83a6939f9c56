import type { Clock, Endpoint } from '@elara/core';
import { BaseTransport } from './internal/base-transport.ts';
import type { SimFabric } from './internal/sim-fabric.ts';
import type { TransportLimits } from './transport-limits.ts';

/**
 * A {@link Transport} on a {@link SimNetwork}: same contract, same pacing and counters as
 * `UdpTransport`, but its datagrams travel over simulated links in virtual time. Create it with
 * `network.bind()`.
 *
 * Address families do not mix in the simulation: an IPv4 transport sends to IPv4 endpoints only,
 * an IPv6 one to IPv6 only (anything else is an `InvalidDestinationError`).
 */
export class SimTransport extends BaseTransport {
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
      yieldTurn: (fn) => scheduler.at(scheduler.now(), fn),
      turnStamp: () => scheduler.now(),
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
    return to.family === this.localAddress.family
      ? undefined
      : `a simulated ${this.localAddress.family} transport cannot reach ${to.family}`;
  }

  protected release(): Promise<void> {
    this.fabric.detach(this.index);
    return Promise.resolve();
  }
}
