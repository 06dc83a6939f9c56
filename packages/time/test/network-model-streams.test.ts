import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import { OutOfRangeError, PacketClass, RepresentationProfile, nodeId } from '@elara/core';
import { simWorld } from '@elara/testkit';
import {
  MAX_MODELLED_PACKETS,
  NetworkModel,
  PROFILE_HORIZONS,
  PacketVerdict,
  TimeEngine,
  correctionNeedUs,
} from '../src/index.ts';

const A = nodeId(1n);
const B = nodeId(2n);
const T = 20_000;

/**
 * The header's `seq` counts per sender and per packet class (core's `FixedHeader.seq`), so one
 * peer sends several independent numberings at once.
 */
describe('NetworkModel: one sequence-number space per (peer, packet class)', () => {
  it('two classes from one peer on a perfect link read as a perfect link', () => {
    // Class Core numbers from 0, class Perceptual from 500: interleaved on one key they looked
    // like a reorder depth of 499, VoiceStandard's Hc near its maximum and a pressure of 0.98.
    const world = simWorld(1);
    const sched = world.scheduler;
    const engine = new TimeEngine({ clock: sched });
    for (let i = 0; i < 600; i++) {
      const sent = sched.now();
      engine.onPacket(A, i, sent, PacketClass.Core);
      engine.onPacket(A, 500 + i, sent, PacketClass.Perceptual);
      sched.advanceBySync(T);
    }
    const voice = PROFILE_HORIZONS[RepresentationProfile.VoiceStandard];
    expect(engine.compressionPressure()).toBe(0);
    expect(engine.horizons(RepresentationProfile.VoiceStandard)).toEqual({
      hpUs: voice.hpMinUs,
      hcUs: voice.hcMinUs,
    });
    expect(engine.network.streams(A)).toEqual([PacketClass.Core, PacketClass.Perceptual]);
    for (const cls of [PacketClass.Core, PacketClass.Perceptual]) {
      const s = engine.network.stats(A, cls)!;
      expect(s.received).toBe(600);
      expect([s.lossRate, s.reorderDepth, s.maxReorderDepth, s.jitterUs]).toEqual([0, 0, 0, 0]);
      expect(s.intervalUs).toBeCloseTo(T, 6);
    }
  });

  it('far-apart numberings of two classes are both kept (none is discarded as a jump)', () => {
    const net = new NetworkModel();
    for (let i = 0; i < 200; i++) {
      expect(net.onPacket(A, i, i * T, i * T, PacketClass.Core)).toBe(PacketVerdict.Accepted);
      expect(net.onPacket(A, 30_000 + i, i * T, i * T, PacketClass.Repair)).toBe(
        PacketVerdict.Accepted,
      );
    }
    expect(net.stats(A, PacketClass.Core)!.discarded).toBe(0);
    expect(net.stats(A, PacketClass.Repair)!.discarded).toBe(0);
    expect(net.stats(A, PacketClass.Repair)!.received).toBe(200);
  });

  it('a peer reads as the worst of its streams; horizons take the worst stream', () => {
    const net = new NetworkModel();
    for (let i = 0; i < 1000; i++) {
      // Core: clean. Perceptual: 10 % loss. Cosmetic: every 10th packet two places late, and
      // sent every 100 ms.
      net.onPacket(A, i, i * T, i * T + 5_000, PacketClass.Core);
      if (i % 10 !== 3) net.onPacket(A, i, i * T, i * T + 5_000, PacketClass.Perceptual);
    }
    for (let i = 0; i < 1000; i++) {
      const seq = i % 10 === 9 ? i - 2 : i % 10 >= 7 ? i + 1 : i;
      net.onPacket(A, seq, seq * 100_000, i * 100_000, PacketClass.Cosmetic);
    }
    const perceptual = net.stats(A, PacketClass.Perceptual)!;
    const cosmetic = net.stats(A, PacketClass.Cosmetic)!;
    expect(perceptual.lossRate).toBeCloseTo(0.1, 2);
    expect(cosmetic.reorderDepth).toBe(2);
    const peer = net.conditions(A)!;
    expect(peer.lossRate).toBe(perceptual.lossRate);
    expect(peer.jitterUs).toBe(Math.max(perceptual.jitterUs, cosmetic.jitterUs));
    expect(peer.reorderDepth).toBe(2);
    // The product depth × interval is the largest reorder hold-back: Cosmetic's 2 × 100 ms.
    expect(peer.reorderDepth * peer.intervalUs).toBeCloseTo(2 * cosmetic.intervalUs, 6);
    expect(correctionNeedUs(peer)).toBeCloseTo(
      correctionNeedUs(net.conditions(A, PacketClass.Cosmetic)!),
      6,
    );
    expect(net.conditions(A, PacketClass.Core)!.lossRate).toBe(0);
  });

  it('the old single-stream form is stream 0', () => {
    const net = new NetworkModel();
    net.onPacket(A, 1, 0, 0);
    net.onPacket(A, 2, T, T, 0);
    expect(net.streams(A)).toEqual([0]);
    expect(net.stats(A)!.received).toBe(2);
  });

  it('stream keys are bytes; at most maxStreams per peer, the one heard longest ago evicted and counted', () => {
    const net = new NetworkModel({ maxStreams: 2 });
    for (const bad of [256, -1, 1.5, Number.NaN]) {
      expect(net.onPacket(A, 1, 0, 0, bad)).toBe(PacketVerdict.Invalid);
    }
    expect(net.counters.invalid).toBe(4);
    expect(net.size).toBe(0);
    net.onPacket(A, 1, 0, 100, 7);
    net.onPacket(A, 1, 0, 200, 8);
    net.onPacket(A, 2, T, 300, 7);
    net.onPacket(A, 1, 0, 400, 9); // 8 was heard longest ago
    expect(net.streams(A).sort()).toEqual([7, 9]);
    expect(net.counters.evictedStreams).toBe(1);
  });
});

describe('NetworkModel: peers and memory are bounded, eviction is least recently fed', () => {
  it('evicts the peer fed longest ago, not the first created', () => {
    const net = new NetworkModel({ maxPeers: 3 });
    const C = nodeId(3n);
    const D = nodeId(4n);
    net.onPacket(A, 0, 0, 0);
    net.onPacket(B, 0, 0, 1);
    net.onPacket(C, 0, 0, 2);
    net.onRtt(A, 10_000); // A is fed again: B is now the least recent
    net.onPacket(D, 0, 0, 3);
    expect(net.stats(B)).toBeUndefined();
    expect([A, C, D].every((p) => net.stats(p) !== undefined)).toBe(true);
    expect(net.counters.evictedPeers).toBe(1);
  });

  it('the peers kept are exactly a naive LRU’s, under any sequence of feeds and forgets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 12 }), fc.constantFrom('packet', 'rtt', 'forget')),
          {
            maxLength: 200,
          },
        ),
        (maxPeers, ops) => {
          const net = new NetworkModel({ maxPeers });
          let lru: number[] = []; // least recent first
          let evicted = 0;
          for (const [p, op] of ops) {
            const id = nodeId(BigInt(p));
            if (op === 'forget') {
              expect(net.forget(id)).toBe(lru.includes(p));
              lru = lru.filter((x) => x !== p);
              continue;
            }
            if (op === 'packet') net.onPacket(id, 0, 0, 0);
            else net.onRtt(id, 1_000);
            if (!lru.includes(p) && lru.length >= maxPeers) {
              lru.shift();
              evicted++;
            }
            lru = [...lru.filter((x) => x !== p), p];
          }
          expect(net.size).toBe(lru.length);
          for (let p = 0; p <= 12; p++) {
            expect(net.stats(nodeId(BigInt(p))) !== undefined, `peer ${p}`).toBe(lru.includes(p));
          }
          expect(net.counters.evictedPeers).toBe(evicted);
        },
      ),
      { numRuns: propertyRuns(300, 5_000) },
    );
  });

  it('a view held on an evicted peer never reports the peer that replaced it', () => {
    const net = new NetworkModel({ maxPeers: 1 });
    for (let i = 0; i < 100; i++) if (i % 2 === 0) net.onPacket(A, i, i * T, i * T);
    const heldA = net.conditions(A)!;
    const heldStream = net.conditions(A, 0)!;
    const before = heldA.lossRate;
    expect(before).toBeGreaterThan(0.4);
    for (let i = 0; i < 100; i++) net.onPacket(B, i, i * T, i * T); // evicts A
    expect(net.conditions(A)).toBeUndefined();
    expect(net.conditions(B)!.lossRate).toBe(0);
    expect(heldA.lossRate).toBe(before);
    expect(heldStream.lossRate).toBe(before);
  });

  it('refuses configurations whose windows could add up to more than 2^21 packet slots', () => {
    expect(() => new NetworkModel({ maxPeers: 65_536, windowPackets: 16_384 })).toThrow(
      OutOfRangeError,
    );
    expect(() => new NetworkModel({ maxPeers: 4096, maxStreams: 5 })).toThrow(OutOfRangeError);
    expect(() => new NetworkModel({ maxStreams: 0 })).toThrow(OutOfRangeError);
    const max = new NetworkModel({ maxPeers: 512, maxStreams: 4, windowPackets: 1024 });
    expect(max.config.maxPeers * max.config.maxStreams * max.config.windowPackets).toBe(
      MAX_MODELLED_PACKETS,
    );
  });
});
