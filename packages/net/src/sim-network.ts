import {
  endpoint,
  formatEndpoint,
  OutOfRangeError,
  type Clock,
  type Endpoint,
  type Scheduler,
} from '@elara/core';
import { LinkModel, Prng, type LinkConfig, type LinkStats } from '@elara/core/sim';
import { bindEndpoint } from './internal/bind-address.ts';
import { isIpLiteral } from './internal/ip-bytes.ts';
import type { SimFabric } from './internal/sim-fabric.ts';
import { BindError } from './net-errors.ts';
import { SimTransport } from './sim-transport.ts';
import { resolveTransportLimits, type TransportLimitOptions } from './transport-limits.ts';

/**
 * Why the simulated network dropped a datagram (in a {@link SimTraceEvent}).
 *
 * @example
 * const losses = trace.filter((e) => e.type === 'drop' && e.reason === 'loss').length;
 */
export type SimDropReason =
  /** The link's loss model (random or burst) lost it. */
  | 'loss'
  /** The link's bandwidth queue was full (tail drop). */
  | 'queue'
  /** A partition separates sender and receiver (at sending or at arrival). */
  | 'partition'
  /** Nothing is bound at the destination. */
  | 'no-route'
  /** The receiver closed while it was in flight. */
  | 'closed'
  /** `maxInFlight` datagrams were already in flight. */
  | 'overflow';

/**
 * One step of a simulation, for traces (`onTrace`): replaying a seed gives the same trace.
 *
 * @example
 * const trace: SimTraceEvent[] = [];
 * const net = new SimNetwork({ scheduler, seed: 7, onTrace: (e) => trace.push(e) });
 * // ... run, then compare with another run's trace to prove a bug replays
 */
export interface SimTraceEvent {
  readonly type: 'send' | 'deliver' | 'drop';
  /** Virtual time, µs. */
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly size: number;
  readonly reason?: SimDropReason;
}

/**
 * Network-wide counters of a {@link SimNetwork}. They always balance:
 *
 * ```text
 * sent + duplicated = delivered + lost + queueDropped + partitioned + noRoute
 *                     + undeliverable + overflow + inFlight
 * ```
 *
 * @example
 * const { sent, delivered, lost } = net.stats;
 */
export interface SimNetworkStats {
  /** Datagrams handed to the network by transports. */
  sent: number;
  /** Copies delivered to a receiving transport (duplicates count twice). */
  delivered: number;
  /** Extra copies made by links' duplication. */
  duplicated: number;
  /** Lost by a link's loss model. */
  lost: number;
  /** Tail-dropped by a link's bandwidth queue. */
  queueDropped: number;
  /** Dropped by a partition, at sending or at arrival. */
  partitioned: number;
  /** Sent to an address where nothing is bound. */
  noRoute: number;
  /** Arrived at a transport that closed meanwhile. */
  undeliverable: number;
  /** Refused because `maxInFlight` copies were in flight. */
  overflow: number;
  /** Copies scheduled for delivery right now. */
  inFlight: number;
}

/**
 * Default bound on datagrams in flight across a {@link SimNetwork}: 65 536 copies, at most
 * ~100 MB with datagrams of the largest budget (1460 B, plus a timer each). Far above what a
 * hundred chatty nodes keep in flight; raise it (`maxInFlight`) for bigger simulations.
 */
export const DEFAULT_SIM_MAX_IN_FLIGHT = 65_536;

/**
 * Options of a {@link SimNetwork}.
 *
 * @example
 * const options: SimNetworkOptions = {
 *   scheduler: new VirtualScheduler(),
 *   seed: 42,
 *   defaultLink: { latencyUs: 30_000, loss: { model: 'random', p: 0.01 } },
 *   maxInFlight: 10_000,
 * };
 * const net = new SimNetwork(options);
 */
export interface SimNetworkOptions {
  /** Virtual time (usually a `VirtualScheduler`); every delivery is a timer on it. */
  readonly scheduler: Scheduler;
  /** Every random draw of every link derives from this seed. */
  readonly seed: number;
  /** Parameters of links without their own (`setLink`/`setPath`). Default: 1 ms, nothing else. */
  readonly defaultLink?: LinkConfig;
  /**
   * Bound on datagram copies in flight across the network (each holds its bytes until it
   * arrives); beyond it they drop, counted as `overflow`. An integer ≥ 1. Default
   * {@link DEFAULT_SIM_MAX_IN_FLIGHT} (65 536, at most ~100 MB).
   */
  readonly maxInFlight?: number;
  /** Bound on transports bound over the network's life, an integer ≥ 1. Default 65 536. */
  readonly maxTransports?: number;
  /** Receives every send, delivery and drop (off by default: it costs an object per event). */
  readonly onTrace?: (event: SimTraceEvent) => void;
}

/**
 * Options of {@link SimNetwork.bind}: an address, a clock, and the same limits as UDP.
 *
 * @example
 * const phone = net.bind({
 *   address: '[fd00::2]:0', // port 0: an ephemeral port
 *   clock: skewedClock(scheduler, { offsetUs: 250_000, skewPpm: 40 }),
 *   pacing: { bytesPerSecond: 250_000 },
 * });
 */
export interface SimTransportOptions extends TransportLimitOptions {
  /**
   * Address to bind (port 0: an ephemeral port): text such as `10.0.0.1:4000` or
   * `[fd00::1]:4000`, or an `Endpoint` whose address is a literal of its family and whose port
   * is in 0..65535. Default: the next free `10.x.y.z:4000`.
   */
  readonly address?: Endpoint | string;
  /** The node's own clock for `receivedAt` (e.g. a `skewedClock`). Default: the scheduler. */
  readonly clock?: Clock;
}

interface SimNode {
  readonly transport: SimTransport;
  readonly index: number;
  readonly key: string;
  readonly links: Map<number, LinkModel>;
  group: number | undefined;
  closed: boolean;
}

const DEFAULT_LINK: LinkConfig = { latencyUs: 1_000 };

function atLeastOne(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new OutOfRangeError(`${name} must be an integer ≥ 1, got ${value}`);
  return value;
}

/**
 * A deterministic simulated network: transports bound on it implement the same {@link Transport}
 * as `UdpTransport`, and their datagrams cross per-direction links of `@elara/core/sim`'s
 * `LinkModel` (latency, jitter, random and Gilbert-Elliott burst loss, reordering, duplication,
 * bandwidth caps with queueing) in virtual time, plus partitions and heals. One seed gives one run:
 * each link draws from its own stream, derived from the seed and the link's two addresses.
 *
 * Everything is synchronous on the scheduler, so `VirtualScheduler.advanceBySync()` runs hundreds
 * of nodes much faster than real time; `advanceBy()`/`runUntil()` also drain promise continuations
 * (for async application code) between deliveries.
 *
 * @example
 * const scheduler = new VirtualScheduler();
 * const net = new SimNetwork({ scheduler, seed: 42, defaultLink: { latencyUs: 20_000,
 *   jitter: { distribution: 'exponential', meanUs: 5_000 }, loss: { model: 'random', p: 0.05 } } });
 * const alice = net.bind();
 * const bob = net.bind();
 * bob.datagrams$.subscribe((d) => console.log('bob got', d.data.byteLength, 'bytes at', d.receivedAt));
 * alice.send(Uint8Array.of(0x10, 1, 2, 3), bob.localAddress);
 * net.partition([alice.localAddress], [bob.localAddress]); // nothing crosses now
 * net.heal();
 * await scheduler.advanceBy(1_000_000);
 */
export class SimNetwork {
  /** Network-wide counters (live; spread for a snapshot). */
  readonly stats: SimNetworkStats = {
    sent: 0,
    delivered: 0,
    duplicated: 0,
    lost: 0,
    queueDropped: 0,
    partitioned: 0,
    noRoute: 0,
    undeliverable: 0,
    overflow: 0,
    inFlight: 0,
  };
  private readonly scheduler: Scheduler;
  private readonly rng: Prng;
  private readonly maxInFlight: number;
  private readonly maxTransports: number;
  private readonly onTrace: ((event: SimTraceEvent) => void) | undefined;
  private defaultLink: LinkConfig;
  private readonly nodes: SimNode[] = [];
  private readonly byKey = new Map<string, SimNode>();
  // Transports usually address each other with the very Endpoint objects the network handed out
  // (`localAddress`, `datagram.from`), so identity finds most destinations without a string key.
  private readonly byEndpoint = new WeakMap<Endpoint, SimNode>();
  private readonly overrides = new Map<string, LinkConfig>();
  private readonly groups = new Map<string, number>();
  private nextHost = 1;
  private nextPort = 49_152;
  private readonly fabric: SimFabric;

  constructor(options: SimNetworkOptions) {
    this.scheduler = options.scheduler;
    this.rng = new Prng(options.seed);
    this.defaultLink = options.defaultLink ?? DEFAULT_LINK;
    this.maxInFlight = atLeastOne('maxInFlight', options.maxInFlight ?? DEFAULT_SIM_MAX_IN_FLIGHT);
    this.maxTransports = atLeastOne('maxTransports', options.maxTransports ?? 65_536);
    this.onTrace = options.onTrace;
    this.fabric = {
      scheduler: this.scheduler,
      route: (source, data, to) => this.route(source, data, to),
      detach: (source) => this.detach(source),
    };
  }

  /**
   * Binds a new transport. Throws `BindError` when the address is taken, `maxTransports` were
   * bound, or an `Endpoint` given is not a literal of its family; `ParseError` for address text
   * that is not `ip:port`; `OutOfRangeError` for a port or limit out of range.
   *
   * @example
   * const server = net.bind({ address: '10.0.0.1:4000' });
   * const phone = net.bind({ address: '[fd00::2]:0', maxDatagramSize: 1400 });
   */
  bind(options: SimTransportOptions = {}): SimTransport {
    const limits = resolveTransportLimits(options);
    if (this.nodes.length >= this.maxTransports)
      throw new BindError(`${this.maxTransports} transports bound already`, 'EMFILE', undefined);
    let address = this.pickAddress(options.address);
    if (address.port === 0) address = endpoint(address.address, this.ephemeralPort(address));
    const key = formatEndpoint(address);
    if (this.byKey.has(key)) throw new BindError(`${key} is in use`, 'EADDRINUSE', address);
    const index = this.nodes.length;
    const transport = new SimTransport(
      this.fabric,
      index,
      address,
      limits,
      options.clock ?? this.scheduler,
    );
    const node: SimNode = {
      index,
      transport,
      key,
      links: new Map(),
      group: this.groups.get(key),
      closed: false,
    };
    this.nodes.push(node);
    this.byKey.set(key, node);
    this.byEndpoint.set(transport.localAddress, node);
    return transport;
  }

  /**
   * Sets the link from `from` to `to` (one direction); takes effect at once, also for addresses
   * bound later. The link's loss state and queue carry over.
   */
  setLink(from: Endpoint, to: Endpoint, config: LinkConfig): void {
    const fromKey = formatEndpoint(from);
    const toKey = formatEndpoint(to);
    this.overrides.set(`${fromKey}>${toKey}`, config);
    const a = this.byKey.get(fromKey);
    const b = this.byKey.get(toKey);
    if (a !== undefined && b !== undefined) a.links.get(b.index)?.reconfigure(config);
  }

  /** Sets both directions between `a` and `b` (`reverse` for an asymmetric path). */
  setPath(a: Endpoint, b: Endpoint, config: LinkConfig, reverse: LinkConfig = config): void {
    this.setLink(a, b, config);
    this.setLink(b, a, reverse);
  }

  /** Replaces the default link: links without their own parameters change at once (chaos on/off). */
  setDefaultLink(config: LinkConfig): void {
    this.defaultLink = config;
    for (const node of this.nodes)
      for (const [dst, link] of node.links) {
        const peer = this.nodes[dst] as SimNode;
        if (!this.overrides.has(`${node.key}>${peer.key}`)) link.reconfigure(config);
      }
  }

  /**
   * Splits the network: datagrams between endpoints of different groups are dropped, at sending
   * and at arrival (so nothing in flight crosses either). Endpoints in no group reach everyone.
   * Replaces any previous partition.
   *
   * @example
   * net.partition([a.localAddress, b.localAddress], [c.localAddress]);
   */
  partition(...groups: readonly (readonly Endpoint[])[]): void {
    this.groups.clear();
    groups.forEach((group, i) => {
      for (const e of group) this.groups.set(formatEndpoint(e), i);
    });
    for (const node of this.nodes) node.group = this.groups.get(node.key);
  }

  /** Removes every partition. */
  heal(): void {
    this.groups.clear();
    for (const node of this.nodes) node.group = undefined;
  }

  /** True when a partition separates `a` and `b`. */
  isPartitioned(a: Endpoint, b: Endpoint): boolean {
    const ga = this.groups.get(formatEndpoint(a));
    const gb = this.groups.get(formatEndpoint(b));
    return ga !== undefined && gb !== undefined && ga !== gb;
  }

  /** The core link model's counters for one direction, once it carried traffic. */
  linkStats(from: Endpoint, to: Endpoint): Readonly<LinkStats> | undefined {
    const a = this.byKey.get(formatEndpoint(from));
    const b = this.byKey.get(formatEndpoint(to));
    return a === undefined || b === undefined ? undefined : a.links.get(b.index)?.stats;
  }

  /** Closes every transport bound on this network. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.transport.close()));
  }

  private pickAddress(requested: Endpoint | string | undefined): Endpoint {
    if (requested !== undefined) return bindEndpoint(requested, 'bind', isIpLiteral);
    for (;;) {
      const n = this.nextHost++;
      const e = endpoint(`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, 4000);
      if (!this.byKey.has(formatEndpoint(e))) return e;
    }
  }

  private ephemeralPort(address: Endpoint): number {
    for (let tries = 0; tries < 16_384; tries++) {
      const port = this.nextPort;
      this.nextPort = port === 65_535 ? 49_152 : port + 1;
      if (!this.byKey.has(formatEndpoint(endpoint(address.address, port)))) return port;
    }
    throw new BindError(`no free port on ${address.address}`, 'EADDRINUSE', address);
  }

  private resolve(to: Endpoint): SimNode | undefined {
    const known = this.byEndpoint.get(to);
    if (known !== undefined && !known.closed) return known;
    const node = this.byKey.get(formatEndpoint(to));
    if (node !== undefined) this.byEndpoint.set(to, node);
    return node;
  }

  private link(src: SimNode, dst: SimNode): LinkModel {
    const index = dst.index;
    let link = src.links.get(index);
    if (link === undefined) {
      const pair = `${src.key}>${dst.key}`;
      link = new LinkModel(this.overrides.get(pair) ?? this.defaultLink, this.rng.fork(pair));
      src.links.set(index, link);
    }
    return link;
  }

  private route(source: number, data: Uint8Array, to: Endpoint): void {
    const s = this.stats;
    const src = this.nodes[source] as SimNode;
    const now = this.scheduler.now();
    const size = data.byteLength;
    s.sent++;
    const dst = this.resolve(to);
    if (this.onTrace !== undefined)
      this.trace('send', now, src.key, dst?.key ?? formatEndpoint(to), size);
    if (dst === undefined) {
      s.noRoute++;
      this.drop(now, src.key, formatEndpoint(to), size, 'no-route');
      return;
    }
    if (src.group !== undefined && dst.group !== undefined && src.group !== dst.group) {
      s.partitioned++;
      this.drop(now, src.key, dst.key, size, 'partition');
      return;
    }
    if (s.inFlight >= this.maxInFlight) {
      s.overflow++;
      this.drop(now, src.key, dst.key, size, 'overflow');
      return;
    }
    const link = this.link(src, dst);
    const lostBefore = link.stats.lost;
    const arrivals = link.transmit(now, size);
    if (arrivals.length === 0) {
      const reason = link.stats.lost > lostBefore ? 'loss' : 'queue';
      if (reason === 'loss') s.lost++;
      else s.queueDropped++;
      this.drop(now, src.key, dst.key, size, reason);
      return;
    }
    if (arrivals.length > 1) s.duplicated += arrivals.length - 1;
    const dstIndex = dst.index;
    for (const t of arrivals) {
      // Each copy is its own: a receiver may decrypt in place.
      const copy = data.slice();
      s.inFlight++;
      this.scheduler.at(t, () => this.arrive(source, dstIndex, copy));
    }
  }

  private arrive(source: number, target: number, data: Uint8Array): void {
    const s = this.stats;
    s.inFlight--;
    const src = this.nodes[source] as SimNode;
    const dst = this.nodes[target] as SimNode;
    const now = this.scheduler.now();
    if (src.group !== undefined && dst.group !== undefined && src.group !== dst.group) {
      s.partitioned++;
      this.drop(now, src.key, dst.key, data.byteLength, 'partition');
      return;
    }
    if (dst.closed) {
      s.undeliverable++;
      this.drop(now, src.key, dst.key, data.byteLength, 'closed');
      return;
    }
    s.delivered++;
    if (this.onTrace !== undefined) this.trace('deliver', now, src.key, dst.key, data.byteLength);
    dst.transport.receive(data, src.transport.localAddress);
  }

  private detach(source: number): void {
    const node = this.nodes[source] as SimNode;
    node.closed = true;
    if (this.byKey.get(node.key) === node) this.byKey.delete(node.key);
  }

  private drop(at: number, from: string, to: string, size: number, reason: SimDropReason): void {
    if (this.onTrace !== undefined) this.onTrace({ type: 'drop', at, from, to, size, reason });
  }

  private trace(
    type: 'send' | 'deliver',
    at: number,
    from: string,
    to: string,
    size: number,
  ): void {
    this.onTrace?.({ type, at, from, to, size });
  }
}
