import { createSocket, type Socket } from 'node:dgram';
import { PacketClass, RepresentationProfile } from '@elara/core';
import {
  HandshakeInitiator,
  Identity,
  UnauthorizedPeerError,
  defaultCryptoProvider,
} from '@elara/crypto';
import { UdpTransport } from '@elara/net';
import { afterEach, describe, expect, it } from 'vitest';
import { Node, Rejection } from '../../src/index.ts';
import { handlesLeftSince, openHandles, until } from './loopback.ts';

const fast = { heartbeatIntervalUs: 100_000, peerTimeoutUs: 1_000_000 };
const nodes: Node[] = [];
const sockets: Socket[] = [];
async function node(config = {}): Promise<Node> {
  const n = await Node.create({ ...fast, ...config });
  nodes.push(n);
  return n;
}
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

describe('two nodes on loopback UDP, real crypto', () => {
  it('invite, join, and a measured path both ways', async () => {
    const alice = await node();
    const bob = await node();
    expect(alice.localAddress.address).toBe('127.0.0.1');
    const room = await alice.createSession();
    const joined = await bob.joinSession(room.invite());
    expect(joined.sessionId).toBe(room.sessionId);
    expect(
      await until(
        () =>
          (room.participants.get(bob.nodeId)?.network?.rttUs ?? 0) > 0 &&
          (joined.participants.get(alice.nodeId)?.network?.rttUs ?? 0) > 0,
      ),
    ).toBe(true);
    const seen = room.participants.get(bob.nodeId);
    expect(seen?.connected).toBe(true);
    expect(seen?.path).toEqual({ kind: 'direct', remote: bob.localAddress });
    expect(alice.counters().rejectedTotal).toBe(0);
    expect(bob.counters().rejectedTotal).toBe(0);
    expect(alice.counters().datagramsIn).toBeGreaterThan(4);
  });

  it('a stranger without an invite is refused by name and gets no channel', async () => {
    const alice = await node();
    const room = await alice.createSession();
    const crypto = defaultCryptoProvider();
    const stranger = Identity.generate(crypto);
    const udp = await UdpTransport.create({ bind: '127.0.0.1:0' });
    try {
      const initiator = new HandshakeInitiator({
        provider: crypto,
        identity: stranger,
        sessionId: room.sessionId,
        peer: { nodeId: alice.nodeId },
        authorize: () => true,
      });
      udp.onDatagram((d) => {
        try {
          for (const out of initiator.receive(d.data, Date.now() * 1000).send) {
            udp.send(out, alice.localAddress);
          }
        } catch {
          // The stranger's own view does not matter here: the node's counters do.
        }
      });
      udp.send(initiator.start(Date.now() * 1000), alice.localAddress);
      expect(
        await until(() => (alice.counters().rejected[UnauthorizedPeerError.code] ?? 0) > 0),
      ).toBe(true);
      expect(initiator.status).not.toBe('established');
      expect(room.participants.has(stranger.nodeId)).toBe(false);
      expect(alice.counters().peers).toBe(0);
      // Sealed frames claiming to be a member, from a channel of its own making, do not open.
      const before = alice.counters().rejectedTotal;
      const forged = new Uint8Array(80);
      forged.set([0x10, 0x20, 41, 0]);
      new DataView(forged.buffer).setBigUint64(4, room.sessionId, true);
      new DataView(forged.buffer).setBigUint64(12, stranger.nodeId, true);
      forged[20] = PacketClass.Core;
      forged[21] = RepresentationProfile.Textual;
      udp.send(forged, alice.localAddress);
      expect(await until(() => alice.counters().rejectedTotal > before)).toBe(true);
      expect(alice.counters().rejected[Rejection.UnknownPeer]).toBe(1);
    } finally {
      await udp.close();
      stranger.dispose();
    }
  });

  it('a junk flood from 64 sockets is counted datagram by datagram and survived', async () => {
    const alice = await node();
    const bob = await node();
    const room = await alice.createSession();
    const joined = await bob.joinSession(room.invite());
    for (let i = 0; i < 64; i++) {
      const s = createSocket('udp4');
      sockets.push(s);
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    }
    const before = alice.counters();
    const perSocket = 30;
    const junk = [
      new Uint8Array(0),
      Uint8Array.of(0x10),
      new Uint8Array(40).fill(0x10),
      new Uint8Array(300).fill(0xee),
      Uint8Array.of(0x10, 0x80, 30, 0, ...new Uint8Array(110)),
    ];
    for (let k = 0; k < perSocket; k++) {
      for (const s of sockets) {
        s.send(junk[k % junk.length] as Uint8Array, alice.localAddress.port, '127.0.0.1');
      }
      // Let the receiver read between bursts (libuv reads 32 datagrams per turn).
      await new Promise<void>((r) => setImmediate(r));
    }
    const sent = perSocket * sockets.length;
    // Datagrams may be lost on loopback under load; every one that arrived is rejected by name.
    expect(
      await until(() => {
        const c = alice.counters();
        return c.rejectedTotal - before.rejectedTotal >= sent * 0.9;
      }),
    ).toBe(true);
    const after = alice.counters();
    const arrivedJunk = after.datagramsIn - before.datagramsIn;
    expect(after.rejected[Rejection.UnexpectedError]).toBeUndefined();
    expect(after.rejectedTotal - before.rejectedTotal).toBeLessThanOrEqual(arrivedJunk);
    expect(after.handshakes.pending).toBe(0);
    // The session goes on: Bob keeps being heard.
    const heard = room.participants.get(bob.nodeId)?.lastSeen ?? 0;
    expect(await until(() => (room.participants.get(bob.nodeId)?.lastSeen ?? 0) > heard)).toBe(
      true,
    );
    expect(joined.participants.get(alice.nodeId)?.connected).toBe(true);
  });

  it('create, join and stop cycles leave no socket, timer or immediate behind', async () => {
    // Sockets closed by earlier tests release their handles a turn later.
    await until(() => openHandles()['UDPWrap'] === undefined, 2_000);
    const before = openHandles();
    for (let cycle = 0; cycle < 4; cycle++) {
      const alice = await Node.create(fast);
      const bob = await Node.create(fast);
      const room = await alice.createSession();
      const joined = await bob.joinSession(room.invite());
      expect(await until(() => (room.participants.get(bob.nodeId)?.network?.rttUs ?? 0) > 0)).toBe(
        true,
      );
      // The count sees the nodes' sockets: the final check would catch one left open.
      expect(handlesLeftSince(before)['UDPWrap']).toBeGreaterThan(0);
      const sub = alice.counters$.subscribe(() => undefined);
      const participants = joined.participants$.subscribe(() => undefined);
      const ac = new AbortController();
      const running = alice.run(ac.signal);
      ac.abort();
      await running;
      await Promise.all([bob.stop(), bob.stop(), alice.stop()]);
      expect(sub.closed).toBe(true);
      expect(participants.closed).toBe(true);
      expect(alice.status).toBe('stopped');
    }
    await until(() => Object.keys(handlesLeftSince(before)).length === 0, 2_000);
    expect(handlesLeftSince(before)).toEqual({});
  });
});
