import { describe, expect, it } from 'vitest';
import { OutOfRangeError, nodeId, type Clock, type NodeId } from '@elara/core';
import {
  CLOCK_SYNC_DEFAULTS,
  ClockSync,
  StateClock,
  SyncFlag,
  SyncState,
  SyncVerdict,
} from '../src/index.ts';
import { ManualClock } from './manual-clock.ts';

const MS = 1_000;
const A = nodeId(0xaan);
const B = nodeId(0xbbn);
const SILENT = nodeId(0xccn);

/** A node whose local clock is true time plus a fixed offset. */
function node(truth: ManualClock, offsetUs: number) {
  const clock: Clock = { now: () => truth.t + offsetUs };
  const state = new StateClock(clock);
  return { clock, state, sync: new ClockSync(clock, state) };
}

type Node = ReturnType<typeof node>;

/**
 * `asker` asks `answerer` every 100 ms over a clean 20 ms path each way for `durationUs` of true
 * time; `silent` peers are asked too and never answer.
 */
function exchange(
  truth: ManualClock,
  asker: Node,
  answerer: Node,
  answererId: NodeId,
  durationUs: number,
  silent: readonly NodeId[] = [],
): void {
  for (const end = truth.t + durationUs; truth.t < end;) {
    for (const peer of silent) asker.sync.request(peer);
    const request = asker.sync.request(answererId);
    truth.advance(20 * MS);
    const response = request && answerer.sync.respond(request);
    truth.advance(20 * MS);
    if (response) asker.sync.onResponse(answererId, response);
    truth.advance(60 * MS);
  }
}

describe('ClockSync: joining', () => {
  it('aligns once onto a settled peer (one that emitted events), whichever clock is ahead', () => {
    const truth = new ManualClock();
    const creator = node(truth, 1_500_000);
    creator.state.closeJoin(); // it created the session and wrote to it
    const joiner = node(truth, 0);
    joiner.sync.request(A); // the runtime adds the member…
    joiner.sync.markSettled(A); // …and has seen its events
    exchange(truth, joiner, creator, A, 2_000 * MS);
    expect(joiner.sync.joined).toBe(true);
    expect(joiner.state.joinOpen).toBe(false);
    expect(Math.abs(joiner.state.now() - creator.state.now())).toBeLessThanOrEqual(1);
    expect(joiner.sync.status(A)?.settled).toBe(true);
  });

  it('without settled peers, joins on the lower median, own clock included (the earlier clock of two)', () => {
    const truth = new ManualClock();
    const ahead = node(truth, 1_500_000);
    const joiner = node(truth, 0);
    exchange(truth, joiner, ahead, A, 2_000 * MS);
    expect(joiner.sync.joined).toBe(true);
    // Both joining together would each pick the earlier clock, so they agree; the one ahead
    // then steps back 1.5 s at its own join.
    const gap = joiner.state.now() - ahead.state.now();
    // It kept its own clock at the join and has only slewed since (≤ 1 % of the 2 s run).
    expect(Math.abs(gap + 1_500_000)).toBeLessThanOrEqual(20 * MS);
  });

  it('does not wait beyond joinDeadlineUs for a peer that never answers', () => {
    const truth = new ManualClock();
    const answering = node(truth, 250_000);
    const joiner = node(truth, 0);
    exchange(truth, joiner, answering, A, 3_000 * MS, [SILENT]);
    expect(joiner.state.joinOpen).toBe(true); // it waits for every peer…
    exchange(truth, joiner, answering, A, 2_500 * MS, [SILENT]);
    expect(joiner.sync.joined).toBe(true); // …until the deadline, then aligns with those ready
    expect(joiner.sync.status(SILENT)?.samples).toBe(0);
  });

  it('only slews when the runtime closed the join first', () => {
    const truth = new ManualClock();
    const peer = node(truth, 40 * MS);
    const self = node(truth, 0);
    self.state.closeJoin();
    const before = self.state.now();
    exchange(truth, self, peer, A, 4_000 * MS);
    expect(self.sync.joined).toBe(false);
    // Two clocks meet halfway: 20 ms to slew at ≤ 1 %, which 4 s allows only in part.
    const moved = self.state.now() - before - 4_000 * MS;
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThanOrEqual(4_000 * MS * 0.01 + 1);
  });
});

describe('ClockSync: two members, no majority', () => {
  // A peer 10 s off is either lying or broken, and with two members nothing tells which. The
  // lower median of two is the lower clock, so one 10 s below used to be joined outright (and one
  // 10 s above ignored); now neither is followed.
  for (const far of [-10_000_000, 10_000_000]) {
    it(`keeps its own clock beside a lone peer ${far / 1e6} s away, and says so`, () => {
      const truth = new ManualClock();
      const peer = node(truth, far);
      const joiner = node(truth, 0);
      exchange(truth, joiner, peer, A, 12_000 * MS); // beyond twice the join deadline
      expect(joiner.sync.joined).toBe(false);
      expect(joiner.state.joinOpen).toBe(true);
      expect(joiner.state.offsetUs()).toBe(0);
      expect(joiner.sync.state).toBe(SyncState.Joining);
      expect(joiner.sync.status(A)?.sessionOffsetUs).toBeCloseTo(far, -3); // seen, not followed

      const creator = node(truth, 0);
      creator.state.closeJoin();
      exchange(truth, creator, peer, A, 4_000 * MS);
      expect(creator.state.offsetUs()).toBe(0);
      expect(creator.sync.state).toBe(SyncState.Isolated);
      expect(Number.isNaN(creator.sync.sessionOffsetUs)).toBe(true);
    });
  }
});

describe('ClockSync: state', () => {
  it('is Converged alone: a session of one agrees with itself', () => {
    const truth = new ManualClock();
    const self = node(truth, 0);
    self.state.closeJoin();
    self.sync.update();
    expect(self.sync.state).toBe(SyncState.Converged);
    expect(self.sync.converged).toBe(true);
  });

  it('goes Joining → Converging → Converged, Isolated while the peer is silent, and back', () => {
    const truth = new ManualClock();
    const creator = node(truth, 1_500_000);
    creator.state.closeJoin();
    const self = node(truth, 0);
    const seen: SyncState[] = [];
    const stop = self.sync.subscribe((state, previous) => {
      expect(previous).toBe(seen.at(-1) ?? SyncState.Joining);
      seen.push(state);
    });
    expect(self.sync.state).toBe(SyncState.Joining);
    self.sync.markSettled(A);
    exchange(truth, self, creator, A, 2_000 * MS);
    expect(self.sync.joined).toBe(true);
    expect(seen).toEqual([SyncState.Converging]); // aligned, not yet judged long enough
    exchange(truth, self, creator, A, 1_000 * MS);
    expect(seen).toEqual([SyncState.Converging, SyncState.Converged]);
    expect(self.sync.converged).toBe(true);
    // Silence: requests still go out, the window empties, and no majority is left.
    for (let k = 0; k < 50; k++, truth.advance(100 * MS)) self.sync.request(A);
    expect(self.sync.state).toBe(SyncState.Isolated);
    exchange(truth, self, creator, A, 2_000 * MS);
    expect(seen).toEqual([
      SyncState.Converging,
      SyncState.Converged,
      SyncState.Isolated,
      SyncState.Converging,
      SyncState.Converged,
    ]);
    stop();
    for (let k = 0; k < 50; k++, truth.advance(100 * MS)) self.sync.request(A);
    expect(self.sync.state).toBe(SyncState.Isolated);
    expect(seen).toHaveLength(5);
  });
});

describe('ClockSync: frequency', () => {
  it(`moves the frequency at most frequencyRatePpm (${CLOCK_SYNC_DEFAULTS.frequencyRatePpm}) per second`, () => {
    const truth = new ManualClock();
    const self = node(truth, 0);
    self.state.closeJoin();
    const peers = [nodeId(1n), nodeId(2n)];
    for (const p of peers) self.sync.markSettled(p);
    const start = truth.t;
    const drift = 500e-6; // both peers' clocks run 500 ppm fast against ours
    const history: number[] = [];
    for (let k = 0; k < 1_200; k++, truth.advance(100 * MS)) {
      const t1 = truth.t;
      const offset = drift * (t1 - start);
      for (const p of peers) {
        const t2 = t1 + 20 * MS + offset;
        self.sync.peer(p)?.addExchange(t1, t2, t2, t1 + 40 * MS);
      }
      if (k % 5 === 4) {
        self.sync.update(truth.t);
        history.push(self.state.frequencyPpm);
      }
    }
    const steps = history.slice(1).map((f, i) => Math.abs(f - (history[i] as number)));
    // One update every 500 ms here: at most 5 ppm each (plus rounding).
    expect(Math.max(...steps)).toBeLessThanOrEqual(5 + 1e-6);
    // It still gets there: the median of 0, 500 and 500 is 500 (minus what the slew adds).
    expect(history.at(-1)).toBeGreaterThan(450);
  });
});

describe('ClockSync: a peer drifting against the others', () => {
  it('is left out of the offset consensus once its rate is trusted, not just of the frequency', () => {
    const truth = new ManualClock();
    const self = node(truth, 0);
    self.state.closeJoin();
    const [low, high, drifter] = [nodeId(1n), nodeId(2n), nodeId(3n)];
    for (const p of [low, high, drifter]) self.sync.markSettled(p);
    const start = truth.t;
    // Two honest peers 1 ms either side of us; one whose clock gains 200 ppm, 3 ms ahead now.
    const at = (p: NodeId, t: number) =>
      p === low ? -1_000 : p === high ? 1_000 : 3_000 - 200e-6 * (start + 40_000_000 - t);
    for (let k = 0; k < 400; k++, truth.advance(100 * MS)) {
      const t1 = truth.t;
      for (const p of [low, high, drifter]) {
        const t2 = t1 + 20 * MS + at(p, t1);
        self.sync.peer(p)?.addExchange(t1, t2, t2, t1 + 40 * MS);
      }
    }
    expect(self.sync.peer(drifter)?.skewConfident).toBe(true);
    // Counted, it is always the highest: the trimmed mean of 0, −1, +1 and +3 ms drops the
    // −1 ms honest clock with it and lands on +0.5 ms; left out, the middle of the rest is 0.
    expect(self.sync.update(truth.t)).toBeCloseTo(0, -2);
  });
});

describe('ClockSync: answering and bookkeeping', () => {
  it('answers with τs at receipt and at sending, statelessly', () => {
    const truth = new ManualClock();
    const self = node(truth, 0);
    self.state.alignAtJoin(777);
    const received = self.clock.now();
    truth.advance(3 * MS);
    const res = self.sync.respond({ type: 'time-sync-request', id: 9, t1: 42 }, received);
    expect(res).toEqual({
      type: 'time-sync-response',
      id: 9,
      t1: 42,
      t2: received + 777,
      t3: received + 3 * MS + 777,
    });
    for (let k = 0; k < 100_000; k++)
      self.sync.respond({ type: 'time-sync-request', id: k, t1: k });
    expect(self.sync.size).toBe(0);
  });

  it('counts replies from peers it never asked, and stays within maxPeers', () => {
    const truth = new ManualClock();
    const self = new ClockSync(truth, new StateClock(truth), { maxPeers: 16 });
    const stray = { type: 'time-sync-response', id: 1, t1: 1, t2: 1, t3: 1 } as const;
    expect(self.onResponse(B, stray)).toBe(SyncVerdict.Unsolicited);
    expect(self.counters.unknownPeer).toBe(1);
    for (let p = 1; p <= 1_000; p++) {
      self.request(nodeId(BigInt(p)));
      truth.advance(1);
    }
    expect(self.size).toBe(16);
    expect(self.counters.evictedPeers).toBe(984);
    expect(self.peer(nodeId(1_000n))).toBeDefined();
    expect(self.peer(nodeId(1n))).toBeUndefined();
    expect(self.forget(nodeId(1_000n))).toBe(true);
    expect(self.status(nodeId(1_000n))).toBeUndefined();
  });

  it('reports each peer: offset from our τs, round trip, flag, counters', () => {
    const truth = new ManualClock();
    const peer = node(truth, 300 * MS);
    const self = node(truth, 0);
    self.state.alignAtJoin(100 * MS);
    exchange(truth, self, peer, A, 1_000 * MS);
    const status = self.sync.status(A);
    expect(status).toMatchObject({
      peer: A,
      flag: SyncFlag.None,
      settled: false,
      delayUs: 40 * MS,
    });
    // The peer's τs minus ours, ours being 100 ms ahead of our clock (plus what was slewed).
    expect(status?.sessionOffsetUs).toBeCloseTo(peer.state.now() - self.state.now(), -1);
    expect(status?.counters.accepted).toBe(10);
    expect(self.sync.flagged()).toEqual([]);
  });

  it('refuses a bad configuration with a named error', () => {
    const clock = new ManualClock();
    const state = new StateClock(clock);
    expect(() => new ClockSync(clock, state, { gain: 0 })).toThrow(OutOfRangeError);
    expect(() => new ClockSync(clock, state, { maxPeers: 0 })).toThrow(OutOfRangeError);
    expect(() => new ClockSync(clock, state, { joinSamples: 65 })).toThrow(OutOfRangeError);
    expect(() => new ClockSync(clock, state, { suspectUs: -1 })).toThrow(OutOfRangeError);
    expect(() => new ClockSync(clock, state, { trim: 0.6 })).toThrow(OutOfRangeError);
    expect(() => new ClockSync(clock, state, { windowUs: Number.NaN })).toThrow(OutOfRangeError);
    expect(() => new ClockSync(clock, state, { joinSpreadSamples: 4 })).toThrow(OutOfRangeError);
    expect(() => new ClockSync(clock, state, { convergedUpdates: 0 })).toThrow(OutOfRangeError);
    expect(() => new ClockSync(clock, state, { frequencyRatePpm: -1 })).toThrow(OutOfRangeError);
    expect(() => new ClockSync(clock, state, { convergedUs: Number.NaN })).toThrow(OutOfRangeError);
  });
});
