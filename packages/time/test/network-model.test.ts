import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, propertyRuns } from '@elara/test-env';
import { OutOfRangeError, nodeId } from '@elara/core';
import { NetworkModel, PacketVerdict } from '../src/index.ts';
import type { TimeVectors } from './time-vectors.ts';

const A = nodeId(1n);

/** Mean of |D| (RFC 3550's D) over consecutive (sent, arrival) pairs. */
function meanAbsD(pairs: readonly (readonly [number, number])[]): number {
  let sum = 0;
  for (let i = 1; i < pairs.length; i++) {
    const [s0, a0] = pairs[i - 1]!;
    const [s1, a1] = pairs[i]!;
    sum += Math.abs(a1 - a0 - (s1 - s0));
  }
  return pairs.length > 1 ? sum / (pairs.length - 1) : 0;
}

describeVectors<TimeVectors>('time.json', (v) => {
  it("peer_model_steps: ours is the mean |D| (RFC 3550's D) from the second packet (the reference: a max envelope after five)", () => {
    // The reference keeps a median "offset" and jitter_envelope = max |sample − offset|, both
    // 0 until five samples (peer_model_steps[0..3]). Offset estimation is clock sync's job;
    // our jitter is the mean |D| of consecutive packets, measured from the second one.
    expect(v.peer_model_steps.slice(0, 4).every((s) => s.jitter_envelope === 0)).toBe(true);
    const net = new NetworkModel();
    const pairs: [number, number][] = [];
    v.peer_model_steps.forEach((s, i) => {
      const sent = Math.round(s.remote * 1e6);
      const arrival = Math.round(s.local * 1e6);
      expect(net.onPacket(A, i, sent, arrival)).toBe(PacketVerdict.Accepted);
      pairs.push([sent, arrival]);
      expect(net.stats(A)?.jitterUs).toBeCloseTo(meanAbsD(pairs), 6);
    });
    expect(net.stats(A)!.jitterUs).toBeGreaterThan(0);
  });
});

describe('NetworkModel', () => {
  it('counts duplicates and leaves them out of the estimates', () => {
    const net = new NetworkModel();
    net.onPacket(A, 1, 0, 100);
    net.onPacket(A, 2, 20_000, 20_150);
    const before = net.stats(A)!;
    expect(net.onPacket(A, 2, 20_000, 90_000)).toBe(PacketVerdict.Duplicate);
    const after = net.stats(A)!;
    expect(after.duplicates).toBe(1);
    expect(after.jitterUs).toBe(before.jitterUs);
    expect(after.received).toBe(2);
  });

  it('follows sequence numbers across the wrap of the configured width', () => {
    const net = new NetworkModel({ sequenceBits: 16 });
    for (let i = 0; i < 3000; i++) {
      if (i % 10 === 3) continue; // 10 % loss
      net.onPacket(A, (65_000 + i) % 65_536, i * 20_000, i * 20_000 + 5_000);
    }
    const s = net.stats(A)!;
    expect(s.highestSeq % 65_536).toBe((65_000 + 2999) % 65_536);
    expect(s.lossRate).toBeCloseTo(0.1, 2);
    expect(s.reorderDepth).toBe(0);
    expect(s.discarded).toBe(0);
    expect(s.intervalUs).toBeCloseTo(20_000, 6);
  });

  it('measures reorder depth as the displacement behind the highest number received', () => {
    const net = new NetworkModel();
    for (const seq of [0, 1, 2, 6, 3, 4, 5, 7, 8]) net.onPacket(A, seq, seq * 1000, seq * 1000);
    expect(net.stats(A)!.reorderDepth).toBe(3); // 3 arrived after 6
    expect(net.stats(A)!.lossRate).toBe(0);
  });

  it('believes a large jump in numbering only when the next packet follows it (RFC 3550)', () => {
    const net = new NetworkModel({ maxDropout: 100 });
    for (let i = 0; i < 50; i++) net.onPacket(A, i, i, i);
    expect(net.onPacket(A, 30_000, 50, 50)).toBe(PacketVerdict.Discarded);
    expect(net.onPacket(A, 50, 51, 51)).toBe(PacketVerdict.Accepted); // a stray, not a restart
    expect(net.onPacket(A, 9_000, 52, 52)).toBe(PacketVerdict.Discarded);
    expect(net.onPacket(A, 9_001, 53, 53)).toBe(PacketVerdict.Accepted); // the sender restarted
    const s = net.stats(A)!;
    expect(s.resyncs).toBe(1);
    expect(s.discarded).toBe(2);
    expect(s.highestSeq % 65_536).toBe(9_001);
    expect(s.lossRate).toBe(0);
  });

  it('counts invalid input and creates no peer for it', () => {
    const net = new NetworkModel({ sequenceBits: 16 });
    expect(net.onPacket(A, 65_536, 0, 0)).toBe(PacketVerdict.Invalid);
    expect(net.onPacket(A, -1, 0, 0)).toBe(PacketVerdict.Invalid);
    expect(net.onPacket(A, 1.5, 0, 0)).toBe(PacketVerdict.Invalid);
    expect(net.onPacket(A, 1, Number.NaN, 0)).toBe(PacketVerdict.Invalid);
    expect(net.onPacket(A, 1, 0, Number.POSITIVE_INFINITY)).toBe(PacketVerdict.Invalid);
    expect(net.onRtt(A, -5)).toBe(false);
    expect(net.onRtt(A, Number.NaN)).toBe(false);
    expect(net.counters.invalid).toBe(7);
    expect(net.size).toBe(0);
  });

  it('refuses bad configuration with a named error', () => {
    expect(() => new NetworkModel({ maxPeers: 0 })).toThrow(OutOfRangeError);
    expect(() => new NetworkModel({ windowPackets: 8 })).toThrow(OutOfRangeError);
    expect(() => new NetworkModel({ sequenceBits: 40 })).toThrow(OutOfRangeError);
    expect(() => new NetworkModel({ sequenceBits: 8, maxDropout: 200 })).toThrow(OutOfRangeError);
    expect(() => new NetworkModel({ staleAfterUs: 0 })).toThrow(OutOfRangeError);
  });

  it('smooths RTT as RFC 6298 does', () => {
    const net = new NetworkModel();
    const samples = [100_000, 120_000, 80_000, 300_000, 90_000];
    let srtt = samples[0]!;
    let rttvar = srtt / 2;
    net.onRtt(A, srtt);
    for (const r of samples.slice(1)) {
      net.onRtt(A, r);
      rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - r);
      srtt = 0.875 * srtt + 0.125 * r;
      expect(net.stats(A)!.rttUs).toBeCloseTo(srtt, 6);
      expect(net.stats(A)!.rttVarUs).toBeCloseTo(rttvar, 6);
    }
  });

  it('keeps at most maxPeers, evicting the longest silent, and counts evictions', () => {
    const net = new NetworkModel({ maxPeers: 8 });
    for (let p = 0; p < 1000; p++) {
      net.onPacket(nodeId(BigInt(p)), 0, p, p);
      expect(net.size).toBeLessThanOrEqual(8);
    }
    expect(net.counters.evictedPeers).toBe(992);
    expect(net.stats(nodeId(999n))).toBeDefined();
    expect(net.stats(nodeId(991n))).toBeUndefined();
    expect(net.forget(nodeId(999n))).toBe(true);
    expect(net.size).toBe(7);
  });

  it('only peers heard recently with enough samples count as active', () => {
    const net = new NetworkModel({ minSamples: 4, staleAfterUs: 1_000_000 });
    const B = nodeId(2n);
    for (let i = 0; i < 4; i++) net.onPacket(A, i, i * 1000, i * 1000);
    for (let i = 0; i < 3; i++) net.onPacket(B, i, i * 1000, i * 1000);
    const seen: bigint[] = [];
    expect(net.forEachActive(3_000, (_, p) => seen.push(p))).toBe(1);
    expect(seen).toEqual([A]);
    expect(net.forEachActive(1_003_001, () => undefined)).toBe(0);
  });

  it('any input leaves the estimates in range and never throws', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.double()),
            fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double()),
            fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double()),
          ),
          { maxLength: 300 },
        ),
        (packets) => {
          const net = new NetworkModel({ windowPackets: 32, maxDropout: 50 });
          for (const [seq, sent, arrival] of packets) net.onPacket(A, seq, sent, arrival);
          const s = net.stats(A);
          if (s === undefined) return;
          expect(s.lossRate).toBeGreaterThanOrEqual(0);
          expect(s.lossRate).toBeLessThanOrEqual(1);
          expect(s.jitterUs).toBeGreaterThanOrEqual(0);
          expect(s.reorderDepth).toBeGreaterThanOrEqual(0);
          expect(s.reorderDepth).toBeLessThan(32);
          expect(s.jitterSamples).toBeLessThanOrEqual(32);
        },
      ),
      { numRuns: propertyRuns(500, 10_000) },
    );
  });
});
