import { startCoturn, type Coturn } from '@elara/coturn';
import { endpoint, endpointEquals } from '@elara/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { discoverNatBehaviour, natTypeProperties, StunTimeoutError } from '../../src/index.ts';
import { stunPeer, type StunPeer } from './stun-peer.ts';

let coturn: Coturn;
const peers: StunPeer[] = [];
async function peer(): Promise<StunPeer> {
  const p = await stunPeer();
  peers.push(p);
  return p;
}
beforeAll(async () => {
  coturn = await startCoturn({ alternateAddress: true });
});
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});
afterAll(() => coturn.stop());

describe('STUN against coturn', () => {
  it('discovery on the traffic socket returns the real mapped address', async () => {
    const p = await peer();
    const server = endpoint(coturn.host, coturn.port);
    const result = await p.stun.binding(server);
    // Loopback has no NAT: the server-reflexive address is the socket's own, port included.
    expect(result.mapped).toEqual(p.udp.localAddress);
    expect(endpointEquals(result.from, server)).toBe(true);
    expect(p.stun.counters).toMatchObject({ requests: 1, responses: 1, badFingerprint: 0 });
    // The same socket keeps carrying application traffic after discovery.
    const other = await peer();
    const got: number[] = [];
    other.demux.on('elara-v1', (d) => got.push(d.data.byteLength));
    p.udp.send(Uint8Array.of(0x10, 1, 2), other.udp.localAddress);
    await expect.poll(() => got).toEqual([3]);
  });

  it('RFC 5780: coturn with a second address reports mapping and filtering', async () => {
    const p = await peer();
    const server = endpoint(coturn.host, coturn.port);
    const b = await discoverNatBehaviour(p.stun, server);
    expect(b.otherAddress?.address).toBe(coturn.alternateHost);
    // The mapping tests need another IP of the server, not merely another port.
    expect(b.otherAddress?.address).not.toBe(server.address);
    expect(b.behindNat).toBe(false);
    expect(b.mapping).toBe('endpoint-independent');
    expect(b.filtering).toBe('endpoint-independent');
    expect(b.changeRequestHonoured).toEqual({ ipAndPort: true, port: true });
    expect(b.natType).toBe('NoNat');
    expect(natTypeProperties(b.natType)).toEqual({ stunTraversable: true, requiresTurn: false });
  });

  it('a socket bound to 0.0.0.0 is not behind a NAT: its mapped address is an interface address', async () => {
    const p = await stunPeer({}, { bind: '0.0.0.0:0' });
    peers.push(p);
    const server = endpoint(coturn.host, coturn.port);
    expect(p.udp.localAddress.address).toBe('0.0.0.0');
    const b = await discoverNatBehaviour(p.stun, server);
    // Seen from coturn on loopback: 127.0.0.1 and the socket's own port.
    expect(b.mapped).toEqual(endpoint('127.0.0.1', p.udp.localAddress.port));
    expect(b.behindNat).toBe(false);
    expect(b.natType).toBe('NoNat');
    // The interface list decides: without 127.0.0.1 in it, the same mapping reads as a NAT.
    const without = await discoverNatBehaviour(p.stun, server, {
      interfaceAddresses: () => ['10.255.255.1'],
    });
    expect(without.behindNat).toBe(true);
  });

  it('a server that does not answer ends in StunTimeoutError, bounded by the retransmissions', async () => {
    const p = await peer();
    const silent = await peer();
    const started = Date.now();
    const error = await p.stun.binding(silent.udp.localAddress).catch((e: unknown) => e);
    expect(StunTimeoutError.isInstance(error)).toBe(true);
    expect((error as StunTimeoutError).transmissions).toBe(4);
    expect(p.stun.counters.retransmissions).toBe(3);
    expect(p.stun.pendingCount).toBe(0);
    // 100 + 200 + 400 ms, then 4 × 100 ms: about 1.1 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });
});
