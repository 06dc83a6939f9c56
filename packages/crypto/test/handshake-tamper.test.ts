import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSlowRun, propertyRuns } from '@elara/test-env';
import { ElaraError, endpoint } from '@elara/core';
import {
  HANDSHAKE_MESSAGE_SIZES,
  type HandshakeInitiator,
  type HandshakeResponder,
} from '../src/index.ts';
import {
  type Node,
  type Run,
  T0,
  errorNames,
  flip,
  inviteSetup,
  inviterResponder,
  joinerInitiator,
  memberInitiator,
  node,
  pump,
  responder,
} from './handshake-harness.ts';

type Mode = 'member' | 'invite';
type Kind = 'native' | 'portable';

/** A fresh initiator and responder for one trial; the nodes (and invite) are reused. */
function pairFactory(
  mode: Mode,
  ki: Kind,
  kr: Kind,
  seed: number,
): () => [HandshakeInitiator, HandshakeResponder] {
  const a = node(ki, seed);
  const b = node(kr, seed + 1);
  if (mode === 'member') return () => [memberInitiator(a, b), responder(b)];
  const { book, invite } = inviteSetup(b, a);
  return () => [joinerInitiator(a, invite), inviterResponder(b, book)];
}

/** Runs a handshake whose `target`-th datagram has byte `at` XORed with `mask`. */
function tampered(
  make: () => [HandshakeInitiator, HandshakeResponder],
  target: number,
  at: number,
  mask: number,
): Run {
  const [initiator, r] = make();
  return pump(initiator, r, initiator.start(T0), {
    tap: (index, sent) => (index === target ? flip(sent.bytes, at, mask) : sent.bytes),
  });
}

function expectRefused(run: Run, target: number, what: string): void {
  // At least one named error (pump fails the test on anything else) ...
  expect(run.errors.length, `${what}: no error`).toBeGreaterThan(0);
  for (const e of run.errors) expect(ElaraError.isInstance(e)).toBe(true);
  // ... and no keys where the altered message (or anything after it) would have led to them.
  expect(run.initiatorResult, `${what}: initiator completed`).toBeUndefined();
  if (target < 5) expect(run.responderResult, `${what}: responder completed`).toBeUndefined();
}

const S = HANDSHAKE_MESSAGE_SIZES;
const SIZES: Record<Mode, readonly number[]> = {
  member: [S.init, S.retry, S.init, S.response, S.finish, S.accept],
  invite: [S.initWithInvite, S.retry, S.initWithInvite, S.response, S.finish, S.accept],
};
const NAMES = ['Init', 'Retry', 'Init with cookie', 'Response', 'Finish', 'Accept'];

/**
 * Which byte positions of message `target` a mode's enumeration alters: every byte, except in
 * the normal run for the invite mode's Response, Finish and Accept, which have the member mode's
 * layout (enumerated in full there) and are sampled every 4th byte. The slow run alters all.
 */
function positions(mode: Mode, target: number): number[] {
  const stride = mode === 'invite' && target >= 3 && !isSlowRun() ? 4 : 1;
  const all = Array.from({ length: SIZES[mode][target]! }, (_, at) => at);
  return all.filter((at) => at % stride === target % stride);
}

describe.each(['member', 'invite'] as const)(
  '%s handshake: altering any byte of any message',
  (mode) => {
    // On the native provider (about 800 handshakes for the member mode); the bit flipped moves
    // with the position so every bit of a byte is exercised somewhere.
    it.each(NAMES.map((name, target) => ({ name, target })))(
      '$name: every byte → a named error, no keys',
      ({ target }) => {
        const make = pairFactory(mode, 'native', 'native', 60 + target);
        const seen = new Set<string>();
        for (const at of positions(mode, target)) {
          const run = tampered(make, target, at, 1 << (at % 8));
          expectRefused(run, target, `${NAMES[target]} byte ${at}`);
          for (const name of errorNames(run)) seen.add(name);
        }
        // The refusals are specific, not one catch-all.
        expect(seen.size).toBeGreaterThan(1);
      },
    );
  },
);

describe('altering random bytes on the portable provider and across providers', () => {
  // tweetnacl makes each of these handshakes cost ~30–80 ms: a few runs in the normal suite.
  it.each([
    ['portable', 'portable'],
    ['native', 'portable'],
    ['portable', 'native'],
  ] as const)('initiator %s, responder %s', (ki, kr) => {
    fc.assert(
      fc.property(
        fc.constantFrom<Mode>('member', 'invite'),
        fc.integer({ min: 0, max: 5 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (mode, target, position, mask) => {
          const make = pairFactory(mode, ki, kr, 70);
          const at = position % SIZES[mode][target]!;
          expectRefused(tampered(make, target, at, mask), target, `${NAMES[target]} byte ${at}`);
        },
      ),
      { numRuns: propertyRuns(3, 25) },
    );
  });
});

describe('malformed datagrams', () => {
  it('truncated, extended, or garbage: named errors on both sides, never a crash, no state', () => {
    const a: Node = node('native', 80);
    const b: Node = node('native', 81);
    const valid = pump(
      memberInitiator(a, b),
      responder(b),
      memberInitiator(a, b).start(T0),
    ).messages.map((m) => m.bytes);
    const r = responder(b);
    const initiator = memberInitiator(a, b);
    initiator.start(T0);
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.oneof(
          fc.record({ kind: fc.constant('cut' as const), n: fc.nat() }),
          fc.record({
            kind: fc.constant('grow' as const),
            extra: fc.uint8Array({ minLength: 1, maxLength: 64 }),
          }),
          fc.record({
            kind: fc.constant('junk' as const),
            junk: fc.uint8Array({ maxLength: 1500 }),
          }),
        ),
        (base, change) => {
          const bytes =
            change.kind === 'cut'
              ? base.subarray(0, change.n % base.length)
              : change.kind === 'grow'
                ? Uint8Array.from([...base, ...change.extra])
                : change.junk;
          for (const receive of [
            () => r.receive(bytes, endpoint('203.0.113.9', 9), T0),
            () => initiator.receive(bytes, T0),
          ]) {
            try {
              receive();
            } catch (e) {
              expect(ElaraError.isInstance(e), String(e)).toBe(true);
            }
          }
          expect(r.memory).toEqual({ pending: 0, records: 0, sources: 0 });
          expect(initiator.status).toBe('awaiting-retry');
        },
      ),
      { numRuns: propertyRuns(500, 10_000) },
    );
  });
});
