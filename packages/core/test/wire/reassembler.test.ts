import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import { Prng } from '../../src/sim/index.ts';
import {
  OutOfRangeError,
  Reassembler,
  decodeFragment,
  fragmentPayload,
  nodeId,
  type Fragment,
  type ReassemblerConfig,
} from '../../src/index.ts';
import { expectNamed } from './helpers.ts';

const alice = nodeId(0xa);
const bob = nodeId(0xb);

function fragments(payload: Uint8Array, messageId: number, budget: number): Fragment[] {
  return fragmentPayload(payload, { messageId, budget }).map(decodeFragment);
}

describe('Reassembler', () => {
  it('rebuilds a payload from fragments in any order, with duplicates, and copies what it keeps', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        fc.integer({ min: 20, max: 300 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (payload, budget, seed) => {
          const prng = new Prng(seed);
          const parts = fragmentPayload(payload, { messageId: 3, budget });
          const order = parts.map((_, i) => i);
          for (let i = order.length - 1; i > 0; i--) {
            const j = prng.int(0, i);
            [order[i], order[j]] = [order[j] as number, order[i] as number];
          }
          const r = new Reassembler({ maxFragmentsPerMessage: 128, maxMessageBytes: 4096 });
          let done: Uint8Array | undefined;
          order.forEach((i, k) => {
            // Hand the reassembler a scratch copy it must not keep (a datagram buffer reused).
            const scratch = (parts[i] as Uint8Array).slice();
            const res = r.add(alice, decodeFragment(scratch), k);
            scratch.fill(0xee);
            if (res.status === 'complete') {
              done = res.payload;
              return;
            }
            expect(res.status).toBe('pending');
            if (prng.chance(0.3)) {
              expect(r.add(alice, decodeFragment(parts[i] as Uint8Array), k).status).toBe(
                'duplicate',
              );
            }
          });
          expect(done === undefined ? undefined : toHex(done)).toBe(toHex(payload));
          expect(r.openMessages).toBe(0);
          expect(r.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: propertyRuns(300, 3000) },
    );
  });

  it('drops a message when its timeout passes, by the injected time only', () => {
    const r = new Reassembler({ timeoutUs: 1000 });
    const [f0, f1] = fragments(new Uint8Array(50).fill(1), 9, 40);
    expect(r.add(alice, f0 as Fragment, 5000).status).toBe('pending');
    expect(r.expire(5999)).toBe(0);
    expect(r.openMessages).toBe(1);
    expect(r.expire(6000)).toBe(1);
    expect(r.counters.expired).toBe(1);
    // The late half starts a new message, which waits for a first half that never comes.
    expect(r.add(alice, f1 as Fragment, 6001).status).toBe('pending');
    expect(r.add(alice, f0 as Fragment, 6002).status).toBe('complete');
  });

  it('rejects inconsistent, oversized and over-long messages', () => {
    const r = new Reassembler({ maxFragmentsPerMessage: 4, maxMessageBytes: 100 });
    const chunk = new Uint8Array(40);
    expect(r.add(alice, { messageId: 1, index: 0, total: 5, chunk }, 0)).toEqual({
      status: 'rejected',
      reason: 'too-many-fragments',
    });
    expect(r.add(alice, { messageId: 1, index: 0, total: 3, chunk }, 0).status).toBe('pending');
    expect(r.add(alice, { messageId: 1, index: 1, total: 4, chunk }, 0)).toEqual({
      status: 'rejected',
      reason: 'inconsistent',
    });
    expect(r.openMessages).toBe(0);
    expect(r.add(alice, { messageId: 2, index: 0, total: 3, chunk }, 0).status).toBe('pending');
    expect(r.add(alice, { messageId: 2, index: 1, total: 3, chunk }, 0).status).toBe('pending');
    expect(r.add(alice, { messageId: 2, index: 2, total: 3, chunk }, 0)).toEqual({
      status: 'rejected',
      reason: 'too-large',
    });
    expect(r.add(alice, { messageId: 3, index: 3, total: 3, chunk }, 0).status).toBe('rejected');
    expect(r.add(alice, { messageId: 3, index: 0.5, total: 3, chunk }, 0).status).toBe('rejected');
    expect(r.add(alice, { messageId: 3, index: 0, total: 2.5, chunk }, 0).status).toBe('rejected');
    expect(
      r.add(alice, { messageId: 3, index: 0, total: 1, chunk: new Uint8Array(101) }, 0).status,
    ).toBe('rejected');
    expect(r.counters.rejected).toBe(7);
    expect(r.bufferedBytes).toBe(0);
  });

  it('evicts the oldest message when full, a flooding source its own first', () => {
    const r = new Reassembler({ maxOpenMessages: 3, maxOpenPerSource: 2 });
    const part = (id: number): Fragment => ({
      messageId: id,
      index: 0,
      total: 2,
      chunk: Uint8Array.of(id),
    });
    r.add(alice, part(1), 0);
    r.add(bob, part(2), 1);
    r.add(alice, part(3), 2);
    r.add(alice, part(4), 3); // alice at her limit: her oldest (1) goes
    expect(r.openFrom(alice)).toBe(2);
    expect(r.add(alice, { ...part(1), index: 1 }, 4).status).toBe('pending'); // restarted, evicts 3
    expect(r.openFrom(bob)).toBe(1);
    expect(r.add(bob, { ...part(2), index: 1 }, 5)).toEqual({
      status: 'complete',
      payload: Uint8Array.of(2, 2),
    });
    expect(r.counters.evicted).toBe(2);
  });

  it('keeps buffered bytes under the budget by evicting, or rejects what cannot fit', () => {
    const r = new Reassembler({ maxBufferedBytes: 100, maxMessageBytes: 1000 });
    const part = (id: number, n: number): Fragment => ({
      messageId: id,
      index: 0,
      total: 2,
      chunk: new Uint8Array(n),
    });
    r.add(alice, part(1, 60), 0);
    r.add(bob, part(2, 60), 0);
    expect(r.bufferedBytes).toBe(60);
    expect(r.counters.evicted).toBe(1);
    expect(r.add(alice, part(3, 101), 0)).toEqual({ status: 'rejected', reason: 'over-budget' });
    expect(r.bufferedBytes).toBeLessThanOrEqual(100);
  });

  it('refuses configurations without bounds', () => {
    for (const bad of [
      { maxOpenMessages: 0 },
      { maxFragmentsPerMessage: 70_000 },
      { timeoutUs: Number.POSITIVE_INFINITY },
      { maxBufferedBytes: 1.5 },
    ] as Partial<ReassemblerConfig>[]) {
      expectNamed(() => new Reassembler(bad), OutOfRangeError);
    }
  });

  it('never exceeds any bound under random fragment floods', () => {
    const config: ReassemblerConfig = {
      maxFragmentsPerMessage: 6,
      maxMessageBytes: 200,
      maxOpenMessages: 5,
      maxOpenPerSource: 3,
      maxBufferedBytes: 400,
      timeoutUs: 50,
    };
    const arbFragment = fc.record({
      source: fc.integer({ min: 0, max: 3 }).map((n) => nodeId(n)),
      messageId: fc.integer({ min: 0, max: 6 }),
      index: fc.integer({ min: 0, max: 8 }),
      total: fc.integer({ min: 1, max: 8 }),
      len: fc.integer({ min: 0, max: 150 }),
      dt: fc.integer({ min: 0, max: 20 }),
    });
    fc.assert(
      fc.property(fc.array(arbFragment, { maxLength: 200 }), (flood) => {
        const r = new Reassembler(config);
        let now = 0;
        for (const f of flood) {
          now += f.dt;
          const res = r.add(
            f.source,
            {
              messageId: f.messageId,
              index: f.index,
              total: f.total,
              chunk: new Uint8Array(f.len),
            },
            now,
          );
          if (res.status === 'complete')
            expect(res.payload.length).toBeLessThanOrEqual(config.maxMessageBytes);
          expect(r.openMessages).toBeLessThanOrEqual(config.maxOpenMessages);
          expect(r.bufferedBytes).toBeLessThanOrEqual(config.maxBufferedBytes);
          expect(r.bufferedBytes).toBeGreaterThanOrEqual(0);
          for (let s = 0; s <= 3; s++)
            expect(r.openFrom(nodeId(s))).toBeLessThanOrEqual(config.maxOpenPerSource);
        }
        r.expire(now + config.timeoutUs);
        expect(r.openMessages).toBe(0);
        expect(r.bufferedBytes).toBe(0);
      }),
      { numRuns: propertyRuns(1000, 5000) },
    );
  });

  it('refuses a time that is not a finite number', () => {
    const r = new Reassembler();
    const f: Fragment = { messageId: 1, index: 0, total: 2, chunk: new Uint8Array(1) };
    expectNamed(() => r.add(alice, f, Number.NaN), OutOfRangeError);
    expectNamed(() => r.expire(Number.POSITIVE_INFINITY), OutOfRangeError);
  });

  it('drops a source and clears', () => {
    const r = new Reassembler();
    r.add(alice, { messageId: 1, index: 0, total: 2, chunk: new Uint8Array(3) }, 0);
    r.add(bob, { messageId: 1, index: 0, total: 2, chunk: new Uint8Array(4) }, 0);
    expect(r.dropSource(alice)).toBe(1);
    expect(r.bufferedBytes).toBe(4);
    r.clear();
    expect(r.openMessages + r.bufferedBytes + r.openFrom(bob)).toBe(0);
  });
});
