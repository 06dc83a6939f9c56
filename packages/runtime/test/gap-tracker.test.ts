import { type NodeId, nodeId } from '@elara/core';
import { describe, expect, it } from 'vitest';
import { GapTracker, type GapTrackerLimits } from '../src/internal/gap-tracker.ts';

const limits = (maxAuthors: number, maxAhead = 1_000, maxTries = 100): GapTrackerLimits => ({
  maxAuthors,
  maxAhead,
  maxTries,
});

/** The authors whose gaps are asked for at time 0 (every gap here is learned with no hold). */
function askedAuthors(gaps: GapTracker): Set<NodeId> {
  const authors = new Set<NodeId>();
  gaps.due(
    0,
    () => 0,
    (author) => (authors.add(author), 100),
  );
  return authors;
}

describe('GapTracker', () => {
  it('asks after the hold, again after each retry, until the gap closes', () => {
    const gaps = new GapTracker(limits(8));
    let processed = 2;
    const asked: [number, number, number][] = [];
    const walk = (now: number): void =>
      gaps.due(
        now,
        () => processed,
        (_author, from, to, _source, tries) => {
          asked.push([from, to, tries]);
          return 500;
        },
      );
    gaps.learn(nodeId(7), 5, processed, nodeId(9), 1_000, 100);
    walk(1_050);
    expect(asked).toEqual([]);
    walk(1_100);
    expect(asked).toEqual([[3, 5, 0]]);
    // More is known meanwhile: the same gap grows, on the same schedule.
    gaps.learn(nodeId(7), 8, processed, undefined, 1_200, 100);
    walk(1_500);
    expect(asked.length).toBe(1);
    walk(1_600);
    expect(asked.at(-1)).toEqual([3, 8, 1]);
    processed = 8;
    walk(5_000);
    expect(gaps.size).toBe(0);
    expect(asked.length).toBe(2);
  });

  it('ignores what is already held, and tracks at most its bound of authors', () => {
    const gaps = new GapTracker(limits(2));
    gaps.learn(nodeId(1), 4, 4, undefined, 0, 0);
    expect(gaps.size).toBe(0);
    for (let a = 1; a <= 5; a++) gaps.learn(nodeId(a), 10, 0, undefined, 0, 0);
    expect(gaps.size).toBe(2);
    gaps.forget(nodeId(1));
    expect(gaps.size).toBe(1);
    gaps.learn(nodeId(5), 10, 0, undefined, 0, 0);
    expect(gaps.size).toBe(2);
    // The slot forget() freed went to the newcomer: it is the one asked for beside author 2.
    expect(askedAuthors(gaps)).toEqual(new Set([nodeId(2), nodeId(5)]));
  });

  it('waits without counting a try when nobody can be asked', () => {
    const gaps = new GapTracker(limits(4));
    gaps.learn(nodeId(3), 2, 0, undefined, 0, 0);
    const tries: number[] = [];
    gaps.due(
      0,
      () => 0,
      () => undefined,
    );
    gaps.due(
      10,
      () => 0,
      (_a, _f, _t, _s, n) => (tries.push(n), 100),
    );
    expect(tries).toEqual([0]);
  });

  it('cuts a claimed head to its distance above what is processed', () => {
    const gaps = new GapTracker(limits(4, 50));
    const asked: [number, number][] = [];
    gaps.learn(nodeId(5), 0xffff_ffff, 10, undefined, 0, 0);
    gaps.due(
      0,
      () => 10,
      (_a, from, to) => (asked.push([from, to]), 100),
    );
    expect(asked).toEqual([[11, 60]]);
  });

  it('drops a gap asked for its bound of tries without progress; progress resets the count', () => {
    const gaps = new GapTracker(limits(4, 1_000, 3));
    let processed = 0;
    let asks = 0;
    const walk = (now: number): void =>
      gaps.due(
        now,
        () => processed,
        () => (asks++, 10),
      );
    gaps.learn(nodeId(5), 100, 0, undefined, 0, 0);
    for (let t = 0; t <= 40; t += 10) walk(t);
    expect(asks).toBe(3);
    expect(gaps.size).toBe(0);
    // Learned again; each ask brings one event: never dropped while it progresses.
    gaps.learn(nodeId(5), 100, 0, undefined, 100, 0);
    for (let t = 100; t <= 1_000; t += 10) {
      walk(t);
      processed++;
    }
    expect(gaps.size).toBe(1);
    expect(asks).toBe(3 + 91);
  });

  it('forgets the authors a predicate refuses', () => {
    const gaps = new GapTracker(limits(8));
    for (let a = 1; a <= 4; a++) gaps.learn(nodeId(a), 10, 0, undefined, 0, 0);
    gaps.retain((a) => a !== nodeId(2) && a !== nodeId(3));
    expect(gaps.size).toBe(2);
    expect(askedAuthors(gaps)).toEqual(new Set([nodeId(1), nodeId(4)]));
  });
});
