import type { NodeId } from '@elara/core';
import { HandshakeTimeoutError } from '@elara/crypto';
import type { Node, NodeConfig, Session } from '@elara/runtime';
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

/** Bound on one join (handshake and admission), µs of the network's time. */
const JOIN_LIMIT_US = 30_000_000;

/**
 * Joins tried per node. The handshake retries lost messages itself (five attempts, a second
 * apart); at 10 % loss all five still fail about once in two hundred joins, and an application
 * then tries again with a fresh invite, as this does.
 */
const JOINS = 3;

async function join(
  network: DemoNetwork,
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
      if (attempts >= JOINS || !HandshakeTimeoutError.isInstance(error)) throw error;
    }
  }
}

/**
 * Creates `count` nodes; the first founds a session and invites each other one in turn (a fresh
 * single-use invite each; a join whose handshake timed out is tried again with a new invite).
 * Every member then says it is here. If a join fails for good, the nodes made so far are
 * stopped and the join's named error is thrown.
 */
export async function formSession(
  network: DemoNetwork,
  count: number,
  config: NodeConfig = {},
): Promise<Member[]> {
  const nodes: Node[] = [];
  try {
    for (let i = 0; i < count; i++) nodes.push(await network.createNode(config));
    const [founder, ...others] = nodes as [Node, ...Node[]];
    const room = await founder.createSession();
    const members: Member[] = [{ name: 'n1', node: founder, session: room, joinAttempts: 1 }];
    for (const [i, node] of others.entries()) {
      const { session, attempts } = await join(network, node, room);
      members.push({ name: `n${i + 2}`, node, session, joinAttempts: attempts });
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
