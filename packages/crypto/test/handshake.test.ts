import { describe, expect, it } from 'vitest';
import {
  FrameFlags,
  MAX_FRAME_SIZE,
  PayloadKind,
  V1_FIRST_BYTE,
  decodeControlMessage,
  decodeFrameV1,
  sessionId,
} from '@elara/core';
import { toHex } from '@elara/test-env';
import {
  HANDSHAKE_MESSAGE_SIZES,
  HandshakeInitiator,
  HandshakeMessageType,
  type HandshakeResult,
  type PublicIdentity,
  decodeHandshakeMessage,
  deriveNodeId,
  isHandshakeDatagram,
  routeHandshake,
} from '../src/index.ts';
import {
  INITIATOR_ADDRESS,
  SESSION,
  T0,
  allow,
  errorNames,
  handshake,
  memberInitiator,
  node,
  pump,
  responder,
} from './handshake-harness.ts';

type Kind = 'native' | 'portable';

/** An identity as comparable text (native keys may be Buffers, decoded ones Uint8Arrays). */
function identityHex(p: PublicIdentity): string[] {
  return [p.nodeId.toString(16), toHex(p.signingPublicKey), toHex(p.agreementPublicKey)];
}

/** The two results agree: directional keys mirrored, same hash and channel, peers right. */
function expectMatched(i: HandshakeResult, r: HandshakeResult): void {
  expect(toHex(i.sendKey)).toBe(toHex(r.receiveKey));
  expect(toHex(i.receiveKey)).toBe(toHex(r.sendKey));
  expect(toHex(i.sendKey)).not.toBe(toHex(i.receiveKey));
  expect(toHex(i.handshakeHash)).toBe(toHex(r.handshakeHash));
  expect(i.channelId).toBe(r.channelId);
  expect(i.handshakeId).toBe(r.handshakeId);
  expect(i.sessionId).toBe(SESSION);
  expect(r.sessionId).toBe(SESSION);
  expect(i.role).toBe('initiator');
  expect(r.role).toBe('responder');
  expect(i.peer.nodeId).toBe(r.local);
  expect(r.peer.nodeId).toBe(i.local);
}

// Portable handshakes cost ~30–80 ms each (tweetnacl Ed25519), so these few are all there is.
const PAIRS: readonly (readonly [Kind, Kind])[] = [
  ['native', 'native'],
  ['portable', 'portable'],
  ['native', 'portable'],
  ['portable', 'native'],
];

describe('a handshake between two members', () => {
  it.each(PAIRS)('completes, initiator on %s, responder on %s', (ki, kr) => {
    const a = node(ki, 1);
    const b = node(kr, 2);
    const run = handshake(a, b);
    expect(errorNames(run)).toEqual([]);
    const i = run.initiatorResult as HandshakeResult;
    const r = run.responderResult as HandshakeResult;
    expectMatched(i, r);
    // Both sides authenticated the other's full identity: NodeId and both public keys.
    expect(identityHex(i.peer)).toEqual(identityHex(b.identity.publicIdentity()));
    expect(identityHex(r.peer)).toEqual(identityHex(a.identity.publicIdentity()));
    expect(i.admittedBy).toBe('authorize');
    expect(r.inviteId).toBeUndefined();
    expect(run.initiator.status).toBe('established');
    expect(run.responder.memory.pending).toBe(0);
  });

  it('gives identical bytes on every provider pairing for the same seeds', () => {
    const transcripts = PAIRS.map(([ki, kr]) =>
      handshake(node(ki, 1), node(kr, 2)).messages.map((m) => toHex(m.bytes)),
    );
    for (const t of transcripts.slice(1)) expect(t).toEqual(transcripts[0]);
  });

  it('runs Init, Retry, Init with cookie, Response, Finish, Accept at their documented sizes', () => {
    const run = handshake(node('native', 3), node('native', 4));
    const S = HANDSHAKE_MESSAGE_SIZES;
    expect(run.messages.map((m) => m.bytes.length)).toEqual([
      S.init,
      S.retry,
      S.init,
      S.response,
      S.finish,
      S.accept,
    ]);
    expect(run.messages.map((m) => decodeHandshakeMessage(m.bytes).type)).toEqual([
      HandshakeMessageType.Init,
      HandshakeMessageType.Retry,
      HandshakeMessageType.Init,
      HandshakeMessageType.Response,
      HandshakeMessageType.Finish,
      HandshakeMessageType.Accept,
    ]);
    expect(run.messages.map((m) => m.to)).toEqual([
      'responder',
      'initiator',
      'responder',
      'initiator',
      'responder',
      'initiator',
    ]);
    expect(S).toEqual({
      init: 114,
      initWithInvite: 138,
      retry: 89,
      response: 217,
      finish: 185,
      accept: 57,
    });
  });

  it("travels in core's v1 frames as control-plane handshake messages, one datagram each", () => {
    const a = node('native', 5);
    const b = node('native', 6);
    const run = handshake(a, b);
    for (const { to, bytes } of run.messages) {
      expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_SIZE);
      expect(isHandshakeDatagram(bytes)).toBe(true);
      const frame = decodeFrameV1(bytes);
      expect(bytes[0]).toBe(V1_FIRST_BYTE);
      expect(frame.header.flags).toBe(FrameFlags.Handshake);
      expect(frame.header.sessionId).toBe(SESSION);
      const sender = to === 'responder' ? a.identity.nodeId : b.identity.nodeId;
      expect(frame.header.nodeId).toBe(sender);
      expect(frame.payload[0]).toBe(PayloadKind.Control);
      const control = decodeControlMessage(frame.payload);
      expect(control.type).toBe('handshake');
      const route = routeHandshake(bytes);
      expect(route.toResponder).toBe(to === 'responder');
      expect(route.handshakeId).toBe(run.initiatorResult?.handshakeId);
      expect(route.sender).toBe(sender);
    }
  });

  it('derives fresh keys from fresh ephemerals: the same two identities never share keys twice', () => {
    const a = node('native', 7);
    const b = node('native', 8);
    const keys = new Set<string>();
    const r = handshake(a, b).responder;
    for (let k = 0; k < 5; k++) {
      const run = handshake(a, b, { responder: r });
      const i = run.initiatorResult as HandshakeResult;
      keys.add(toHex(i.sendKey));
      keys.add(toHex(i.receiveKey));
      keys.add(toHex(i.handshakeHash));
    }
    expect(keys.size).toBe(15);
  });

  it('binds the session: the same nodes in two sessions get unrelated keys', () => {
    const a = node('native', 9);
    const b = node('native', 10);
    const one = handshake(a, b).initiatorResult as HandshakeResult;
    const other = new HandshakeInitiator({
      provider: a.provider,
      identity: a.identity,
      sessionId: sessionId(0x77n),
      peer: b.identity.publicIdentity(),
      authorize: allow,
    });
    const run = pump(other, responder(b), other.start(T0));
    expect(run.errors).toEqual([]);
    expect(run.initiatorResult?.sessionId).toBe(sessionId(0x77n));
    expect(toHex(run.initiatorResult?.sendKey ?? new Uint8Array())).not.toBe(toHex(one.sendKey));
  });

  it('calls authorize on both sides with the authenticated peer and the session', () => {
    const a = node('native', 11);
    const b = node('native', 12);
    const asked: string[] = [];
    const log =
      (side: string) =>
      (peer: { nodeId: bigint; signingPublicKey: Uint8Array }, s: bigint): boolean => {
        expect(deriveNodeId(a.provider, peer.signingPublicKey)).toBe(peer.nodeId);
        asked.push(`${side}:${peer.nodeId}:${s}`);
        return true;
      };
    const run = handshake(a, b, {
      authorize: log('initiator'),
      responder: responder(b, { authorize: log('responder') }),
    });
    expect(run.errors).toEqual([]);
    expect(asked).toEqual([
      `initiator:${b.identity.nodeId}:${SESSION}`,
      `responder:${a.identity.nodeId}:${SESSION}`,
    ]);
  });

  it('routes by handshake id: a node runs handshakes with several peers at once', () => {
    const b = node('native', 13);
    const peers = [node('native', 14), node('native', 15), node('native', 16)];
    const r = responder(b);
    const initiators = peers.map((p) => memberInitiator(p, b));
    // Every Init first, then every answer in turn, each routed by its handshake id.
    let inFlight = initiators.map((i) => i.start(T0));
    const byId = new Map(initiators.map((i) => [i.handshakeId, i]));
    const results: HandshakeResult[] = [];
    for (let round = 0; round < 6 && inFlight.length > 0; round++) {
      const next: Uint8Array[] = [];
      for (const bytes of inFlight) {
        const route = routeHandshake(bytes);
        if (route.toResponder) {
          const step = r.receive(bytes, INITIATOR_ADDRESS, T0);
          if (step.reply) next.push(step.reply);
        } else {
          const step = byId.get(route.handshakeId)!.receive(bytes, T0);
          next.push(...step.send);
          if (step.result) results.push(step.result);
        }
      }
      inFlight = next;
    }
    expect(results.map((x) => x.local)).toEqual(peers.map((p) => p.identity.nodeId));
    expect(r.counters.completed).toBe(3);
  });
});
