import { describe, expect, it } from 'vitest';
import { OutOfRangeError } from '@elara/core';
import {
  HandshakeInitiator,
  HandshakeMessageType,
  PeerMismatchError,
  UnexpectedHandshakeMessageError,
  decodeHandshakeMessage,
} from '../src/index.ts';
import {
  INITIATOR_ADDRESS,
  SESSION,
  T0,
  allow,
  deny,
  drive,
  errorNames,
  memberInitiator,
  node,
  responder,
} from './handshake-harness.ts';

describe('authorize', () => {
  it('false on the responder: refused after Finish, no keys, and every retry refused until the initiator gives up', () => {
    const a = node('native', 21);
    const b = node('native', 22);
    const r = responder(b, { authorize: deny });
    const initiator = memberInitiator(a, b, allow, { maxAttempts: 3 });
    const run = drive(initiator, r);
    expect(errorNames(run)).toEqual([
      'UnauthorizedPeerError',
      'UnauthorizedPeerError',
      'UnauthorizedPeerError',
      'HandshakeTimeoutError',
    ]);
    expect(run.errorSides).toEqual(['responder', 'responder', 'responder', 'initiator']);
    expect(run.responderResult).toBeUndefined();
    expect(run.initiatorResult).toBeUndefined();
    expect(initiator.status).toBe('failed');
    expect(r.memory.pending).toBe(0);
    expect(r.counters.completed).toBe(0);
    // The refused Finish got no Accept.
    const types = run.messages.map((m) => decodeHandshakeMessage(m.bytes).type);
    expect(types).not.toContain(HandshakeMessageType.Accept);
  });

  it('false on the initiator: it never reveals its identity (no Finish) and ends at once', () => {
    const a = node('native', 23);
    const b = node('native', 24);
    const initiator = memberInitiator(a, b, deny);
    const run = drive(initiator, responder(b));
    expect(errorNames(run)).toEqual(['UnauthorizedPeerError']);
    expect(run.errorSides).toEqual(['initiator']);
    expect(initiator.status).toBe('failed');
    expect(initiator.deadline).toBeUndefined();
    const types = run.messages.map((m) => decodeHandshakeMessage(m.bytes).type);
    expect(types).toEqual([
      HandshakeMessageType.Init,
      HandshakeMessageType.Retry,
      HandshakeMessageType.Init,
      HandshakeMessageType.Response,
    ]);
    expect(() => initiator.receive(run.messages[3]!.bytes, T0)).toThrow(
      UnexpectedHandshakeMessageError,
    );
  });
});

describe('the expected peer', () => {
  it('a Response signed with other keys than the pinned ones is refused and ignored', () => {
    const a = node('native', 25);
    const b = node('native', 26);
    const stranger = node('native', 27);
    const pinned = {
      ...b.identity.publicIdentity(),
      agreementPublicKey: stranger.identity.agreementPublicKey,
    };
    const initiator = new HandshakeInitiator({
      provider: a.provider,
      identity: a.identity,
      sessionId: SESSION,
      peer: pinned,
      authorize: allow,
    });
    const run = drive(initiator, responder(b));
    const names = errorNames(run);
    // Each attempt's Response is refused as a forgery; the attempts then run out.
    expect(names.slice(0, -1).every((n) => n === 'PeerMismatchError')).toBe(true);
    expect(names.length).toBeGreaterThan(1);
    expect(names.at(-1)).toBe('HandshakeTimeoutError');
    expect(initiator.status).toBe('failed');
  });

  it('an Init addressed to another node is refused by name, with no reply and no state', () => {
    const a = node('native', 28);
    const b = node('native', 29);
    const c = node('native', 30);
    const r = responder(c);
    const init = memberInitiator(a, b).start(T0);
    expect(() => r.receive(init, INITIATOR_ADDRESS, T0)).toThrow(PeerMismatchError);
    expect(r.memory).toEqual({ pending: 0, records: 0, sources: 0 });
    expect(r.counters.retries).toBe(0);
  });

  it('a node cannot start a handshake with itself', () => {
    const a = node('native', 31);
    expect(() => memberInitiator(a, a)).toThrow(PeerMismatchError);
  });

  it('refuses timers and limits that make no sense', () => {
    const a = node('native', 32);
    const b = node('native', 33);
    expect(() => memberInitiator(a, b, allow, { maxAttempts: 0 })).toThrow(OutOfRangeError);
    expect(() => memberInitiator(a, b, allow, { retryIntervalUs: 0.5 })).toThrow(OutOfRangeError);
    expect(() => responder(b, { limits: { maxHandshakes: 0 } })).toThrow(OutOfRangeError);
    expect(() =>
      responder(b, { limits: { cookieBucketUs: 20_000_000, replayMemoryUs: 30_000_000 } }),
    ).toThrow(OutOfRangeError);
    const initiator = memberInitiator(a, b);
    expect(() => initiator.start(Number.NaN)).toThrow(OutOfRangeError);
    expect(() => responder(b).expire(Number.POSITIVE_INFINITY)).toThrow(OutOfRangeError);
  });

  it('a started initiator cannot start again', () => {
    const initiator = memberInitiator(node('native', 34), node('native', 35));
    initiator.start(T0);
    expect(() => initiator.start(T0)).toThrow(UnexpectedHandshakeMessageError);
  });
});
