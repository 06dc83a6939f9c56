import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import { Prng } from '../../src/sim/index.ts';
import {
  MAX_FRAGMENTS,
  OutOfRangeError,
  REASSEMBLER_FRAGMENT_OVERHEAD as FRAGMENT_OVERHEAD,
  REASSEMBLER_MESSAGE_OVERHEAD as MESSAGE_OVERHEAD,
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

// Heap measurements need a real collection first; tests (not sources) may use node:*.
v8.setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes the process retains (heap and array buffers) after a full collection. */
function retainedBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Every bound of `r`, and accounting that covers each held fragment and open message, for
 * sources 0..sources − 1.
 */
function expectWithinBounds(r: Reassembler, sources = 8): void {
  const c = r.config;
  expect(r.openMessages).toBeLessThanOrEqual(c.maxOpenMessages);
  expect(r.bufferedBytes).toBeLessThanOrEqual(c.maxBufferedBytes);
  expect(r.bufferedBytes).toBeGreaterThanOrEqual(
    r.openMessages * MESSAGE_OVERHEAD + r.heldFragments * FRAGMENT_OVERHEAD,
  );
  for (let s = 0; s < sources; s++) {
    expect(r.openFrom(nodeId(s))).toBeLessThanOrEqual(c.maxOpenPerSource);
    expect(r.bufferedFrom(nodeId(s))).toBeLessThanOrEqual(c.maxBufferedBytesPerSource);
  }
}

function fragments(payload: Uint8Array, messageId: number, budget: number): Fragment[] {
  return fragmentPayload(payload, { messageId, budget }).map(decodeFragment);
}

describe('Reassembler', () => {
  it('rebuilds a payload from fragments in any order, with duplicates, and copies what it keeps', () => {
    fc.assert(
      fc.property(
        // A reassembled payload starts with its own kind byte, never Fragment's.
        fc.uint8Array({ minLength: 1, maxLength: 2000 }).filter((p) => p[0] !== 0x03),
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
              expect(r.add(alice, decodeFragment(parts[i] as Uint8Array), k)).toEqual({
                status: 'duplicate',
                conflicting: false,
              });
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
      chunk: Uint8Array.of(0x10 + id),
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
      payload: Uint8Array.of(0x12, 0x12),
    });
    expect(r.counters.evicted).toBe(2);
  });

  it('keeps buffered bytes, overheads included, under the budget by evicting, or rejects what cannot fit', () => {
    const first = (n: number): number => n + FRAGMENT_OVERHEAD + MESSAGE_OVERHEAD;
    const r = new Reassembler({
      maxBufferedBytes: first(60) + first(59),
      maxBufferedBytesPerSource: 10_000,
      maxMessageBytes: 10_000,
    });
    const part = (id: number, n: number): Fragment => ({
      messageId: id,
      index: 0,
      total: 2,
      chunk: new Uint8Array(n),
    });
    r.add(alice, part(1, 60), 0);
    r.add(bob, part(2, 60), 0);
    expect(r.bufferedBytes).toBe(first(60));
    expect(r.counters.evicted).toBe(1);
    expect(r.add(alice, part(3, 59), 0).status).toBe('pending');
    expect(r.bufferedBytes).toBe(first(60) + first(59));
    // More than the whole budget on its own: refused without evicting anything for it.
    expect(r.add(alice, part(4, first(60) + first(59)), 0)).toEqual({
      status: 'rejected',
      reason: 'over-budget',
    });
    expect(r.openMessages).toBe(2);
    // Also when the open-message limits would otherwise evict for it.
    const full = new Reassembler({
      maxOpenMessages: 1,
      maxOpenPerSource: 1,
      maxBufferedBytes: 2000,
    });
    full.add(alice, part(1, 10), 0);
    expect(full.add(alice, part(2, 2000), 0)).toEqual({
      status: 'rejected',
      reason: 'over-budget',
    });
    expect([full.openMessages, full.counters.evicted]).toEqual([1, 0]);
    expect(r.bufferedBytes).toBeLessThanOrEqual(r.config.maxBufferedBytes);
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

  it('never exceeds any bound under random fragment floods, even with time stepping back', () => {
    const config: ReassemblerConfig = {
      maxFragmentsPerMessage: 6,
      maxMessageBytes: 200,
      maxOpenMessages: 5,
      maxOpenPerSource: 3,
      maxBufferedBytes: 4 * (MESSAGE_OVERHEAD + FRAGMENT_OVERHEAD + 100),
      maxBufferedBytesPerSource: 2 * (MESSAGE_OVERHEAD + FRAGMENT_OVERHEAD + 100),
      timeoutUs: 50,
    };
    const arbFragment = fc.record({
      source: fc.integer({ min: 0, max: 3 }).map((n) => nodeId(n)),
      messageId: fc.integer({ min: 0, max: 6 }),
      index: fc.integer({ min: 0, max: 8 }),
      total: fc.integer({ min: 1, max: 8 }),
      len: fc.integer({ min: 0, max: 150 }),
      // Steps back as well as forward: `now` from a clock that is not monotonic.
      dt: fc.integer({ min: -60, max: 20 }),
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
              chunk: new Uint8Array(f.len).fill(0x10),
            },
            now,
          );
          if (res.status === 'complete')
            expect(res.payload.length).toBeLessThanOrEqual(config.maxMessageBytes);
          expectWithinBounds(r, 4);
        }
        // Timeouts still work: one timeout of forward progress after the last step empties it.
        r.expire(now + config.timeoutUs);
        expect(r.openMessages).toBe(0);
        expect(r.bufferedBytes).toBe(0);
        expect(r.heldFragments).toBe(0);
      }),
      { numRuns: propertyRuns(1000, 5000) },
    );
  });

  it('accounts for every fragment and message under worst-case floods (empty chunks, huge totals)', () => {
    const config: ReassemblerConfig = {
      maxFragmentsPerMessage: MAX_FRAGMENTS,
      maxMessageBytes: 64 * 1024,
      maxOpenMessages: 200,
      maxOpenPerSource: 200,
      maxBufferedBytes: 64 * 1024,
      maxBufferedBytesPerSource: 16 * 1024,
      timeoutUs: 1_000_000,
    };
    const arbFragment = fc.record({
      source: fc.integer({ min: 0, max: 7 }),
      messageId: fc.integer({ min: 0, max: 40 }),
      index: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(MAX_FRAGMENTS - 1)),
      len: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2000 })),
    });
    fc.assert(
      fc.property(fc.array(arbFragment, { maxLength: 400 }), (flood) => {
        const r = new Reassembler(config);
        for (const f of flood) {
          r.add(
            nodeId(f.source),
            {
              messageId: f.messageId,
              index: f.index,
              total: MAX_FRAGMENTS,
              chunk: new Uint8Array(f.len),
            },
            0,
          );
          expectWithinBounds(r);
        }
      }),
      { numRuns: propertyRuns(200, 600) },
    );
  });

  it('holds no more memory than its byte budget under the worst case (measured heap)', () => {
    const budget = 4 * 1024 * 1024;
    const r = new Reassembler({
      maxFragmentsPerMessage: MAX_FRAGMENTS,
      maxOpenMessages: 1000,
      maxOpenPerSource: 1000,
      maxBufferedBytes: budget,
      maxBufferedBytesPerSource: budget,
      timeoutUs: 1_000_000_000,
    });
    const empty = new Uint8Array(0);
    const before = retainedBytes();
    // One empty fragment announcing 65535 per message: a dense chunk array would pin 512 KiB
    // for each (over 500 MB for 1000 open messages) while counting 0 bytes.
    for (let i = 0; i < 20_000; i++) {
      const f = { messageId: i, index: MAX_FRAGMENTS - 1, total: MAX_FRAGMENTS, chunk: empty };
      r.add(nodeId(i % 100), f, 0);
    }
    // Then many empty fragments of a few messages: each costs memory although it has no bytes.
    for (let i = 0; i < 60_000; i++) {
      const f = { messageId: 1_000_000 + (i % 10), index: i, total: MAX_FRAGMENTS, chunk: empty };
      r.add(nodeId(7), f, 1);
    }
    const grown = retainedBytes() - before;
    expectWithinBounds(r);
    expect(r.heldFragments).toBeGreaterThan(1000);
    expect(grown).toBeLessThan(budget + 1024 * 1024);
  });

  it("keeps timeouts working when the caller's clock steps back", () => {
    const r = new Reassembler({ timeoutUs: 1000 });
    const part = (id: number): Fragment => ({
      messageId: id,
      index: 0,
      total: 2,
      chunk: Uint8Array.of(1),
    });
    expect(r.add(alice, part(1), 1_000_000).status).toBe('pending');
    // The clock steps back by a second: that counts as no time passing ...
    expect(r.add(bob, part(2), 0).status).toBe('pending');
    expect(r.expire(999)).toBe(0);
    // ... and a timeout of forward progress later both messages have expired.
    expect(r.expire(1000)).toBe(2);
    expect(r.counters.expired).toBe(2);
  });

  it('refuses fragments that would reassemble into another fragment', () => {
    const r = new Reassembler();
    const nested = Uint8Array.of(0x03, 1, 2, 3);
    const nestedResult = { status: 'rejected', reason: 'nested-fragment' };
    expect(r.add(alice, { messageId: 1, index: 0, total: 1, chunk: nested }, 0)).toEqual(
      nestedResult,
    );
    // Seen on arrival of index 0 ...
    expect(
      r.add(alice, { messageId: 2, index: 1, total: 2, chunk: Uint8Array.of(9) }, 0).status,
    ).toBe('pending');
    expect(r.add(alice, { messageId: 2, index: 0, total: 2, chunk: nested }, 0)).toEqual(
      nestedResult,
    );
    expect(r.openMessages).toBe(0);
    // ... or, when index 0 is empty, once the payload is whole.
    r.add(alice, { messageId: 3, index: 0, total: 2, chunk: new Uint8Array(0) }, 0);
    expect(r.add(alice, { messageId: 3, index: 1, total: 2, chunk: nested }, 0)).toEqual(
      nestedResult,
    );
    expect(r.openMessages + r.bufferedBytes).toBe(0);
    expect(r.counters.rejected).toBe(3);
    // Fragments of a fragmented payload that starts with another kind are fine.
    const ok = fragments(Uint8Array.of(0x01, 2, 3, 4, 5), 4, 12);
    expect(ok.map((f) => r.add(alice, f, 0).status)).toEqual(['pending', 'complete']);
  });

  it('counts duplicates whose bytes differ as conflicting, keeping the first copy', () => {
    const r = new Reassembler();
    const f = (index: number, byte: number): Fragment => ({
      messageId: 1,
      index,
      total: 2,
      chunk: Uint8Array.of(0x01, byte),
    });
    r.add(alice, f(0, 5), 0);
    expect(r.add(alice, f(0, 5), 0)).toEqual({ status: 'duplicate', conflicting: false });
    expect(r.add(alice, f(0, 6), 0)).toEqual({ status: 'duplicate', conflicting: true });
    expect(r.counters).toMatchObject({ duplicates: 2, conflicting: 1 });
    expect(r.add(alice, f(1, 7), 0)).toEqual({
      status: 'complete',
      payload: Uint8Array.of(0x01, 5, 0x01, 7),
    });
  });

  it('keeps one source within its own budget, so it cannot crowd out the others', () => {
    const r = new Reassembler({ maxOpenPerSource: 64 });
    const perSource = r.config.maxBufferedBytesPerSource;
    expect(perSource).toBeLessThan(r.config.maxBufferedBytes);
    r.add(bob, { messageId: 1, index: 0, total: 2, chunk: new Uint8Array(100).fill(1) }, 0);
    for (let id = 0; id < 60; id++) {
      r.add(alice, { messageId: id, index: 0, total: 2, chunk: new Uint8Array(8000).fill(1) }, 0);
      expect(r.bufferedFrom(alice)).toBeLessThanOrEqual(perSource);
    }
    expect(r.openFrom(bob)).toBe(1);
    expect(r.counters.evicted).toBeGreaterThan(0);
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
    expect(r.bufferedBytes).toBe(4 + FRAGMENT_OVERHEAD + MESSAGE_OVERHEAD);
    expect(r.bufferedFrom(bob)).toBe(r.bufferedBytes);
    expect(r.heldFragments).toBe(1);
    r.clear();
    expect(r.openMessages + r.bufferedBytes + r.openFrom(bob) + r.heldFragments).toBe(0);
  });
});
