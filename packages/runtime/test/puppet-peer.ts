import { type Datagram, type Endpoint, PacketClass, RepresentationProfile } from '@elara/core';
import {
  HandshakeInitiator,
  Identity,
  SecureChannel,
  decodeInvite,
  isHandshakeDatagram,
  nativeCryptoProvider,
} from '@elara/crypto';
import type { SimTransport } from '@elara/net';
import type { Node, NodeConfig, Session } from '../src/index.ts';
import type { SimNodes } from './sim-nodes.ts';

/**
 * A session member driven by the test: it joins with a real invite and handshake, then holds a
 * genuine channel with the node, so it can send any plaintext sealed (the bad input a faulty or
 * hostile member could send) and see what the node sends it.
 */
export interface PuppetPeer {
  readonly identity: Identity;
  readonly transport: SimTransport;
  readonly channel: SecureChannel;
  /** Sealed datagrams received from the node (copies), opened with the channel. */
  readonly received: Uint8Array[];
  /** Seals `plaintext` and sends it to the node; returns the datagram sent. */
  send(plaintext: Uint8Array, packetClass?: PacketClass): Uint8Array;
  /** Sends raw bytes to the node. */
  sendRaw(bytes: Uint8Array): void;
}

export async function puppetJoin(sim: SimNodes, node: Node, session: Session): Promise<PuppetPeer> {
  const crypto = nativeCryptoProvider({ random: sim.world.rng.fork('puppet') });
  const identity = Identity.generate(crypto);
  const transport = sim.net.bind();
  sim.transports.push(transport);
  const scheduler = sim.world.scheduler;
  const invite = decodeInvite(crypto, session.invite(), scheduler.now());
  const initiator = new HandshakeInitiator({ provider: crypto, identity, invite });
  const target: Endpoint = node.localAddress;
  let channel: SecureChannel | undefined;
  const received: Uint8Array[] = [];
  transport.onDatagram((d: Datagram) => {
    if (isHandshakeDatagram(d.data)) {
      const step = initiator.receive(d.data, scheduler.now());
      for (const out of step.send) transport.send(out, target);
      if (step.result !== undefined) channel = new SecureChannel(crypto, step.result);
    } else if (channel !== undefined) {
      received.push(channel.open(d.data).plaintext.slice());
    }
  });
  transport.send(initiator.start(scheduler.now()), target);
  await scheduler.runUntil(() => channel !== undefined, 10_000_000);
  if (channel === undefined) throw new Error('puppet: handshake did not complete');
  const open = channel;
  return {
    identity,
    transport,
    channel: open,
    received,
    send(plaintext, packetClass = PacketClass.Core) {
      const bytes = open.seal({
        packetClass,
        profile: RepresentationProfile.Textual,
        timeHint: 0,
        payload: plaintext,
      });
      transport.send(bytes, target);
      return bytes;
    },
    sendRaw(bytes) {
      transport.send(bytes, target);
    },
  };
}

/** A node, a session of its own, and a puppet member of it. */
export interface NodeWithPuppet {
  readonly alice: Node;
  readonly room: Session;
  readonly puppet: PuppetPeer;
}

/**
 * A node (a 200 ms heartbeat, peers timed out after 1 s, then `config`) with a session of its own,
 * `prepare`d before a puppet joins it; returns once the puppet has the node's admission entry.
 */
export async function nodeWithPuppet(
  sim: SimNodes,
  config: NodeConfig = {},
  prepare: (room: Session) => void = () => {},
): Promise<NodeWithPuppet> {
  const alice = await sim.add({
    heartbeatIntervalUs: 200_000,
    peerTimeoutUs: 1_000_000,
    ...config,
  });
  const room = await alice.createSession();
  prepare(room);
  const puppet = await puppetJoin(sim, alice, room);
  await sim.world.scheduler.advanceBy(500_000);
  return { alice, room, puppet };
}
