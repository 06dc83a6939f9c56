import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import {
  DEFAULT_INITIATOR_TIMERS,
  DEFAULT_RESPONDER_LIMITS,
  HandshakeMessageType,
  HandshakeTimeoutError,
  type HandshakeResult,
  type InitMessage,
  UnexpectedHandshakeMessageError,
  decodeHandshakeMessage,
} from '../src/index.ts';
import {
  INITIATOR_ADDRESS,
  T0,
  drive,
  errorNames,
  memberInitiator,
  node,
  pump,
  responder,
} from './handshake-harness.ts';

const INTERVAL = DEFAULT_INITIATOR_TIMERS.retryIntervalUs;

function decodeInit(bytes: Uint8Array): InitMessage {
  const m = decodeHandshakeMessage(bytes);
  if (m.type !== HandshakeMessageType.Init) throw new Error(`expected an Init, got ${m.type}`);
  return m;
}

describe('retries on the caller clock', () => {
  it.each([0, 1, 2, 3, 4, 5])(
    'losing message %i once costs one attempt, then the handshake completes',
    (lost) => {
      const a = node('native', 41);
      const b = node('native', 42);
      const r = responder(b);
      const initiator = memberInitiator(a, b);
      const run = drive(initiator, r, T0, {
        tap: (index, sent) => (index === lost ? undefined : sent.bytes),
      });
      expect(initiator.status).toBe('established');
      expect(initiator.attempts).toBe(2);
      // The new attempt starts exactly one retry interval after the step that went unanswered.
      expect(run.endedAt).toBeGreaterThanOrEqual(T0 + INTERVAL);
      const i = run.initiatorResult as HandshakeResult;
      const rr = run.responderResult as HandshakeResult;
      expect(toHex(i.sendKey)).toBe(toHex(rr.receiveKey));
      // A lost Accept leaves the responder with a first channel the initiator never got; the
      // second attempt's result replaces it (the runtime keeps the newest per peer).
      expect(r.counters.completed).toBe(lost === 5 ? 2 : 1);
      expect(errorNames(run)).toEqual([]);
    },
  );

  it('gives up after maxAttempts with HandshakeTimeoutError, then takes nothing', () => {
    const a = node('native', 43);
    const b = node('native', 44);
    const initiator = memberInitiator(a, b, undefined, {
      maxAttempts: 4,
      retryIntervalUs: 250_000,
    });
    const run = drive(initiator, responder(b), T0, {
      tap: (_, sent) => (sent.to === 'responder' ? undefined : sent.bytes),
    });
    expect(errorNames(run)).toEqual(['HandshakeTimeoutError']);
    expect(initiator.attempts).toBe(4);
    expect(run.endedAt).toBe(T0 + 4 * 250_000);
    expect(initiator.status).toBe('failed');
    expect(initiator.deadline).toBeUndefined();
    expect(initiator.tick(run.endedAt + 10 * INTERVAL)).toEqual([]);
  });

  it('tick before the deadline sends nothing and changes nothing', () => {
    const a = node('native', 45);
    const b = node('native', 46);
    const initiator = memberInitiator(a, b);
    const init = initiator.start(T0);
    expect(initiator.deadline).toBe(T0 + INTERVAL);
    expect(initiator.tick(T0 + INTERVAL - 1)).toEqual([]);
    expect(initiator.attempts).toBe(1);
    const next = initiator.tick(T0 + INTERVAL);
    expect(next).toHaveLength(1);
    expect(initiator.attempts).toBe(2);
    // Each attempt is new: another handshake id and another ephemeral key.
    const first = decodeInit(init);
    const second = decodeInit(next[0]!);
    expect(second.handshakeId).not.toBe(first.handshakeId);
    expect(toHex(second.ephemeral)).not.toBe(toHex(first.ephemeral));
  });

  it('answers to an abandoned attempt are refused by name', () => {
    const a = node('native', 47);
    const b = node('native', 48);
    const r = responder(b);
    const initiator = memberInitiator(a, b);
    const retry = r.receive(initiator.start(T0), INITIATOR_ADDRESS, T0).reply!;
    initiator.tick(T0 + INTERVAL);
    expect(() => initiator.receive(retry, T0 + INTERVAL)).toThrow(/attempt/);
  });
});

describe('the responder forgets on its own clock', () => {
  it('a Finish after the pending timeout is refused by name, and the keys are gone', () => {
    const a = node('native', 49);
    const b = node('native', 50);
    const r = responder(b);
    const initiator = memberInitiator(a, b);
    const finishes: Uint8Array[] = [];
    pump(initiator, r, initiator.start(T0), {
      tap: (_, sent) => {
        const m = decodeHandshakeMessage(sent.bytes);
        if (m.type === HandshakeMessageType.Finish) {
          finishes.push(sent.bytes);
          return undefined;
        }
        return sent.bytes;
      },
    });
    expect(r.memory.pending).toBe(1);
    const late = T0 + DEFAULT_RESPONDER_LIMITS.pendingTimeoutUs;
    expect(() => r.receive(finishes[0]!, INITIATOR_ADDRESS, late)).toThrow(HandshakeTimeoutError);
    expect(r.memory.pending).toBe(0);
    expect(r.memory.records).toBe(1);
    r.expire(T0 + DEFAULT_RESPONDER_LIMITS.replayMemoryUs);
    expect(r.memory).toEqual({ pending: 0, records: 0, sources: 0 });
  });

  it('an established initiator takes no more messages and has no deadline', () => {
    const a = node('native', 51);
    const b = node('native', 52);
    const initiator = memberInitiator(a, b);
    const run = drive(initiator, responder(b));
    expect(initiator.status).toBe('established');
    expect(initiator.deadline).toBeUndefined();
    expect(initiator.tick(T0 + 100 * INTERVAL)).toEqual([]);
    for (const m of run.messages.filter((x) => x.to === 'initiator')) {
      expect(() => initiator.receive(m.bytes, T0)).toThrow(UnexpectedHandshakeMessageError);
    }
  });
});

describe('determinism', () => {
  it('any loss pattern: the run ends established or timed out, and the same seeds replay it byte for byte', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        (drops, seed) => {
          const once = (): { bytes: string[]; status: string; errors: string[] } => {
            const a = node('native', seed);
            const b = node('native', seed + 1);
            const initiator = memberInitiator(a, b, undefined, { maxAttempts: 3 });
            const run = drive(initiator, responder(b), T0, {
              tap: (index, sent) => (drops[index] === true ? undefined : sent.bytes),
            });
            return {
              bytes: run.messages.map((m) => toHex(m.bytes)),
              status: initiator.status,
              errors: errorNames(run),
            };
          };
          const first = once();
          expect(['established', 'failed']).toContain(first.status);
          if (first.status === 'failed') expect(first.errors.at(-1)).toBe('HandshakeTimeoutError');
          expect(once()).toEqual(first);
        },
      ),
      { numRuns: propertyRuns(25, 300) },
    );
  });
});
