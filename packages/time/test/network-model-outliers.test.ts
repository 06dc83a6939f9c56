import { describe, expect, it } from 'vitest';
import { RepresentationProfile, nodeId } from '@elara/core';
import { simWorld } from '@elara/testkit';
import {
  NETWORK_MODEL_DEFAULTS,
  NetworkModel,
  PROFILE_HORIZONS,
  PacketVerdict,
  TimeEngine,
  compressionPressure,
  horizonFromNeed,
} from '../src/index.ts';

const A = nodeId(1n);
const T = 20_000;
const EPOCH = 1_800_000_000_000_000;

describe('NetworkModel: one straggler does not set the horizons for a window', () => {
  it('a packet 300 positions late: exact depth 300 in stats, horizons and pressure unmoved', () => {
    // A perfect 20 ms link, except that packet 400 arrives after packet 700 (6 s late). Taken
    // at face value: reorder depth 300, jitter ≈ 12 ms, Hc near its maximum for ~1 024 arrivals.
    const world = simWorld(2);
    const sched = world.scheduler;
    const engine = new TimeEngine({ clock: sched });
    const start = sched.now();
    for (let i = 0; i < 1000; i++) {
      if (i === 400) continue;
      sched.at(start + i * T, () => engine.onPacket(A, i, start + i * T));
    }
    sched.at(start + 700 * T + 1, () => engine.onPacket(A, 400, start + 400 * T));
    sched.advanceBySync(999 * T);
    const voice = PROFILE_HORIZONS[RepresentationProfile.VoiceStandard];
    const { hcUs } = engine.horizons(RepresentationProfile.VoiceStandard);
    expect(hcUs - voice.hcMinUs).toBeLessThan(0.05 * (voice.hcMaxUs - voice.hcMinUs));
    expect(engine.compressionPressure()).toBeLessThan(0.05);
    const s = engine.network.stats(A)!;
    expect(s.reorderDepth).toBe(0);
    expect(s.lossRate).toBe(0);
    // Each |D| is clamped to 1 s: the two around the straggler add at most 2 s / 1 024.
    expect(s.jitterUs).toBeLessThanOrEqual((2 * NETWORK_MODEL_DEFAULTS.maxDelayVariationUs) / 998);
    expect(s.maxReorderDepth).toBe(300); // the exact depth is still reported
  });

  it('reordering one packet in fifty still shows in the robust depth', () => {
    const net = new NetworkModel();
    for (let i = 0; i < 1000; i++) {
      // Every 50th packet swaps with the three before it: displacement 3 for 2 % of arrivals.
      const k = i % 50;
      const seq = k === 46 ? i + 3 : k >= 47 ? i - 1 : i;
      net.onPacket(A, seq, seq * T, i * T);
    }
    expect(net.stats(A)!.reorderDepth).toBe(3);
  });
});

describe('NetworkModel: absurd times are refused, not averaged', () => {
  /** Packets `from`..`to − 1` every 20 ms, 40 ms in transit, the clocks moved by the offsets. */
  function clean(net: NetworkModel, from: number, to: number, sentOffset = 0, arrivalOffset = 0) {
    for (let i = from; i < to; i++) {
      const sent = EPOCH + i * T + sentOffset;
      const arrival = EPOCH + i * T + 40_000 + arrivalOffset;
      expect(net.onPacket(A, i, sent, arrival)).toBe(PacketVerdict.Accepted);
    }
  }

  it('a finite but absurd send time is Invalid and leaves jitter, interval and pressure alone', () => {
    for (const absurd of [1.7e308, -1.7e308, 0, EPOCH + 3_600_000_000, 2 ** 53 + 2]) {
      const net = new NetworkModel();
      clean(net, 0, 100);
      const before = net.stats(A)!;
      expect(net.onPacket(A, 100, absurd, EPOCH + 100 * T + 40_000)).toBe(PacketVerdict.Invalid);
      clean(net, 101, 200);
      const s = net.stats(A)!;
      expect(net.counters.invalid).toBe(1);
      expect(s.jitterUs, `${absurd}`).toBe(0);
      expect(s.intervalUs, `${absurd}`).toBeCloseTo(T, 6);
      expect(s.timeSteps).toBe(0);
      expect(compressionPressure(s)).toBeLessThan(0.1); // packet 100 lost: 1 %
      expect(before.jitterUs).toBe(0);
    }
  });

  it('a real step of the sender’s clock is believed once a second packet agrees', () => {
    const net = new NetworkModel();
    clean(net, 0, 100);
    // The sender aligned its τs 60 s ahead (its join): every later send time is +60 s.
    expect(net.onPacket(A, 100, EPOCH + 100 * T + 60e6, EPOCH + 100 * T + 40_000)).toBe(
      PacketVerdict.Invalid,
    );
    clean(net, 101, 300, 60e6);
    const s = net.stats(A)!;
    expect([s.implausible, s.timeSteps, s.jitterUs]).toEqual([1, 1, 0]);
    expect(s.intervalUs).toBeCloseTo(T, 6);
  });

  it('after a silence the interval recovers within a hundred packets', () => {
    // Sender and receiver both move on by an hour (D = 0, plausible): one interval sample of
    // an hour, clamped to 1 s, instead of an average held above 200 s for hundreds of packets.
    const net = new NetworkModel();
    clean(net, 0, 100);
    const hour = 3_600_000_000;
    net.onPacket(A, 100, EPOCH + 100 * T + hour, EPOCH + 100 * T + hour + 40_000);
    expect(net.stats(A)!.intervalUs).toBeLessThanOrEqual(
      T + NETWORK_MODEL_DEFAULTS.maxDelayVariationUs / 16,
    );
    clean(net, 101, 200, hour, hour);
    expect(net.stats(A)!.intervalUs).toBeLessThan(1.1 * T);
  });

  it('non-finite conditions read as the worst, never as none', () => {
    const base = { rttUs: 0, jitterUs: 0, lossRate: 0, reorderDepth: 0, intervalUs: 0 };
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(compressionPressure({ ...base, jitterUs: bad })).toBe(1);
      expect(compressionPressure({ ...base, lossRate: bad })).toBe(1);
      expect(compressionPressure({ ...base, reorderDepth: bad })).toBe(1);
      expect(horizonFromNeed(40_000, 300_000, bad)).toBe(300_000);
    }
  });
});
