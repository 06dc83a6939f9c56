import type { Endpoint, NodeId } from '@elara/core';
import type { Transport } from '@elara/net';
import { describe, expect, it } from 'vitest';
import { DirectPathProbes } from '../src/internal/direct-path-probes.ts';
import type { PeerLink } from '../src/peer-link.ts';

const peerAt: Endpoint = { family: 'IPv4', address: '192.0.2.7', port: 4000 };
const elsewhere: Endpoint = { family: 'IPv4', address: '192.0.2.9', port: 4000 };
const socket = { name: 'socket' } as unknown as Transport;

/** A relayed channel to peer 7, as much of one as the probes read. */
function relayedLink(): PeerLink {
  const link = {
    nodeId: 7n as NodeId,
    remote: peerAt,
    relayed: true,
    via: { name: 'relay' } as unknown as Transport,
    useDirect(t: Transport) {
      link.via = t;
      link.relayed = false;
    },
  };
  return link as unknown as PeerLink;
}

function probes(intervalUs: number, ceilingUs = 4 * intervalUs) {
  const sent: number[] = [];
  const p = new DirectPathProbes({
    direct: socket,
    intervalUs,
    ceilingUs,
    windowUs: 100,
    probe: (_link, now) => sent.push(now),
  });
  return { p, sent };
}

describe('DirectPathProbes', () => {
  it('probes a relayed channel after the interval, then twice as long each time up to the ceiling', () => {
    const { p, sent } = probes(1_000);
    const link = relayedLink();
    const links = new Map([[link.nodeId, link]]);
    for (let now = 0; now <= 20_000; now += 100) p.tick(now, links);
    expect(sent).toEqual([1_000, 3_000, 7_000, 11_000, 15_000, 19_000]);
    expect(p.size).toBe(1);
  });

  it('switches only on a direct frame from the probed address within the window', () => {
    const { p } = probes(1_000);
    const link = relayedLink();
    const links = new Map([[link.nodeId, link]]);
    p.tick(0, links);
    // Before any probe, through the relay, from elsewhere, or after the window: nothing.
    expect(p.heard(link, true, peerAt, 500)).toBe(false);
    p.tick(1_000, links);
    expect(p.heard(link, false, peerAt, 1_050)).toBe(false);
    expect(p.heard(link, true, elsewhere, 1_050)).toBe(false);
    expect(p.heard(link, true, peerAt, 1_101)).toBe(false);
    expect(link.relayed).toBe(true);
    p.tick(3_000, links);
    expect(p.heard(link, true, peerAt, 3_050)).toBe(true);
    expect(link.relayed).toBe(false);
    expect(link.via).toBe(socket);
    p.tick(3_100, links);
    expect(p.size).toBe(0);
  });

  it('never probes with an interval of 0, and forgets a peer that left', () => {
    const off = probes(0, 0);
    const link = relayedLink();
    const links = new Map([[link.nodeId, link]]);
    for (let now = 0; now <= 100_000; now += 1_000) off.p.tick(now, links);
    expect(off.sent).toEqual([]);
    const on = probes(1_000);
    on.p.tick(0, links);
    on.p.forget(link.nodeId);
    expect(on.p.size).toBe(0);
  });
});
