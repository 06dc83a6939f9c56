import { describe, expect, it } from 'vitest';
import { nodeId } from '@elara/core';
import { ClockSync, StateClock, SyncState } from '../../src/index.ts';
import { syncStates } from '../../src/rx/index.ts';
import { ManualClock } from '../manual-clock.ts';

const MS = 1_000;
const A = nodeId(0xaan);

describe('syncStates', () => {
  it('emits the state at subscription, then each change, until unsubscribed', () => {
    const truth = new ManualClock();
    const creatorClock = { now: () => truth.t + 800 * MS };
    const creatorState = new StateClock(creatorClock);
    creatorState.closeJoin();
    const creator = new ClockSync(creatorClock, creatorState);
    const sync = new ClockSync(truth, new StateClock(truth));
    sync.markSettled(A);
    const seen: SyncState[] = [];
    const subscription = syncStates(sync).subscribe((s) => seen.push(s));
    const run = (ms: number) => {
      for (let t = 0; t < ms; t += 100) {
        const request = sync.request(A);
        truth.advance(20 * MS);
        const response = request && creator.respond(request);
        truth.advance(20 * MS);
        if (response) sync.onResponse(A, response);
        truth.advance(60 * MS);
      }
    };
    run(3_000);
    expect(seen).toEqual([SyncState.Joining, SyncState.Converging, SyncState.Converged]);
    subscription.unsubscribe();
    for (let k = 0; k < 50; k++, truth.advance(100 * MS)) sync.request(A); // silence
    expect(sync.state).toBe(SyncState.Isolated);
    expect(seen).toHaveLength(3);
  });
});
