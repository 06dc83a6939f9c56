import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import {
  BufferTooShortError,
  FRAGMENT_HEADER_SIZE,
  InvalidWireFormatError,
  OutOfRangeError,
  PayloadKind,
  TooLargeError,
  decodeFragment,
  encodeFragment,
  fragmentPayload,
  payloadKind,
} from '../../src/index.ts';
import { expectNamed, fuzzInput, valueOrWireError } from './helpers.ts';

describe('fragmentation', () => {
  it('has the documented bytes', () => {
    const parts = fragmentPayload(Uint8Array.of(1, 2, 3, 4, 5), {
      messageId: 0x01020304,
      budget: 12,
    });
    expect(parts.map(toHex)).toEqual([
      '03' + '04030201' + '0000' + '0200' + '010203',
      '03' + '04030201' + '0100' + '0200' + '0405',
    ]);
    expect(
      toHex(
        encodeFragment({ messageId: 0x01020304, index: 1, total: 2, chunk: Uint8Array.of(4, 5) }),
      ),
    ).toBe(toHex(parts[1] as Uint8Array));
  });

  it('splits into numbered fragments within the budget that concatenate back', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: FRAGMENT_HEADER_SIZE + 1, max: 1400 }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        (payload, budget, messageId) => {
          const parts = fragmentPayload(payload, { messageId, budget });
          const room = budget - FRAGMENT_HEADER_SIZE;
          expect(parts.length).toBe(Math.max(1, Math.ceil(payload.length / room)));
          const chunks = parts.map((p, i) => {
            expect(p.length).toBeLessThanOrEqual(budget);
            expect(payloadKind(p)).toBe(PayloadKind.Fragment);
            const f = decodeFragment(p);
            expect(f).toMatchObject({ messageId, index: i, total: parts.length });
            if (i < parts.length - 1) expect(f.chunk.length).toBe(room);
            return f.chunk;
          });
          expect(toHex(Uint8Array.from(chunks.flatMap((c) => [...c])))).toBe(toHex(payload));
        },
      ),
      { numRuns: propertyRuns(500, 5000) },
    );
  });

  it('refuses bad budgets, ids and too many fragments', () => {
    const p = new Uint8Array(100);
    expectNamed(
      () => fragmentPayload(p, { messageId: 1, budget: FRAGMENT_HEADER_SIZE }),
      OutOfRangeError,
    );
    expectNamed(() => fragmentPayload(p, { messageId: -1, budget: 50 }), OutOfRangeError);
    expectNamed(
      () => fragmentPayload(p, { messageId: 1, budget: 19, maxFragments: 9 }),
      TooLargeError,
    );
    expect(fragmentPayload(p, { messageId: 1, budget: 19, maxFragments: 10 }).length).toBe(10);
    expectNamed(
      () => encodeFragment({ messageId: 1, index: 2, total: 2, chunk: p }),
      OutOfRangeError,
    );
    expectNamed(
      () => encodeFragment({ messageId: 1, index: 0, total: 0, chunk: p }),
      OutOfRangeError,
    );
  });

  it('rejects malformed fragment payloads with named errors', () => {
    expectNamed(
      () => decodeFragment(Uint8Array.of(0x03, 1, 0, 0, 0, 0, 0, 0)),
      BufferTooShortError,
    );
    expectNamed(
      () => decodeFragment(Uint8Array.of(0x03, 1, 0, 0, 0, 0, 0, 0, 0)),
      InvalidWireFormatError,
    );
    expectNamed(
      () => decodeFragment(Uint8Array.of(0x03, 1, 0, 0, 0, 2, 0, 2, 0)),
      InvalidWireFormatError,
    );
    expectNamed(
      () => decodeFragment(Uint8Array.of(0x01, 1, 0, 0, 0, 0, 0, 1, 0)),
      InvalidWireFormatError,
    );
  });

  it('random and mutated payloads give a fragment or a named error', () => {
    const valid = fc
      .tuple(fc.uint8Array({ maxLength: 100 }), fc.integer({ min: 10, max: 60 }))
      .chain(([p, budget]) => fc.constantFrom(...fragmentPayload(p, { messageId: 7, budget })));
    fc.assert(
      fc.property(fuzzInput(valid, 80), (bytes) => {
        const f = valueOrWireError(() => decodeFragment(bytes));
        if (f !== undefined) expect(f.index).toBeLessThan(f.total);
      }),
      { numRuns: propertyRuns(5000, 100_000) },
    );
  });
});
