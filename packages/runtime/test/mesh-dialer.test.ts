import { type Endpoint, type NodeId, nodeId } from '@elara/core';
import type { Member } from '@elara/state';
import { describe, expect, it } from 'vitest';
import { MeshDialer } from '../src/internal/mesh-dialer.ts';
import type { PeerLink } from '../src/peer-link.ts';

const self = nodeId(1);
const address: Endpoint = { host: '10.0.0.2', port: 4000 } as unknown as Endpoint;
const member = (id: NodeId): Member => ({ id, addresses: [address] }) as unknown as Member;

/** The times in [0, untilUs) at which `peer` is dialled when every dial fails at once. */
function dialTimes(
  dialer: MeshDialer,
  peer: NodeId,
  links: Map<NodeId, PeerLink>,
  untilUs: number,
): number[] {
  const times: number[] = [];
  for (let now = 0; now < untilUs; now += 1_000) {
    for (const t of dialer.due(now, self, [member(peer)], links, new Map())) {
      times.push(now);
      dialer.started(t.member.id);
      dialer.ended(t.member.id, now);
    }
  }
  return times;
}

describe('MeshDialer', () => {
  it('backs off exponentially with jitter up to its ceiling, and a live channel resets it', () => {
    const dialer = new MeshDialer(100_000, 800_000);
    const peer = nodeId(2);
    const links = new Map<NodeId, PeerLink>();
    const times = dialTimes(dialer, peer, links, 5_000_000);
    const waits = times.slice(1).map((t, i) => t - (times[i] as number));
    // 100, 200, 400, 800 ms (each up to a quarter longer, capped), then the ceiling.
    expect(waits.length).toBeGreaterThan(4);
    for (const [i, w] of waits.entries()) {
      const base = Math.min(800_000, 100_000 * 2 ** i);
      expect(w).toBeGreaterThanOrEqual(base);
      expect(w).toBeLessThanOrEqual(Math.min(800_000, base * 1.25) + 1_000);
    }
    expect(waits.at(-1)).toBe(800_000);
    // Jitter: not every wait below the ceiling is exactly its base.
    expect(waits.slice(0, 3).some((w, i) => w !== 100_000 * 2 ** i)).toBe(true);
    // A live channel resets the count: once it goes silent, the first wait is short again.
    links.set(peer, { stale: false } as unknown as PeerLink);
    dialer.due(10_000_000, self, [member(peer)], links, new Map());
    links.delete(peer);
    const again = dialTimes(dialer, peer, links, 300_000);
    expect(again[0]).toBe(0);
    expect((again[1] as number) - (again[0] as number)).toBeLessThan(200_000);
  });

  it('draws different jitter for different peers', () => {
    const waitsOf = (peer: NodeId): number[] => {
      const times = dialTimes(new MeshDialer(100_000, 10_000_000), peer, new Map(), 3_000_000);
      return times.slice(1).map((t, i) => t - (times[i] as number));
    };
    expect(waitsOf(nodeId(2))).not.toEqual(waitsOf(nodeId(3)));
  });
});
