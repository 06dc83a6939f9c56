import { type Datagram, type Endpoint, endpointEquals } from '@elara/core';
import type { SimTransport } from '@elara/net';
import type { Node, Session } from '../src/index.ts';
import type { SimNodes } from './sim-nodes.ts';

/** Puts `data` on `to`'s own socket as if it came from `from` (a forged UDP source address). */
export function deliver(sim: SimNodes, to: Node, data: Uint8Array, from: Endpoint): void {
  const d: Datagram = { data: data.slice(), from, receivedAt: sim.world.scheduler.now() };
  (to as unknown as { receive(d: Datagram, via: unknown): void }).receive(d, to.transport);
}

/** A new NAT mapping for `node`: a fresh address whose incoming datagrams reach `node`. */
export function natMapping(sim: SimNodes, node: Node): SimTransport {
  const nat = sim.net.bind();
  sim.transports.push(nat);
  nat.onDatagram((d) => deliver(sim, node, d.data, d.from));
  return nat;
}

/**
 * A genuine rebinding: `node`'s frames to `peer` leave from a new mapping, and its old address
 * can no longer reach `peer`. Returns the mapping.
 */
export function rebind(sim: SimNodes, node: Node, peer: Node): SimTransport {
  const nat = natMapping(sim, node);
  const send = node.transport.send.bind(node.transport);
  node.transport.send = (bytes: Uint8Array, to: Endpoint) =>
    endpointEquals(to, peer.localAddress) ? nat.send(bytes, to) : send(bytes, to);
  sim.net.partition([peer.localAddress], [node.localAddress]);
  return nat;
}

/** Whether `session` sends to `node` at `address` now. */
export function reachesAt(session: Session, node: Node, address: Endpoint): boolean {
  return endpointEquals(
    session.participants.get(node.nodeId)?.path?.remote ?? node.localAddress,
    address,
  );
}
