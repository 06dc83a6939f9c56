import type { Endpoint, NodeId } from '@elara/core';
import type { Transport } from '@elara/net';
import { describe, expect, it } from 'vitest';
import {
  CANDIDATE_ADDRESSES,
  DirectPathProbes,
  type PathChallenge,
  UNVALIDATED_AMPLIFICATION,
} from '../src/internal/direct-path-probes.ts';
import type { PeerLink } from '../src/peer-link.ts';

const peerAt: Endpoint = { family: 'IPv4', address: '192.0.2.7', port: 4000 };
const elsewhere: Endpoint = { family: 'IPv4', address: '192.0.2.9', port: 4000 };
const socket = { name: 'socket' } as unknown as Transport;

/** A channel to peer 7, as much of one as the probes read. */
function channel(relayed: boolean): PeerLink {
  const link = {
    nodeId: 7n as NodeId,
    remote: peerAt,
    relayed,
    via: relayed ? ({ name: 'relay' } as unknown as Transport) : socket,
    useDirect(t: Transport) {
      link.via = t;
      link.relayed = false;
    },
  };
  return link as unknown as PeerLink;
}

interface Sent {
  readonly to: Endpoint;
  readonly at: number;
  readonly challenge: PathChallenge;
}

const CHALLENGE_BYTES = 60;

function probes(intervalUs: number, ceilingUs = 4 * intervalUs, minGapUs = 500, rttUs = 0) {
  const sent: Sent[] = [];
  let next = 0x9e3779b9;
  const p = new DirectPathProbes({
    direct: socket,
    intervalUs,
    ceilingUs,
    minGapUs,
    rttUs: () => rttUs,
    nextChallenge: () => ({ id: (next = (next * 31 + 7) >>> 0), t1: next % 1000 }),
    send: (_link, to, challenge, now) => {
      sent.push({ to, at: now, challenge });
      return CHALLENGE_BYTES;
    },
  });
  return { p, sent };
}

describe('DirectPathProbes', () => {
  it('probes a relayed channel after the interval, then twice as long each time up to the ceiling', () => {
    const { p, sent } = probes(1_000);
    const link = channel(true);
    const links = new Map([[link.nodeId, link]]);
    for (let now = 0; now <= 20_000; now += 100) p.tick(now, links);
    expect(sent.map((s) => s.at)).toEqual([1_000, 3_000, 7_000, 11_000, 15_000, 19_000]);
    expect(sent.every((s) => s.to === peerAt)).toBe(true);
    expect(p.size).toBe(1);
  });

  it('a relayed channel switches only on the answer echoing its challenge, on the socket', () => {
    const { p, sent } = probes(1_000);
    const link = channel(true);
    const links = new Map([[link.nodeId, link]]);
    p.tick(0, links);
    // Plain authenticated frames from the peer's address validate nothing (a raced copy).
    p.heard(link, true, peerAt, 100, 500);
    p.tick(1_000, links);
    const c = (sent[0] as Sent).challenge;
    p.heard(link, true, peerAt, 100, 1_050);
    expect(link.relayed).toBe(true);
    // A wrong id or stamp, or through the relay: nothing.
    expect(p.answered(link, { id: c.id ^ 1, t1: c.t1 }, true)).toBe(false);
    expect(p.answered(link, { id: c.id, t1: c.t1 + 1 }, true)).toBe(false);
    expect(p.answered(link, c, false)).toBe(false);
    expect(link.relayed).toBe(true);
    expect(p.answered(link, c, true)).toBe(true);
    expect(link.relayed).toBe(false);
    expect(link.via).toBe(socket);
    expect(p.size).toBe(0);
    // Once only.
    expect(p.answered(link, c, true)).toBe(false);
  });

  it('a direct channel challenges a new address, again only once the last challenge expired, within 3x the bytes it sent', () => {
    const { p, sent } = probes(1_000, 4_000, 500);
    const link = channel(false);
    // A 10-byte frame pays for no 60-byte challenge; enough bytes do.
    p.heard(link, true, elsewhere, 10, 0);
    expect(sent).toEqual([]);
    p.heard(link, true, elsewhere, 10, 100);
    expect(sent).toEqual([]);
    for (let t = 200; t < 2_000; t += 10) p.heard(link, true, elsewhere, 100, t);
    // Outstanding for two gaps (the RTT is unknown): not replaced by a newer one before.
    expect(sent.map((s) => s.at)).toEqual([200, 1_200]);
    expect(sent.every((s) => s.to === elsewhere)).toBe(true);
    expect(link.remote).toBe(peerAt);
    // Frames from the current address or through a relay challenge nothing.
    p.heard(link, true, peerAt, 1_000, 5_000);
    p.heard(link, false, elsewhere, 1_000, 5_000);
    expect(sent.length).toBe(2);
    // The answer to an earlier challenge, arriving after the next went, still moves the path.
    const first = (sent[0] as Sent).challenge;
    expect(p.answered(link, first, false)).toBe(false);
    expect(p.answered(link, first, true)).toBe(true);
    expect(link.remote).toBe(elsewhere);
  });

  it('a challenge stays outstanding for 3 smoothed round trips; the last 3 are answerable', () => {
    const { p, sent } = probes(1_000, 4_000, 500, 1_000);
    const link = channel(false);
    for (let t = 0; t < 20_000; t += 100) p.heard(link, true, elsewhere, 1_000, t);
    expect(sent.map((s) => s.at).slice(0, 3)).toEqual([0, 3_000, 6_000]);
    const n = sent.length;
    const stale = (sent[n - 4] as Sent).challenge;
    expect(p.answered(link, stale, true)).toBe(false);
    expect(p.answered(link, (sent[n - 3] as Sent).challenge, true)).toBe(true);
  });

  it('addresses are validated side by side: one heard from elsewhere keeps the other’s challenges; the answer validates the address challenged', () => {
    const { p, sent } = probes(1_000, 4_000, 500);
    const link = channel(false);
    const victim: Endpoint = { ...elsewhere, port: 5000 };
    p.heard(link, true, elsewhere, 1_000, 0);
    p.heard(link, true, victim, 1_000, 10);
    p.heard(link, true, elsewhere, 1_000, 20);
    p.heard(link, true, victim, 1_000, 30);
    // One challenge to each, none replaced.
    expect(sent.map((s) => [s.to, s.at])).toEqual([
      [elsewhere, 0],
      [victim, 10],
    ]);
    // The answer to the challenge sent to `elsewhere` validates `elsewhere`, wherever it came from.
    expect(p.answered(link, (sent[0] as Sent).challenge, true)).toBe(true);
    expect(link.remote).toBe(elsewhere);
  });

  it('at most a few addresses are under validation per channel, the least recently heard dropped', () => {
    const { p, sent } = probes(1_000, 4_000, 500);
    const link = channel(false);
    const at = (i: number): Endpoint => ({ ...elsewhere, port: 6000 + i });
    for (let i = 0; i <= CANDIDATE_ADDRESSES; i++) p.heard(link, true, at(i), 1_000, i);
    expect(sent.length).toBe(CANDIDATE_ADDRESSES + 1);
    // The first address's candidate was dropped: its answer no longer counts.
    expect(p.answered(link, (sent[0] as Sent).challenge, true)).toBe(false);
    expect(p.answered(link, (sent[1] as Sent).challenge, true)).toBe(true);
    expect(link.remote).toEqual(at(1));
  });

  it('answers to a challenge from an unvalidated address share its 3x budget with our challenges', () => {
    const { p, sent } = probes(1_000, 4_000, 500);
    const link = channel(false);
    // Nothing heard from there: nothing may go there.
    expect(p.charge(link, elsewhere, 1)).toBe(false);
    p.heard(link, true, elsewhere, 60, 0);
    expect(sent.length).toBe(1);
    // 180 bytes of budget, 60 spent on our challenge: 120 left.
    expect(p.charge(link, elsewhere, 100)).toBe(true);
    expect(p.charge(link, elsewhere, 21)).toBe(false);
    expect(p.charge(link, elsewhere, 20)).toBe(true);
    // Relayed channels' answers go to the peer's address unbounded, as their probes.
    expect(p.charge(channel(true), elsewhere, 1_000)).toBe(true);
  });

  it('bytes to an unvalidated address stay within the amplification bound', () => {
    const { p, sent } = probes(1_000, 4_000, 0);
    const link = channel(false);
    let received = 0;
    for (let t = 0; t < 10_000; t += 10) {
      p.heard(link, true, elsewhere, 25, t);
      received += 25;
      expect(sent.length * CHALLENGE_BYTES).toBeLessThanOrEqual(
        UNVALIDATED_AMPLIFICATION * received,
      );
    }
    expect(sent.length).toBeGreaterThan(0);
  });

  it('a relayed channel challenged by its peer challenges back at once unless its own is outstanding, others kept', () => {
    const { p, sent } = probes(10_000, 40_000, 500);
    const link = channel(true);
    const other = { ...channel(true), nodeId: 8n as NodeId } as unknown as PeerLink;
    const links = new Map([
      [link.nodeId, link],
      [other.nodeId, other],
    ]);
    p.tick(0, links);
    p.hurry(link, 100);
    p.hurry(link, 300);
    expect(sent.map((s) => s.at)).toEqual([100]);
    expect(p.size).toBe(2);
    // Two gaps: ours is still awaited, the peer's challenge replaces nothing.
    p.hurry(link, 700);
    expect(sent.map((s) => s.at)).toEqual([100]);
    p.hurry(link, 1_100);
    expect(sent.map((s) => s.at)).toEqual([100, 1_100]);
    expect(p.answered(link, (sent[0] as Sent).challenge, true)).toBe(true);
    expect(p.size).toBe(1);
  });

  it('never probes with an interval of 0, and forgets a peer that left', () => {
    const off = probes(0, 0);
    const link = channel(true);
    const links = new Map([[link.nodeId, link]]);
    const on = probes(1_000);
    for (let now = 0; now <= 100_000; now += 1_000) {
      off.p.tick(now, links);
      on.p.tick(now, links);
    }
    expect(off.sent).toEqual([]);
    expect(off.p.size).toBe(0);
    // The same channel and ticks with an interval probe it: the path is under validation.
    expect(on.sent.length).toBeGreaterThan(0);
    expect(on.p.size).toBe(1);
    on.p.forget(link.nodeId);
    expect(on.p.size).toBe(0);
  });
});
