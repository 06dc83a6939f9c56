import { createSocket, type Socket } from 'node:dgram';
import { HandshakeInitiator, Identity, defaultCryptoProvider, decodeInvite } from '@elara/crypto';
import { UdpTransport } from '@elara/net';
import { afterEach, describe, expect, it } from 'vitest';
import { Node, type NodeConfig, Rejection, type Session } from '../../src/index.ts';
import { handlesLeftSince, openHandles, until } from './loopback.ts';
import { contents, present, sameSnapshot } from '../session-views.ts';

/** Short timers, so nothing waits out real TTLs. */
const short: NodeConfig = {
  heartbeatIntervalUs: 100_000,
  peerTimeoutUs: 500_000,
  streams: { presence: { timeoutUs: 600_000 }, typing: { ttlUs: 300_000 } },
};
const nodes: Node[] = [];
const closers: (() => Promise<void>)[] = [];
async function node(config: NodeConfig = {}): Promise<Node> {
  const n = await Node.create({ ...short, ...config });
  nodes.push(n);
  return n;
}
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('a two-node session over loopback UDP, real crypto', () => {
  it('text with edits, reactions and deletes, presence join/leave/timeout, typing expiry; identical snapshots', async () => {
    const alice = await node();
    const bobSocket = await UdpTransport.create({ bind: '127.0.0.1:0' });
    closers.push(() => bobSocket.close());
    const bob = await node({ transport: bobSocket });
    const room = await alice.createSession();
    const joined = await bob.joinSession(room.invite());
    const a = room.text('general');
    const b = joined.text('general');

    const hello = a.send('hello');
    expect(await until(() => contents(joined).includes('hello'))).toBe(true);
    const hi = b.send('hi alice');
    const oops = b.send('oops');
    expect(await until(() => contents(room).length === 3)).toBe(true);
    a.edit(hello, 'hello, bob');
    b.react(hello, '👍');
    a.react(hi, '🎉');
    b.delete(oops);
    const settled = (s: Session): boolean => {
      const [m1, m2, m3] = s.text('general').messages();
      return (
        m1?.content === 'hello, bob' &&
        m1.reactions.length === 1 &&
        m2?.reactions.length === 1 &&
        m3?.deleted === true
      );
    };
    expect(await until(() => settled(room) && settled(joined))).toBe(true);
    expect(b.messages()).toEqual(a.messages());
    expect(a.messages()[0]?.reactions).toEqual([{ reaction: '👍', authors: [bob.nodeId] }]);

    room.presence().join();
    joined.presence().join();
    const both = [alice.nodeId, bob.nodeId].sort();
    expect(await until(() => present(room).length === 2 && present(joined).length === 2)).toBe(
      true,
    );
    expect(present(room)).toEqual(both);
    joined.presence().leave();
    expect(await until(() => present(room).length === 1)).toBe(true);
    joined.presence().join();
    expect(await until(() => present(room).length === 2)).toBe(true);

    const typing = room.typing('general');
    typing.start();
    expect(await until(() => joined.typing('general').typing().length === 1)).toBe(true);
    // The indicator expires by the field's expiry on both sides (300 ms TTL).
    expect(
      await until(
        () =>
          joined.typing('general').typing().length === 0 &&
          room.typing('general').typing().length === 0,
      ),
    ).toBe(true);

    expect(await until(() => sameSnapshot(room, joined))).toBe(true);
    expect(alice.counters().rejectedTotal).toBe(0);
    expect(bob.counters().rejectedTotal).toBe(0);

    // Bob vanishes without a word: his presence times out at Alice, and so does his channel.
    await bobSocket.close();
    expect(await until(() => present(room).length === 1)).toBe(true);
    expect(present(room)).toEqual([alice.nodeId]);
    expect(await until(() => room.participants.get(bob.nodeId)?.connected === false)).toBe(true);
  });

  it('a stranger can neither read nor inject, and a junk flood is counted and survived', async () => {
    const alice = await node();
    const bob = await node();
    const room = await alice.createSession();
    const invite = room.invite();
    const joined = await bob.joinSession(invite);
    const wire: Uint8Array[] = [];
    const taps = [alice, bob].map((n) =>
      n.transport.onDatagram((d) => {
        if (d.data[0] === 0x10 && ((d.data[1] as number) & 0x80) === 0) wire.push(d.data.slice());
      }),
    );
    const secret = 'the secret words';
    joined.text('general').send(secret);
    room.text('general').send(`${secret}, echoed`);
    expect(await until(() => contents(room).length === 2 && contents(joined).length === 2)).toBe(
      true,
    );
    // Heartbeats, acknowledgements and clock-sync exchanges too, for the replays below.
    expect(await until(() => wire.length > 6)).toBe(true);
    for (const off of taps) off();
    // Not one byte of the text crossed the wire in the clear.
    const needle = new TextEncoder().encode('secret words');
    const contains = (hay: Uint8Array): boolean =>
      hay.some((_, i) => needle.every((c, j) => hay[i + j] === c));
    expect(wire.length).toBeGreaterThan(2);
    expect(wire.some(contains)).toBe(false);

    const stranger = await UdpTransport.create({ bind: '127.0.0.1:0' });
    closers.push(() => stranger.close());
    const heard: Uint8Array[] = [];
    stranger.onDatagram((d) => heard.push(d.data.slice()));
    const crypto = defaultCryptoProvider();
    const who = Identity.generate(crypto);
    // A member-mode handshake without an invite, and another with Bob's (already redeemed) one.
    const member = new HandshakeInitiator({
      provider: crypto,
      identity: who,
      sessionId: room.sessionId,
      peer: { nodeId: alice.nodeId },
      authorize: () => true,
    });
    const reused = new HandshakeInitiator({
      provider: crypto,
      identity: who,
      invite: decodeInvite(crypto, invite, Date.now() * 1000),
    });
    const initiators = [member, reused];
    stranger.onDatagram((d) => {
      for (const i of initiators) {
        try {
          for (const out of i.receive(d.data, Date.now() * 1000).send) {
            stranger.send(out, alice.localAddress);
          }
        } catch {
          // Not for this initiator, or refused: Alice's counters tell.
        }
      }
    });
    const before = alice.counters();
    for (const i of initiators) stranger.send(i.start(Date.now() * 1000), alice.localAddress);
    // Replays of genuine frames, and the same frames moved to a fresh seq a little ahead (the
    // header is authenticated) with their ciphertext altered.
    for (const [i, frame] of wire.entries()) {
      stranger.send(frame, alice.localAddress);
      const forged = frame.slice();
      const seq = ((frame[28] as number) | ((frame[29] as number) << 8)) + 200 + i;
      forged[28] = seq & 0xff;
      forged[29] = seq >>> 8;
      forged[forged.length - 20] = (forged[forged.length - 20] as number) ^ 0x01;
      stranger.send(forged, alice.localAddress);
    }
    // Junk from 32 sockets.
    const sockets: Socket[] = [];
    for (let i = 0; i < 32; i++) {
      const s = createSocket('udp4');
      sockets.push(s);
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    }
    closers.push(() =>
      Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r())))).then(
        () => undefined,
      ),
    );
    for (let k = 0; k < 20; k++) {
      for (const s of sockets) {
        s.send(new Uint8Array(50 + k).fill(0x10 + (k % 3)), alice.localAddress.port, '127.0.0.1');
      }
      await new Promise<void>((r) => setImmediate(r));
    }
    const c = (): ReturnType<Node['counters']> => alice.counters();
    const added = (name: string): number =>
      (c().rejected[name] ?? 0) - (before.rejected[name] ?? 0);
    expect(await until(() => added('UnauthorizedPeerError') > 0)).toBe(true);
    expect(await until(() => added('InviteReusedError') > 0)).toBe(true);
    expect(await until(() => added('DuplicateFrameError') > 0)).toBe(true);
    expect(await until(() => added('AuthenticationError') > 0)).toBe(true);
    expect(c().rejected[Rejection.UnexpectedError]).toBeUndefined();
    expect(member.status).not.toBe('established');
    expect(reused.status).not.toBe('established');
    // The stranger heard handshake answers at most: never a sealed frame.
    expect(heard.every((d) => ((d[1] as number) & 0x80) !== 0)).toBe(true);
    // Nothing was injected; Bob's path did not move to the stranger's address.
    expect(contents(room)).toEqual([secret, `${secret}, echoed`]);
    expect(room.participants.has(who.nodeId)).toBe(false);
    expect(room.participants.get(bob.nodeId)?.path?.remote).toEqual(bob.localAddress);
    // And the session goes on.
    joined.text('general').send('still here');
    expect(await until(() => contents(room).includes('still here'))).toBe(true);
    who.dispose();
  });

  it('sessions with streams, started and stopped in cycles, leave no handle behind', async () => {
    await until(() => openHandles()['UDPWrap'] === undefined, 2_000);
    const before = openHandles();
    for (let cycle = 0; cycle < 3; cycle++) {
      const alice = await Node.create(short);
      const bob = await Node.create(short);
      const room = await alice.createSession();
      const joined = await bob.joinSession(room.invite());
      room.presence().join();
      joined.presence().join();
      joined.text('general').send(`cycle ${cycle}`);
      const sub = room.text('general').messages$.subscribe(() => undefined);
      expect(await until(() => contents(room).length === 1)).toBe(true);
      // The count sees the nodes' sockets: the final check would catch one left open.
      expect(handlesLeftSince(before)['UDPWrap']).toBeGreaterThan(0);
      await joined.leave();
      await Promise.all([alice.stop(), bob.stop()]);
      expect(sub.closed).toBe(true);
    }
    await until(() => Object.keys(handlesLeftSince(before)).length === 0, 2_000);
    expect(handlesLeftSince(before)).toEqual({});
  });
});
