import {
  type Datagram,
  type Endpoint,
  type RandomSource,
  type Scheduler,
  endpointKey,
} from '@elara/core';
import {
  type Demultiplexer,
  RelayedTransport,
  StunClient,
  type Transport,
  TurnClient,
  resolveStunServer,
} from '@elara/net';
import type { TurnServerConfig } from '../node-config.ts';

/** What a {@link NodeRelay} is built from. */
export interface NodeRelayOptions {
  /** The node's own socket: TURN runs on it, beside the Elara frames. */
  readonly transport: Transport;
  readonly demux: Demultiplexer;
  readonly scheduler: Scheduler;
  readonly random: RandomSource;
  /**
   * Most peers the relay is ever asked for permissions (channels) over the allocation's life
   * (`limits.relayPermissions`): permissions are not released.
   */
  readonly maxPermissions: number;
  /** Tried in order until one allocates. */
  readonly servers: readonly TurnServerConfig[];
  /** Pace the relayed transport on the scheduler (virtual time) rather than the event loop. */
  readonly onScheduler: boolean;
  /** Each datagram a peer sent us through the relay. */
  readonly receive: (d: Datagram, via: Transport) => void;
  /** Failures (allocation refused, relay ended), for `node.errors$`. */
  readonly report: (error: unknown) => void;
}

/**
 * The node's relayed path (TURN, net part 2): a `StunClient` and a `TurnClient` on the node's
 * own socket, and once an allocation is made, a `RelayedTransport` through it. A peer the node
 * cannot reach directly is reached through the relay: each address is given a permission (a
 * TURN channel) the first time it is wanted, and handshakes that found no answer directly try
 * the relay too (see `Node`). Bounded: at most `maxPermissions` permissions over the allocation's
 * life (never released: a lifetime count).
 */
export class NodeRelay {
  private readonly stun: StunClient;
  private relayed: RelayedTransport | undefined;
  private readonly permits = new Map<string, boolean>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(private readonly options: NodeRelayOptions) {
    this.stun = new StunClient({
      transport: options.transport,
      demux: options.demux,
      scheduler: options.scheduler,
      random: options.random,
      answerBindingRequests: true,
    });
  }

  /** The relayed transport once allocated. */
  get transport(): Transport | undefined {
    return this.relayed;
  }

  /** The address the relay gave us (peers reach us there), once allocated. */
  get relayedAddress(): Endpoint | undefined {
    return this.relayed?.localAddress;
  }

  /** Allocates on the first server that answers; failures are reported, never thrown. */
  async start(): Promise<void> {
    for (const server of this.options.servers) {
      if (this.closed) return;
      try {
        const turn = await TurnClient.allocate({
          stun: this.stun,
          demux: this.options.demux,
          server: await resolveStunServer(server.server),
          username: server.username,
          password: server.password,
          signal: this.abort.signal,
        });
        if (this.closed) {
          await turn.close();
          return;
        }
        const relayed = new RelayedTransport({
          turn,
          ...(this.options.onScheduler ? { yieldTo: 'scheduler' as const } : {}),
        });
        relayed.onDatagram((d) => this.options.receive(d, relayed));
        relayed.errors$.subscribe({ next: (e) => this.options.report(e) });
        this.relayed = relayed;
        return;
      } catch (e) {
        if (!this.closed) this.options.report(e);
      }
    }
  }

  /**
   * The relayed transport if `peer` may be reached through it now; otherwise undefined, and a
   * permission for `peer` is asked for (so a later attempt can use it).
   */
  reach(peer: Endpoint): Transport | undefined {
    const relayed = this.relayed;
    if (relayed === undefined || relayed.closed) return undefined;
    const key = endpointKey(peer);
    const state = this.permits.get(key);
    if (state === true) return relayed;
    if (state === undefined && this.permits.size < this.options.maxPermissions) {
      this.permits.set(key, false);
      relayed.permit(peer).then(
        () => this.permits.set(key, true),
        (e: unknown) => {
          this.permits.delete(key);
          if (!this.closed) this.options.report(e);
        },
      );
    }
    return undefined;
  }

  /** Releases the allocation and the STUN client (the socket stays the node's). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    try {
      await this.relayed?.close();
    } catch (e) {
      this.options.report(e);
    }
    this.stun.close();
  }
}
