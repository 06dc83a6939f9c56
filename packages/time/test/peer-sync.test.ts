import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import { OutOfRangeError, type TimeSyncResponseMessage } from '@elara/core';
import {
  PEER_SYNC_DEFAULTS,
  PeerSync,
  SyncVerdict,
  exchangeDelayUs,
  exchangeOffsetUs,
} from '../src/index.ts';

const T0 = 1_800_000_000_000_000;
const MS = 1_000;

/** A small deterministic generator of values in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
}

/** One exchange seen by the requester: our send time, the peer's offset and the two delays. */
function exchange(peer: PeerSync, t1: number, offset: number, forward: number, backward: number) {
  const t2 = t1 + forward + offset;
  return peer.addExchange(t1, t2, t2, t1 + forward + backward);
}

describe('NTP formulas of one exchange', () => {
  it('give the offset and the network round trip (RFC 5905)', () => {
    // Out 40 ms, back 40 ms, the peer 1.499 s ahead, holding the request 2 ms.
    expect(exchangeOffsetUs(1_000, 1_540_000, 1_542_000, 83_000)).toBe(1_499_000);
    expect(exchangeDelayUs(1_000, 1_540_000, 1_542_000, 83_000)).toBe(80_000);
    // With 60 ms out and 20 ms back the offset errs by half the difference.
    expect(exchangeOffsetUs(0, 1_560_000, 1_560_000, 80_000)).toBe(1_520_000);
  });
});

describe('PeerSync: the estimate', () => {
  it('recovers the offset and round trip exactly from clean symmetric exchanges', () => {
    const peer = new PeerSync();
    for (let k = 0; k < 20; k++) {
      expect(exchange(peer, T0 + k * 100 * MS, 1_234_567, 40 * MS, 40 * MS)).toBe(
        SyncVerdict.Accepted,
      );
    }
    const e = peer.estimate(T0 + 2_000 * MS);
    expect(e.offsetUs).toBe(1_234_567);
    expect(e.delayUs).toBe(80 * MS);
    expect(e.samples).toBe(20);
    expect(peer.counters.accepted).toBe(20);
  });

  it('takes the least delay of each direction separately, not the least round trip', () => {
    const peer = new PeerSync();
    // No exchange has both legs fast, yet each direction had one fast trip.
    exchange(peer, T0, 500, 10 * MS, 90 * MS);
    exchange(peer, T0 + 100 * MS, 500, 90 * MS, 10 * MS);
    exchange(peer, T0 + 200 * MS, 500, 60 * MS, 60 * MS);
    const e = peer.estimate(T0 + 300 * MS);
    expect(e.offsetUs).toBe(500);
    expect(e.delayUs).toBe(20 * MS);
  });

  it('property: the offset is always within ±delay/2 of the truth, whatever the one-way delays', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5_000_000_000, max: 5_000_000_000 }),
        fc.array(fc.tuple(fc.nat(2_000_000), fc.nat(2_000_000)), { minLength: 1, maxLength: 40 }),
        (offset, delays) => {
          const peer = new PeerSync();
          delays.forEach(([f, b], k) => exchange(peer, T0 + k * 50 * MS, offset, f, b));
          const e = peer.estimate(T0 + delays.length * 50 * MS);
          expect(Math.abs(e.offsetUs - offset)).toBeLessThanOrEqual(e.delayUs / 2 + 1e-6);
        },
      ),
      { numRuns: propertyRuns(300, 5_000) },
    );
  });

  it('forgets exchanges older than the window', () => {
    const peer = new PeerSync({ windowUs: 1_000 * MS });
    exchange(peer, T0, 0, 5 * MS, 5 * MS);
    exchange(peer, T0 + 900 * MS, 0, 50 * MS, 50 * MS);
    expect(peer.estimate(T0 + 950 * MS).delayUs).toBe(10 * MS);
    expect(peer.estimate(T0 + 1_500 * MS).delayUs).toBe(100 * MS);
    expect(Number.isNaN(peer.offsetAt(T0 + 5_000 * MS))).toBe(true);
  });

  it('fits the skew of a drifting clock and deskews the window with it', () => {
    const peer = new PeerSync();
    const skew = 150e-6;
    for (let k = 0; k < 600; k++) {
      const t1 = T0 + k * 100 * MS;
      exchange(peer, t1, 7_000 + skew * (t1 + 40 * MS - T0), 40 * MS, 40 * MS);
    }
    expect(peer.skewConfident).toBe(true);
    expect(peer.skewPpm).toBeCloseTo(150, 2);
    const now = T0 + 60_000 * MS;
    expect(peer.offsetAt(now)).toBeCloseTo(7_000 + skew * (now - T0), 0);
  });

  it('is not confident in a skew fitted over too short a span', () => {
    const peer = new PeerSync({ skewMinSpanUs: 60_000 * MS });
    for (let k = 0; k < 300; k++) exchange(peer, T0 + k * 100 * MS, 0, 40 * MS, 40 * MS);
    expect(peer.estimate(T0 + 30_000 * MS).skewConfident).toBe(false);
  });
});

describe('PeerSync: requests and replies', () => {
  const reply = (id: number, t1: number, offset = 0): TimeSyncResponseMessage => ({
    type: 'time-sync-response',
    id,
    t1,
    t2: t1 + 30 * MS + offset,
    t3: t1 + 30 * MS + offset,
  });

  it('paces requests at requestIntervalUs and stamps whole microseconds', () => {
    const peer = new PeerSync();
    const first = peer.request(T0 + 0.75);
    expect(first).toEqual({ type: 'time-sync-request', id: 1, t1: T0 });
    expect(peer.request(T0 + 50 * MS)).toBeUndefined();
    expect(peer.request(T0 + 100 * MS)?.id).toBe(2);
  });

  it('accepts a reply once, only to a request still waiting with the same id and t1', () => {
    const peer = new PeerSync();
    const req = peer.request(T0);
    expect(req).toBeDefined();
    const { id, t1 } = req ?? { id: 0, t1: 0 };
    expect(peer.onResponse(reply(id + 1, t1), t1 + 60 * MS)).toBe(SyncVerdict.Unsolicited);
    expect(peer.onResponse(reply(id, t1 + 1), t1 + 60 * MS)).toBe(SyncVerdict.Unsolicited);
    expect(peer.onResponse(reply(id, t1), t1 + 60 * MS)).toBe(SyncVerdict.Accepted);
    expect(peer.onResponse(reply(id, t1), t1 + 61 * MS)).toBe(SyncVerdict.Unsolicited);
    expect(peer.counters).toMatchObject({ accepted: 1, unsolicited: 3 });
  });

  it('has no id that matches an empty or answered slot (no −1 sentinel): replays stay unsolicited', () => {
    const peer = new PeerSync();
    // Never asked: an id of −1 and a t1 of 0 once matched the empty slots' placeholders.
    expect(peer.onResponse(reply(-1, 0), T0)).toBe(SyncVerdict.Unsolicited);
    const req = peer.request(T0);
    const t1 = req?.t1 ?? 0;
    expect(peer.onResponse(reply(req?.id ?? 0, t1), t1 + 60 * MS)).toBe(SyncVerdict.Accepted);
    // Answered: the slot keeps its t1, and −1 marked it free, so this replay was a new sample.
    expect(peer.onResponse(reply(-1, t1), t1 + 70 * MS)).toBe(SyncVerdict.Unsolicited);
    expect(peer.onResponse(reply(Number.NaN, t1), t1 + 80 * MS)).toBe(SyncVerdict.Unsolicited);
    expect(peer.counters).toMatchObject({ accepted: 1, unsolicited: 3, invalid: 0 });
    expect(peer.samples).toBe(1);
  });

  it('forgets the oldest waiting request beyond maxOutstanding', () => {
    const peer = new PeerSync({ maxOutstanding: 4, requestIntervalUs: 0 });
    const sent = Array.from({ length: 5 }, (_, k) => peer.request(T0 + k));
    const [oldest, ...rest] = sent;
    expect(peer.onResponse(reply(oldest?.id ?? 0, oldest?.t1 ?? 0), T0 + 60 * MS)).toBe(
      SyncVerdict.Unsolicited,
    );
    for (const r of rest) {
      expect(peer.onResponse(reply(r?.id ?? 0, r?.t1 ?? 0), T0 + 60 * MS)).toBe(
        SyncVerdict.Accepted,
      );
    }
  });
});

describe('PeerSync: steps and liars', () => {
  function steady(peer: PeerSync, from: number, count: number, offset: number): number {
    let t = from;
    for (let k = 0; k < count; k++, t += 100 * MS) exchange(peer, t, offset, 40 * MS, 40 * MS);
    return t;
  }

  it('restarts on a step (the join alignment) and follows the new clock at once', () => {
    const peer = new PeerSync();
    let t = steady(peer, T0, 30, 0);
    expect(exchange(peer, t, 1_500_000, 40 * MS, 40 * MS)).toBe(SyncVerdict.Stepped);
    t = steady(peer, t + 100 * MS, 5, 1_500_000);
    expect(peer.offsetAt(t)).toBe(1_500_000);
    expect(peer.counters.steps).toBe(1);
  });

  it('calls a straggler from before the step stale, not another step', () => {
    const peer = new PeerSync();
    const t = steady(peer, T0, 30, 0);
    // A request sent at t reached the peer after it stepped; one sent 50 ms earlier took longer
    // on the way and reached it before, so its reply shows the old clock but lands afterwards.
    expect(exchange(peer, t, 1_500_000, 40 * MS, 40 * MS)).toBe(SyncVerdict.Stepped);
    expect(exchange(peer, t - 50 * MS, 0, 60 * MS, 90 * MS)).toBe(SyncVerdict.Stale);
    expect(peer.counters).toMatchObject({ steps: 1, stale: 1 });
    expect(peer.offsetAt(t + 100 * MS)).toBe(1_500_000);
  });

  it('calls a reply to a request sent before the step stale even when it fits the new clock', () => {
    const peer = new PeerSync();
    const t = steady(peer, T0, 30, 0);
    expect(exchange(peer, t, 300 * MS, 40 * MS, 40 * MS)).toBe(SyncVerdict.Stepped);
    // Sent 30 ms before we saw the step, it reached the peer after it: it shows the new clock,
    // but nothing in it says which, and letting it in mixes the clocks whenever it is the old one.
    expect(exchange(peer, t + 50 * MS, 300 * MS, 40 * MS, 40 * MS)).toBe(SyncVerdict.Stale);
    expect(peer.samples).toBe(1);
    expect(exchange(peer, t + 100 * MS, 300 * MS, 40 * MS, 40 * MS)).toBe(SyncVerdict.Accepted);
  });

  it('sees a step smaller than the round trip through the spread, not half of it', () => {
    const peer = new PeerSync();
    // 200 ms each way: the intervals [−b, a] before (±200 ms) and after a 250 ms step still meet.
    let t = T0;
    for (let k = 0; k < 30; k++, t += 100 * MS) exchange(peer, t, 0, 200 * MS, 200 * MS);
    expect(exchange(peer, t, 250 * MS, 200 * MS, 200 * MS)).toBe(SyncVerdict.Stepped);
    // Mixed with the old exchanges, the estimate would read half the step (125 ms).
    expect(peer.offsetAt(t + 400 * MS)).toBe(250 * MS);
    expect(peer.counters.steps).toBe(1);
  });

  it('flags a peer whose answers wander by ±150 ms over a 400 ms round trip, never contradicting the last', () => {
    const peer = new PeerSync();
    const honest = new PeerSync();
    const rng = lcg(3);
    let t = T0;
    for (let k = 0; k < 200; k++, t += 100 * MS) {
      // Each answer's interval is 400 ms wide and the answers stay within 300 ms of each other,
      // so no single reply misses the history: only their spread gives the liar away.
      exchange(peer, t, (rng() - 0.5) * 300 * MS, 200 * MS, 200 * MS);
      // The same path with up to 100 ms of queueing each way, honestly.
      exchange(honest, t, 0, 200 * MS + rng() * 100 * MS, 200 * MS + rng() * 100 * MS);
    }
    expect(peer.inconsistentAt(t)).toBe(true);
    // Every window refills and spreads again: steps keep coming, a few seconds apart.
    expect(peer.counters.steps).toBeGreaterThan(3 * PEER_SYNC_DEFAULTS.maxSteps);
    expect(honest.counters.steps).toBe(0);
    expect(honest.estimate(t).spreadUs).toBeLessThan(PEER_SYNC_DEFAULTS.spreadLimitUs / 2);
  });

  it('starts afresh after forgetAfterUs of silence, without counting a step', () => {
    const peer = new PeerSync();
    const skew = 100e-6;
    let t = T0;
    for (let k = 0; k < 400; k++, t += 100 * MS) {
      exchange(peer, t, skew * (t - T0), 40 * MS, 40 * MS);
    }
    expect(peer.skewConfident).toBe(true);
    t += PEER_SYNC_DEFAULTS.forgetAfterUs + 1_000 * MS;
    // Back after a partition, its clock 80 ms elsewhere than the line through the old history.
    expect(exchange(peer, t, skew * (t - T0) + 80 * MS, 40 * MS, 40 * MS)).toBe(
      SyncVerdict.Accepted,
    );
    expect(peer.skewConfident).toBe(false);
    expect(peer.samples).toBe(1);
    expect(peer.counters.steps).toBe(0);
  });

  it('follows a peer slewing at 1 % (an honest correction) without calling it a step', () => {
    const peer = new PeerSync();
    let offset = 0;
    for (let k = 0; k < 200; k++) {
      expect(exchange(peer, T0 + k * 100 * MS, offset, 2 * MS, 2 * MS)).toBe(SyncVerdict.Accepted);
      offset += 1_000; // 10 ms per second
    }
    expect(peer.counters.steps).toBe(0);
  });

  it('flags a peer answering random values as inconsistent, and clears it after the step window', () => {
    const peer = new PeerSync();
    let state = 7;
    const random = () =>
      ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32 - 0.5) * 2e7;
    let t = T0;
    for (let k = 0; k < 20; k++, t += 100 * MS) exchange(peer, t, random(), 40 * MS, 40 * MS);
    expect(peer.inconsistentAt(t)).toBe(true);
    expect(peer.stepsWithin(t)).toBe(PEER_SYNC_DEFAULTS.maxSteps);
    steady(peer, t, 10, 0);
    expect(peer.inconsistentAt(t + PEER_SYNC_DEFAULTS.stepWindowUs + 2_000 * MS)).toBe(false);
  });
});

describe('PeerSync: bad input and floods', () => {
  it('property: arbitrary timestamps never throw, are counted when invalid, and leave a finite estimate', () => {
    const any = fc.oneof(
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -(2 ** 60), 2 ** 60),
      fc.integer({ min: T0 - 10_000_000, max: T0 + 10_000_000 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(any, any, any, any), { maxLength: 50 }), (rows) => {
        const peer = new PeerSync();
        exchange(peer, T0 - 100 * MS, 0, 20 * MS, 20 * MS);
        for (const [t1, t2, t3, t4] of rows) peer.addExchange(t1, t2, t3, t4);
        const c = peer.counters;
        expect(c.accepted + c.steps + c.stale + c.invalid).toBe(rows.length + 1);
        const e = peer.estimate(T0);
        expect(Number.isNaN(e.offsetUs) || Number.isFinite(e.offsetUs)).toBe(true);
        expect(e.samples).toBeLessThanOrEqual(PEER_SYNC_DEFAULTS.windowSamples);
      }),
      { numRuns: propertyRuns(300, 5_000) },
    );
  });

  it('rejects impossible exchanges by name', () => {
    const peer = new PeerSync();
    expect(peer.addExchange(T0, T0 + 10, T0 + 5, T0 + 100)).toBe(SyncVerdict.Invalid); // t3 < t2
    expect(peer.addExchange(T0, T0, T0, T0 - 1)).toBe(SyncVerdict.Invalid); // t4 < t1
    // The peer held the request 200 ms within a round trip of 100 ms: a negative path delay.
    expect(peer.addExchange(T0, T0 + 5 * MS, T0 + 205 * MS, T0 + 100 * MS)).toBe(
      SyncVerdict.Invalid,
    );
    expect(peer.addExchange(T0, T0, T0, T0 + 11_000_000)).toBe(SyncVerdict.Invalid); // > maxDelay
    expect(peer.counters.invalid).toBe(4);
    expect(peer.samples).toBe(0);
  });

  it('stays bounded under a flood of valid exchanges and of unsolicited replies', () => {
    const peer = new PeerSync();
    for (let k = 0; k < 100_000; k++) exchange(peer, T0 + k * 1_000, 0, 20 * MS, 20 * MS);
    expect(peer.samples).toBe(PEER_SYNC_DEFAULTS.windowSamples);
    // 100 s of 5 s buckets plus the open one, far below the cap of 64.
    expect(peer.skewBucketCount).toBe(100_000_000 / PEER_SYNC_DEFAULTS.skewBucketUs + 1);
    for (let k = 0; k < 400_000; k++)
      exchange(peer, T0 + 100_000_000 + k * 1_000, 0, 20 * MS, 20 * MS);
    expect(peer.skewBucketCount).toBe(PEER_SYNC_DEFAULTS.skewBuckets);
    for (let k = 0; k < 100_000; k++) {
      peer.onResponse({ type: 'time-sync-response', id: k, t1: k, t2: k, t3: k }, T0);
    }
    expect(peer.counters.unsolicited).toBe(100_000);
    expect(peer.samples).toBeLessThanOrEqual(PEER_SYNC_DEFAULTS.windowSamples);
  });

  it('refuses a bad configuration with a named error', () => {
    expect(() => new PeerSync({ windowUs: 0 })).toThrow(OutOfRangeError);
    expect(() => new PeerSync({ windowSamples: 1 })).toThrow(OutOfRangeError);
    expect(() => new PeerSync({ skewBuckets: 2.5 })).toThrow(OutOfRangeError);
    expect(() => new PeerSync({ maxOutstanding: 0 })).toThrow(OutOfRangeError);
    expect(() => new PeerSync({ driftAllowancePpm: Number.NaN })).toThrow(OutOfRangeError);
    expect(() => new PeerSync({ spreadLimitUs: -1 })).toThrow(OutOfRangeError);
    expect(() => new PeerSync({ spreadMinSamples: 65 })).toThrow(OutOfRangeError);
    expect(() => new PeerSync({ forgetAfterUs: 0 })).toThrow(OutOfRangeError);
    expect(() => new PeerSync().request(Number.NaN)).toThrow(OutOfRangeError);
  });
});
