import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import {
  BufferTooShortError,
  InvalidWireFormatError,
  OutOfRangeError,
  PayloadKind,
  UnknownEnumValueError,
  decodeEnvelope,
  decodeEventBatch,
  encodeEnvelope,
  encodeEventBatch,
  envelopeSize,
  eventBatchSize,
  packEventBatches,
  payloadKind,
  splitEventBatch,
} from '../../src/index.ts';
import { arbEnvelope, asDecoded, expectNamed, fuzzInput, valueOrWireError } from './helpers.ts';

describe('event batches', () => {
  it('are 0x01 then (len:u16 ‖ envelope) entries, with views of each envelope', () => {
    fc.assert(
      fc.property(fc.array(arbEnvelope, { minLength: 1, maxLength: 6 }), (envs) => {
        const payload = encodeEventBatch(envs);
        expect(payload.length).toBe(eventBatchSize(envs));
        expect(payloadKind(payload)).toBe(PayloadKind.Events);
        const raws = splitEventBatch(payload);
        expect(raws.map(toHex)).toEqual(envs.map((e) => toHex(encodeEnvelope(e))));
        for (const raw of raws) expect(raw.buffer).toBe(payload.buffer);
        expect(decodeEventBatch(payload)).toEqual(envs.map(asDecoded));
      }),
      { numRuns: propertyRuns(500, 4000) },
    );
  });

  it('packs greedily in order within the budget; only a lone oversize envelope exceeds it', () => {
    fc.assert(
      fc.property(
        fc.array(arbEnvelope, { maxLength: 20 }),
        fc.integer({ min: 40, max: 1354 }),
        (envs, budget) => {
          const payloads = packEventBatches(envs, budget);
          const back = payloads.flatMap((p) => decodeEventBatch(p));
          expect(back).toEqual(envs.map(asDecoded));
          let next = 0;
          for (const p of payloads) {
            const n = splitEventBatch(p).length;
            if (p.length > budget) expect(n).toBe(1);
            const following = envs[next + n];
            if (following !== undefined) {
              // Greedy: the next envelope would not have fitted.
              expect(p.length + 2 + envelopeSize(following)).toBeGreaterThan(budget);
            }
            next += n;
          }
        },
      ),
      { numRuns: propertyRuns(500, 2000) },
    );
  });

  it('rejects empty batches, other kinds, bad lengths and bad budgets', () => {
    expectNamed(() => encodeEventBatch([]), OutOfRangeError);
    expectNamed(() => splitEventBatch(Uint8Array.of(0x01)), InvalidWireFormatError);
    expectNamed(() => splitEventBatch(Uint8Array.of(0x02, 0x01)), InvalidWireFormatError);
    expectNamed(() => splitEventBatch(Uint8Array.of(0x09)), UnknownEnumValueError);
    expectNamed(() => splitEventBatch(new Uint8Array(0)), BufferTooShortError);
    expectNamed(() => splitEventBatch(Uint8Array.of(0x01, 0x05)), BufferTooShortError);
    expectNamed(() => splitEventBatch(Uint8Array.of(0x01, 0x00, 0x00)), InvalidWireFormatError);
    expectNamed(() => splitEventBatch(Uint8Array.of(0x01, 0x09, 0x00, 1, 2)), BufferTooShortError);
    expectNamed(() => packEventBatches([], 0), OutOfRangeError);
    expect(packEventBatches([], 100)).toEqual([]);
  });

  it('random and mutated payloads give envelopes or a named error', () => {
    const valid = fc.array(arbEnvelope, { minLength: 1, maxLength: 3 }).map(encodeEventBatch);
    fc.assert(
      fc.property(fuzzInput(valid, 200), (bytes) => {
        const raws = valueOrWireError(() => splitEventBatch(bytes));
        if (raws !== undefined) for (const r of raws) valueOrWireError(() => decodeEnvelope(r));
        valueOrWireError(() => decodeEventBatch(bytes));
      }),
      { numRuns: propertyRuns(5000, 100_000) },
    );
  });
});
