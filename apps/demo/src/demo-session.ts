import { ElaraError, type NodeId } from '@elara/core';
import { HandshakeTimeoutError } from '@elara/crypto';
import type { Node, NodeConfig, Session } from '@elara/runtime';
import { DemoInterruptedError } from './demo-interrupt.ts';
import type { DemoNetwork } from './demo-network.ts';

/** One node of the demo and its view of the session. */
export interface Member {
  /** `n1`, `n2`, … (`n1` founded the session). */
  readonly name: string;
  readonly node: Node;
  readonly session: Session;
  /** Handshakes it took to join (1 for the founder and for a first-time join). */
  readonly joinAttempts: number;
}

/** A node could not join the session: `n5 could not join after 3 tries (…)`; `cause` is the last try's error. */
export class DemoJoinError extends ElaraError {
  static override readonly code: string = 'DemoJoinError';

  constructor(
    /** The node that could not join (`n5`). */
    readonly node: string,
    /** Handshakes tried. */
    readonly attempts: number,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${node} could not join after ${attempts} ${attempts === 1 ? 'try' : 'tries'} (${why})`, {
      cause,
    });
  }
}

/** Bound on one join (handshake and admission), µs of the network's time. */
const JOIN_LIMIT_US = 30_000_000;

/**
 * Joins tried per node. The handshake retries lost messages itself (five attempts, a second
 * apart), yet at 10 % loss and 100 ms jitter all five still fail for about one join in 30 to
 * 50; an application then tries again with a fresh invite, as this does.
 */
const JOINS = 3;

async function join(
  network: DemoNetwork,
  name: string,
  node: Node,
  room: Session,
): Promise<{ session: Session; attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    try {
      return {
        session: await network.settle(node.joinSession(room.invite()), JOIN_LIMIT_US),
        attempts,
      };
    } catch (error) {
      if (attempts >= JOINS || !HandshakeTimeoutError.isInstance(error))
        throw new DemoJoinError(name, attempts, error);
    }
  }
}

/**
 * Creates `count` nodes; the first founds a session and invites each other one in turn (a fresh
 * single-use invite each; a join whose handshake timed out is tried again with a new invite).
 * Every member then says it is here. If a join fails for good, the nodes made so far are
 * stopped and a {@link DemoJoinError} naming the node is thrown; once `signal` is aborted, a
 * {@link DemoInterruptedError} before the next node or join.
 */
export async function formSession(
  network: DemoNetwork,
  count: number,
  config: NodeConfig = {},
  signal?: AbortSignal,
): Promise<Member[]> {
  const nodes: Node[] = [];
  const check = (): void => {
    if (signal?.aborted === true) throw new DemoInterruptedError('while forming the session');
  };
  try {
    for (let i = 0; i < count; i++) {
      check();
      nodes.push(await network.createNode(config));
    }
    const [founder, ...others] = nodes as [Node, ...Node[]];
    const room = await founder.createSession();
    const members: Member[] = [{ name: 'n1', node: founder, session: room, joinAttempts: 1 }];
    for (const [i, node] of others.entries()) {
      check();
      const name = `n${i + 2}`;
      const { session, attempts } = await join(network, name, node, room);
      members.push({ name, node, session, joinAttempts: attempts });
    }
    for (const m of members) m.session.presence().join();
    return members;
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw error;
  }
}

/** Each member's name by NodeId, for views that show who is who. */
export function memberNames(members: readonly Member[]): ReadonlyMap<NodeId, string> {
  return new Map(members.map((m) => [m.node.nodeId, m.name]));
}
