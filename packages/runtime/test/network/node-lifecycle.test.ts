import { endpoint } from '@elara/core';
import { UnexpectedHandshakeMessageError } from '@elara/crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Node, Rejection } from '../../src/index.ts';
import { openHandles, until } from './loopback.ts';

const nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

describe('a node on loopback UDP, real crypto', () => {
  it('Node.create() with no argument binds loopback and joins', async () => {
    const alice = await Node.create();
    const bob = await Node.create();
    nodes.push(alice, bob);
    expect(alice.localAddress.address).toBe('127.0.0.1');
    expect(alice.localAddress.port).toBeGreaterThan(0);
    const room = await alice.createSession();
    const joined = await bob.joinSession(room.invite());
    room.text('general').send('hello');
    expect(await until(() => joined.text('general').messages().length === 1)).toBe(true);
    expect(joined.text('general').messages()[0]?.content).toBe('hello');
    expect(joined.participants.size).toBe(2);
  });

  it('a socket that fails to close still leaves the node stopped, run() resolved, observables complete', async () => {
    // Sockets closed by earlier tests release their handles a turn later.
    await until(() => openHandles()['UDPWrap'] === undefined, 2_000);
    const before = openHandles();
    const node = await Node.create();
    expect(openHandles()['UDPWrap'] ?? 0).toBeGreaterThan(before['UDPWrap'] ?? 0);
    const transport = node.transport as { close: () => Promise<void> };
    const close = transport.close.bind(transport);
    transport.close = async () => {
      await close();
      throw new Error('the socket refused to close');
    };
    const errors: string[] = [];
    let completed = 0;
    node.errors$.subscribe({ next: (e) => errors.push(e.message), complete: () => completed++ });
    node.counters$.subscribe({ complete: () => completed++ });
    const running = node.run();
    await node.stop();
    await running;
    expect(node.status).toBe('stopped');
    expect(errors).toEqual(['the socket refused to close']);
    expect(completed).toBe(2);
    // Its socket is gone all the same.
    expect(await until(() => (openHandles()['UDPWrap'] ?? 0) <= (before['UDPWrap'] ?? 0))).toBe(
      true,
    );
  });

  it('a wildcard-bound inviter answers each copy of the Init: the joiner counts duplicates, not errors', async () => {
    const alice = await Node.create({ bindAddr: '0.0.0.0:0' });
    const bob = await Node.create();
    nodes.push(alice, bob);
    const room = await alice.createSession();
    // Two of the inviter's own addresses (all of 127/8 is loopback): Bob's Init goes to both.
    const port = alice.localAddress.port;
    const invite = room.invite({
      addresses: [endpoint('127.0.0.1', port), endpoint('127.0.0.2', port)],
    });
    await bob.joinSession(invite);
    const rejected = bob.counters().rejected;
    expect(rejected[UnexpectedHandshakeMessageError.code]).toBeUndefined();
    expect(rejected[Rejection.DuplicateHandshakeAnswer]).toBe(1);
    expect(bob.counters().rejectedTotal).toBe(1);
    expect(alice.counters().rejectedTotal).toBe(0);
  });
});
