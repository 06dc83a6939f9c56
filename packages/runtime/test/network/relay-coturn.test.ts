import { startCoturn, type Coturn } from '@elara/coturn';
import { type Datagram, type Endpoint, endpointEquals } from '@elara/core';
import { type Transport, UdpTransport } from '@elara/net';
import { filter } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Node, type NodeConfig } from '../../src/index.ts';
import { contents } from '../session-views.ts';
import { until } from './loopback.ts';

let coturn: Coturn;
beforeAll(async () => {
  coturn = await startCoturn();
});
afterAll(async () => {
  await coturn.stop();
});

const nodes: Node[] = [];
const sockets: Transport[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});

const short: NodeConfig = {
  heartbeatIntervalUs: 100_000,
  peerTimeoutUs: 1_000_000,
  limits: { initiator: { retryIntervalUs: 300_000, maxAttempts: 15 } },
};

/**
 * A UDP socket that cannot exchange anything with `blocked` (a firewall between two hosts):
 * what it would send there is dropped, what comes from there is not seen. Everything else,
 * coturn included, passes.
 */
function blockingTransport(
  inner: Transport,
  blocked: readonly Endpoint[],
): Transport & { dropped: number } {
  const isBlocked = (e: Endpoint): boolean => blocked.some((b) => endpointEquals(b, e));
  const wrapper = Object.create(inner) as Transport & { dropped: number };
  wrapper.dropped = 0;
  const pass = (d: Datagram): boolean => {
    if (!isBlocked(d.from)) return true;
    wrapper.dropped++;
    return false;
  };
  Object.defineProperties(wrapper, {
    datagrams$: { value: inner.datagrams$.pipe(filter(pass)) },
    onDatagram: {
      value: (handler: (d: Datagram) => void) =>
        inner.onDatagram((d) => {
          if (pass(d)) handler(d);
        }),
    },
    send: {
      value: (data: Uint8Array, to: Endpoint) => {
        if (!isBlocked(to)) return inner.send(data, to);
        wrapper.dropped++;
        return 'sent';
      },
    },
  });
  return wrapper;
}

describe('relayed paths through a real coturn, over loopback UDP', () => {
  it('two members whose direct path is blocked join and talk through the relay', async () => {
    const bob = await Node.create(short);
    nodes.push(bob);
    const socket = await UdpTransport.create({ bind: '127.0.0.1:0' });
    sockets.push(socket);
    const blocked = blockingTransport(socket, [bob.localAddress]);
    const alice = await Node.create({
      ...short,
      transport: blocked,
      turnServers: [
        {
          server: `${coturn.host}:${coturn.port}`,
          username: coturn.username,
          password: coturn.password,
        },
      ],
    });
    nodes.push(alice);
    expect(await until(() => alice.relayedAddress !== undefined)).toBe(true);
    const room = await bob.createSession();
    const joined = await alice.joinSession(room.invite());
    expect(joined.participants.get(bob.nodeId)?.path).toEqual({
      kind: 'relayed',
      remote: bob.localAddress,
    });
    expect(room.participants.get(alice.nodeId)?.path?.remote).toEqual(alice.relayedAddress);
    room.text('general').send('can you hear me?');
    joined.text('general').send('through coturn, yes');
    expect(await until(() => contents(room).length === 2 && contents(joined).length === 2)).toBe(
      true,
    );
    expect(contents(room)).toEqual(contents(joined));
    // The direct path really is closed: what tried it was dropped.
    expect(blocked.dropped).toBeGreaterThan(0);
    expect(await until(() => joined.participants.get(bob.nodeId)?.network !== undefined)).toBe(
      true,
    );
  });
});
