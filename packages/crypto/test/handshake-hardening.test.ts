import { describe, expect, it } from 'vitest';
import { type Endpoint, endpoint, sessionId } from '@elara/core';
import { Prng } from '@elara/core/sim';
import {
  CapacityError,
  HandshakeInitiator,
  HandshakeMessageType,
  type HandshakeResponder,
  Identity,
  PeerMismatchError,
  decodeHandshakeMessage,
  nativeCryptoProvider,
  portableCryptoProvider,
} from '../src/index.ts';
import { encodeSealedMessage } from '../src/handshake/handshake-message.ts';
import { concatBytes } from '../src/internal/concat-bytes.ts';
import {
  NO_PSK,
  RESPONDER_SIGNATURE_LABEL,
  identityBytes,
  initTranscript,
} from '../src/internal/handshake-transcript.ts';
import { SESSION, T0, allow, node, responder, type Node } from './handshake-harness.ts';

/** Runs a member handshake from `a` at `source` through `r`; returns the initiator's status. */
function complete(
  a: Node,
  b: Node,
  r: HandshakeResponder,
  source: Endpoint,
  now: number,
  s = SESSION,
): string {
  const i = new HandshakeInitiator({
    provider: a.provider,
    identity: a.identity,
    sessionId: s,
    peer: b.identity.publicIdentity(),
    authorize: allow,
  });
  const init2 = i.receive(r.receive(i.start(now), source, now).reply!, now).send[0]!;
  const finish = i.receive(r.receive(init2, source, now).reply!, now).send[0]!;
  i.receive(r.receive(finish, source, now).reply!, now);
  return i.status;
}

/** Opens a pending handshake at `r` from `source` (Init, Retry, Init with cookie, Response). */
function openPending(a: Node, b: Node, r: HandshakeResponder, source: Endpoint, now: number): void {
  const i = new HandshakeInitiator({
    provider: a.provider,
    identity: a.identity,
    sessionId: SESSION,
    peer: b.identity.publicIdentity(),
    authorize: allow,
  });
  const init2 = i.receive(r.receive(i.start(now), source, now).reply!, now).send[0]!;
  r.receive(init2, source, now);
}

describe('the per-source quota cannot lock others out', () => {
  it('many ports of one IP cannot stop a member at another IP from completing', () => {
    const a = node('native', 901);
    const b = node('native', 902);
    const attacker = node('native', 903);
    const r = responder(b, { limits: { maxHandshakes: 16 } });
    let refused = 0;
    for (let port = 10_000; port < 10_040; port++) {
      try {
        openPending(attacker, b, r, endpoint('203.0.113.66', port), T0);
      } catch (e) {
        if (!CapacityError.isInstance(e)) throw e;
        refused++;
      }
    }
    // The quota is the IP, not the port: the host holds at most its 8.
    expect(r.memory.pending).toBe(r.limits.maxHandshakesPerSource);
    expect(refused).toBe(40 - r.limits.maxHandshakesPerSource);
    expect(complete(a, b, r, endpoint('192.0.2.1', 4000), T0 + 1)).toBe('established');
  });

  it('IPv6 sources share a quota per /64', () => {
    const b = node('native', 904);
    const attacker = node('native', 905);
    const r = responder(b);
    const refusals = Array.from({ length: 12 }, (_, k) => {
      try {
        openPending(attacker, b, r, endpoint(`2001:db8:1:2::${(k + 1).toString(16)}`, 5000), T0);
        return false;
      } catch (e) {
        if (!CapacityError.isInstance(e)) throw e;
        return true;
      }
    });
    expect(refusals.filter(Boolean)).toHaveLength(4);
  });

  it('when the table is full, the heaviest source is shed for a newcomer', () => {
    const a = node('native', 906);
    const b = node('native', 907);
    const attacker = node('native', 908);
    const r = responder(b, { limits: { maxHandshakes: 8 } });
    for (let k = 0; k < 8; k++) openPending(attacker, b, r, endpoint('203.0.113.66', 9000 + k), T0);
    expect(r.memory.pending).toBe(8);
    expect(complete(a, b, r, endpoint('192.0.2.1', 4000), T0 + 1)).toBe('established');
    expect(r.memory.pending).toBe(7);
  });

  it('finished handshakes do not consume a source quota: 10 sessions in a row from one socket', () => {
    const a = node('native', 909);
    const b = node('native', 910);
    const r = responder(b);
    const source = endpoint('192.0.2.1', 4000);
    const statuses = Array.from({ length: 10 }, (_, s) =>
      complete(a, b, r, source, T0 + s * 1_000_000, sessionId(BigInt(s + 1))),
    );
    expect(statuses).toEqual(Array<string>(10).fill('established'));
    expect(r.memory.pending).toBe(0);
  });
});

describe('ephemeral secrets are zeroed', () => {
  for (const make of [nativeCryptoProvider, portableCryptoProvider]) {
    it(`the ephemeral seeds both sides drew are zero afterwards (${make.name})`, () => {
      const drawn: Uint8Array[] = [];
      let recording = false;
      const source = (prng: Prng) => ({
        fill(target: Uint8Array): Uint8Array {
          prng.fill(target);
          if (recording) drawn.push(target);
          return target;
        },
      });
      const pa = make({ random: source(new Prng(5)) });
      const pb = make({ random: source(new Prng(6)) });
      const a = Identity.generate(pa);
      const b = Identity.generate(pb);
      const r = responder({ provider: pb, identity: b });
      const i = new HandshakeInitiator({
        provider: pa,
        identity: a,
        sessionId: SESSION,
        peer: b.publicIdentity(),
        authorize: allow,
      });
      const src = endpoint('192.0.2.1', 1);
      recording = true;
      const init1 = i.start(T0);
      recording = false;
      // The Retry draws the responder's long-lived cookie secret: not an ephemeral.
      const retry = r.receive(init1, src, T0).reply!;
      recording = true;
      const init2 = i.receive(retry, T0).send[0]!;
      const finish = i.receive(r.receive(init2, src, T0).reply!, T0).send[0]!;
      expect(i.receive(r.receive(finish, src, T0).reply!, T0).result).toBeDefined();
      const seeds = drawn.filter((x) => x.length === 32);
      expect(seeds).toHaveLength(2);
      expect(drawn.every((x) => x.every((y) => y === 0))).toBe(true);
    });
  }
});

describe('a forged Response does not end a member handshake', () => {
  it('a Response signed by another identity is refused by name and the genuine one completes', () => {
    const a = node('native', 911);
    const b = node('native', 912);
    const m = node('native', 913);
    const p = a.provider;
    const r = responder(b);
    const i = new HandshakeInitiator({
      provider: p,
      identity: a.identity,
      sessionId: SESSION,
      peer: b.identity.publicIdentity(),
      authorize: allow,
    });
    const src = endpoint('192.0.2.1', 4000);
    const init2 = i.receive(r.receive(i.start(T0), src, T0).reply!, T0).send[0]!;
    const genuine = r.receive(init2, src, T0).reply!;
    // A man-on-the-side forges a Response from the observed Init alone.
    const im = decodeHandshakeMessage(init2);
    if (im.type !== HandshakeMessageType.Init) throw new Error('not an Init');
    const { state } = initTranscript(p, im.prefix, im.ephemeral, NO_PSK);
    const e = p.x25519PrivateKey(p.randomBytes(32));
    const built = encodeSealedMessage(
      HandshakeMessageType.Response,
      SESSION,
      b.identity.nodeId,
      im.handshakeId,
      e.publicKey,
    );
    state.mixHash(built.datagram.subarray(0, built.protectedAt));
    state.mixKey(e.agree(p.x25519PublicKey(im.ephemeral)));
    const own = identityBytes(m.identity);
    built.datagram.set(
      state.encryptAndHash(
        concatBytes(own, m.identity.sign(concatBytes(RESPONDER_SIGNATURE_LABEL, state.h, own))),
      ),
      built.protectedAt,
    );
    const deadline = i.deadline;
    expect(() => i.receive(built.datagram, T0)).toThrow(PeerMismatchError);
    expect(i.status).toBe('awaiting-response');
    expect(i.deadline).toBe(deadline);
    const finish = i.receive(genuine, T0).send[0]!;
    const accept = r.receive(finish, src, T0).reply!;
    expect(i.receive(accept, T0).result).toBeDefined();
    expect(i.status).toBe('established');
  });
});
