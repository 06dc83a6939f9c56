import { describe, expect, it } from 'vitest';
import { OutOfRangeError, nodeId, type Clock, type NodeId } from '@elara/core';
import { ClockSync, StateClock, SyncFlag, SyncVerdict } from '../src/index.ts';
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
  });
});
