import { describe, expect, it } from 'vitest';
import { ElaraError, type Endpoint, endpoint } from '@elara/core';
import {
  DEFAULT_RESPONDER_LIMITS,
  HandshakeMessageType,
  type HandshakeInitiator,
  type HandshakeResponder,
  decodeHandshakeMessage,
} from '../src/index.ts';
import {
  INITIATOR_ADDRESS,
  type Node,
  type Run,
  T0,
  inviteSetup,
  inviterResponder,
  joinerInitiator,
  memberInitiator,
  node,
  pump,
  responder,
} from './handshake-harness.ts';

const OTHER_ADDRESS: Endpoint = endpoint('203.0.113.50', 50000);

/** The named error `f` throws (the test fails if it throws anything else or nothing). */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(ElaraError.isInstance(e), String(e)).toBe(true);
    return (e as ElaraError).code;
  }
  throw new Error('expected a named error, got a result');
}

interface Captured {
  readonly a: Node;
  readonly b: Node;
  readonly run: Run;
  readonly initiator: HandshakeInitiator;
  readonly responder: HandshakeResponder;
}

function captured(mode: 'member' | 'invite', seed: number): Captured {
  const a = node('native', seed);
  const b = node('native', seed + 1);
  if (mode === 'member') {
    const initiator = memberInitiator(a, b);
    const r = responder(b);
    return { a, b, run: pump(initiator, r, initiator.start(T0)), initiator, responder: r };
  }
  const { book, invite } = inviteSetup(b, a);
  const initiator = joinerInitiator(a, invite);
  const r = inviterResponder(b, book);
  return { a, b, run: pump(initiator, r, initiator.start(T0)), initiator, responder: r };
}

describe.each(['member', 'invite'] as const)(
  '%s handshake: replaying a captured message',
  (mode) => {
    it('to the same parties, after completion: each refused by name, nothing allocated', () => {
      const c = captured(mode, 100);
      expect(c.run.errors).toEqual([]);
      expect(c.run.initiatorResult).toBeDefined();
      const before = c.responder.memory;
      const names = c.run.messages.map(({ to, bytes }) =>
        to === 'responder'
          ? refusal(() => c.responder.receive(bytes, INITIATOR_ADDRESS, T0 + 1000))
          : refusal(() => c.initiator.receive(bytes, T0 + 1000)),
      );
      expect(names).toEqual([
        'ReplayedHandshakeError',
        'UnexpectedHandshakeMessageError',
        'ReplayedHandshakeError',
        'UnexpectedHandshakeMessageError',
        'ReplayedHandshakeError',
        'UnexpectedHandshakeMessageError',
      ]);
      expect(c.responder.memory).toEqual(before);
      expect(c.responder.counters.completed).toBe(1);
      expect(c.initiator.status).toBe('established');
    });

    it('from another source address: refused by name, nothing allocated', () => {
      const c = captured(mode, 102);
      const before = c.responder.memory;
      const names = c.run.messages
        .filter((m) => m.to === 'responder')
        .map((m) => refusal(() => c.responder.receive(m.bytes, OTHER_ADDRESS, T0 + 1000)));
      expect(names).toEqual([
        'ReplayedHandshakeError',
        'ReplayedHandshakeError',
        'UnknownHandshakeError',
      ]);
      expect(c.responder.memory).toEqual(before);
    });

    it('to new parties (a fresh responder, a new attempt): refused by name, nothing allocated', () => {
      const c = captured(mode, 104);
      const fresh =
        mode === 'member' ? responder(c.b) : inviterResponder(c.b, inviteSetup(c.b, c.a).book);
      const next = memberInitiator(c.a, c.b);
      next.start(T0 + 1000);
      const names = c.run.messages.map(({ to, bytes }, index) =>
        to === 'responder'
          ? index === 0
            ? // A first Init is answered without state by design (see the next test).
              'stateless'
            : refusal(() => fresh.receive(bytes, INITIATOR_ADDRESS, T0 + 1000))
          : refusal(() => next.receive(bytes, T0 + 1000)),
      );
      expect(names).toEqual([
        'stateless',
        'UnknownHandshakeError',
        'InvalidCookieError',
        'UnknownHandshakeError',
        'UnknownHandshakeError',
        'UnknownHandshakeError',
      ]);
      expect(fresh.memory).toEqual({ pending: 0, records: 0, sources: 0 });
      expect(next.status).toBe('awaiting-retry');
    });

    it('a first Init the responder no longer remembers gets a Retry: no state, fewer bytes than it came with', () => {
      const c = captured(mode, 106);
      const init = c.run.messages[0]!.bytes;
      const later = T0 + DEFAULT_RESPONDER_LIMITS.replayMemoryUs;
      c.responder.expire(later);
      expect(c.responder.memory).toEqual({ pending: 0, records: 0, sources: 0 });
      // Statelessly, a cookie-less Init cannot be told from a new attempt: the answer is a Retry
      // to the address in the packet, smaller than the Init, and nothing is kept. The rest of
      // the handshake cannot follow: the cookie goes to that address, and every later message
      // of the captured run is refused by name.
      const { reply, result } = c.responder.receive(init, OTHER_ADDRESS, later);
      expect(result).toBeUndefined();
      expect(decodeHandshakeMessage(reply!).type).toBe(HandshakeMessageType.Retry);
      expect(reply!.length).toBeLessThan(init.length);
      expect(c.responder.memory).toEqual({ pending: 0, records: 0, sources: 0 });
      expect(
        refusal(() => c.responder.receive(c.run.messages[2]!.bytes, INITIATOR_ADDRESS, later)),
      ).toBe('InvalidCookieError');
      expect(
        refusal(() => c.responder.receive(c.run.messages[4]!.bytes, INITIATOR_ADDRESS, later)),
      ).toBe('UnknownHandshakeError');
      expect(c.responder.memory).toEqual({ pending: 0, records: 0, sources: 0 });
    });
  },
);

describe('replays during a handshake', () => {
  it('a second copy of each message while the handshake is under way: refused, state unchanged', () => {
    const a = node('native', 110);
    const b = node('native', 111);
    const initiator = memberInitiator(a, b);
    const r = responder(b);
    const init1 = initiator.start(T0);
    const retry = r.receive(init1, INITIATOR_ADDRESS, T0).reply!;
    expect(decodeHandshakeMessage(r.receive(init1, INITIATOR_ADDRESS, T0).reply!).type).toBe(
      HandshakeMessageType.Retry,
    ); // stateless: a duplicate first Init is answered again, nothing kept
    const init2 = initiator.receive(retry, T0).send[0]!;
    expect(refusal(() => initiator.receive(retry, T0))).toBe('UnexpectedHandshakeMessageError');
    const response = r.receive(init2, INITIATOR_ADDRESS, T0).reply!;
    const pendingMemory = r.memory;
    expect(refusal(() => r.receive(init2, INITIATOR_ADDRESS, T0))).toBe('ReplayedHandshakeError');
    expect(refusal(() => r.receive(init1, INITIATOR_ADDRESS, T0))).toBe('ReplayedHandshakeError');
    expect(r.memory).toEqual(pendingMemory);
    const finish = initiator.receive(response, T0).send[0]!;
    expect(refusal(() => initiator.receive(response, T0))).toBe('UnexpectedHandshakeMessageError');
    expect(initiator.status).toBe('awaiting-accept');
    const { reply: accept, result } = r.receive(finish, INITIATOR_ADDRESS, T0);
    expect(result).toBeDefined();
    expect(refusal(() => r.receive(finish, INITIATOR_ADDRESS, T0))).toBe('ReplayedHandshakeError');
    expect(r.counters.completed).toBe(1);
    expect(initiator.receive(accept!, T0).result).toBeDefined();
  });
});
