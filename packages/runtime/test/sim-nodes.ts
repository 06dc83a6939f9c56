import type { LinkConfig } from '@elara/core/sim';
import { nativeCryptoProvider } from '@elara/crypto';
import { SimNetwork, type SimTransport } from '@elara/net';
import { simWorld, type SimWorld } from '@elara/testkit';
import { Node, type NodeConfig, type Session } from '../src/index.ts';

/** Nodes on one simulated network, in one virtual time, every random draw from one seed. */
export interface SimNodes {
  readonly world: SimWorld;
  readonly net: SimNetwork;
  /** Adds a node on a fresh simulated address. */
  add(config?: NodeConfig): Promise<Node>;
  /** The transports the nodes were given (the tests close them). */
  readonly transports: SimTransport[];
  /** Runs virtual time until `promise` settles (or `limitUs` passes) and returns its outcome. */
  settle<T>(promise: Promise<T>, limitUs?: number): Promise<Settled<T>>;
  /** Stops every node and closes the network. */
  close(): Promise<void>;
}

/** A promise's outcome, read after virtual time ran. */
export type Settled<T> =
  | { readonly status: 'fulfilled'; readonly value: T }
  | { readonly status: 'rejected'; readonly reason: unknown }
  | { readonly status: 'pending' };

export function simNodes(seed: number, link?: LinkConfig): SimNodes {
  const world = simWorld(seed);
  const net = new SimNetwork({
    scheduler: world.scheduler,
    seed,
    ...(link === undefined ? {} : { defaultLink: link }),
  });
  const nodes: Node[] = [];
  const transports: SimTransport[] = [];
  return {
    world,
    net,
    transports,
    async add(config = {}) {
      const transport = net.bind();
      transports.push(transport);
      const node = await Node.create({
        transport,
        scheduler: world.scheduler,
        crypto: nativeCryptoProvider({ random: world.rng.fork(`node ${nodes.length}`) }),
        ...config,
      });
      nodes.push(node);
      return node;
    },
    async settle<T>(promise: Promise<T>, limitUs = 60_000_000): Promise<Settled<T>> {
      let outcome: Settled<T> = { status: 'pending' };
      promise.then(
        (value) => (outcome = { status: 'fulfilled', value }),
        (reason: unknown) => (outcome = { status: 'rejected', reason }),
      );
      await world.scheduler.runUntil(() => outcome.status !== 'pending', limitUs);
      return outcome;
    },
    async close() {
      // A node with a relay says goodbye to its TURN server: virtual time runs while it does.
      let stopped = false;
      const stopping = Promise.all(nodes.map((n) => n.stop())).then(() => (stopped = true));
      await world.scheduler.runUntil(() => stopped, 10_000_000);
      await stopping;
      await Promise.all(transports.map((t) => t.close()));
      await net.close();
    },
  };
}

/** Nodes made with `configs`, in one session founded by the first, once 2 s of virtual time let the joins settle. */
export async function sessionGroup(
  sim: SimNodes,
  configs: readonly NodeConfig[],
): Promise<{ nodes: Node[]; sessions: Session[] }> {
  const nodes: Node[] = [];
  for (const c of configs) nodes.push(await sim.add(c));
  const room = await (nodes[0] as Node).createSession();
  const sessions: Session[] = [room];
  for (const node of nodes.slice(1)) {
    sessions.push(fulfilled(await sim.settle(node.joinSession(room.invite()))));
  }
  await sim.world.scheduler.advanceBy(2_000_000);
  return { nodes, sessions };
}

/** The value of a fulfilled outcome; fails the test with the reason otherwise. */
export function fulfilled<T>(s: Settled<T>): T {
  if (s.status === 'fulfilled') return s.value;
  throw new Error(
    `expected fulfilled, got ${s.status}${s.status === 'rejected' ? `: ${String(s.reason)}` : ''}`,
  );
}

/** The reason of a rejected outcome; fails the test otherwise. */
export function rejected(s: Settled<unknown>): unknown {
  if (s.status === 'rejected') return s.reason;
  throw new Error(`expected rejected, got ${s.status}`);
}
