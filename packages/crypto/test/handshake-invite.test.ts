import { describe, expect, it } from 'vitest';
import { toHex } from '@elara/test-env';
import {
  HandshakeInitiator,
  type HandshakeResult,
  Identity,
  InviteBook,
  InviteExpiredError,
  decodeInvite,
} from '../src/index.ts';
import {
  INITIATOR_ADDRESS,
  SESSION,
  T0,
  allow,
  deny,
  drive,
  errorNames,
  inviteSetup,
  inviterResponder,
  joinerInitiator,
  memberInitiator,
  node,
  pump,
  responder,
} from './handshake-harness.ts';

const HOUR = 3_600_000_000;

describe("a joiner's first handshake, with the invite's secret", () => {
  it.each([
    ['native', 'native'],
    ['portable', 'native'],
    ['native', 'portable'],
  ] as const)('joiner on %s, inviter on %s: admitted by the invite', (kj, ki) => {
    const inviter = node(ki, 200);
    const joiner = node(kj, 201);
    const { book, invite } = inviteSetup(inviter, joiner);
    const r = inviterResponder(inviter, book); // authorize refuses: only the invite admits
    const run = drive(joinerInitiator(joiner, invite), r);
    expect(errorNames(run)).toEqual([]);
    const j = run.initiatorResult as HandshakeResult;
    const i = run.responderResult as HandshakeResult;
    expect(j.admittedBy).toBe('invite');
    expect(i.admittedBy).toBe('invite');
    expect(toHex(i.inviteId!)).toBe(toHex(invite.inviteId));
    expect(toHex(j.inviteId!)).toBe(toHex(invite.inviteId));
    expect(toHex(j.sendKey)).toBe(toHex(i.receiveKey));
    expect(i.peer.nodeId).toBe(joiner.identity.nodeId);
    expect(j.peer.nodeId).toBe(inviter.identity.nodeId);
    expect(book.redeemedCount).toBe(1);
  });

  it('wrong secret: InviteSecretMismatchError at the inviter, before it does any public-key work', () => {
    const inviter = node('native', 204);
    const joiner = node('native', 205);
    const { book, invite } = inviteSetup(inviter, joiner);
    const wrong = { ...invite, secret: invite.secret.map((x) => x ^ 0x5a) };
    const r = inviterResponder(inviter, book);
    const run = drive(joinerInitiator(joiner, wrong, { maxAttempts: 2 }), r);
    expect(errorNames(run)).toEqual([
      'InviteSecretMismatchError',
      'InviteSecretMismatchError',
      'HandshakeTimeoutError',
    ]);
    expect(r.memory.records).toBe(0);
    expect(book.redeemedCount).toBe(0);
  });

  it('a made-up invite id, or a stretched expiry: the binder fails (secrets are derived from both)', () => {
    const inviter = node('native', 206);
    const joiner = node('native', 207);
    const { book, invite } = inviteSetup(inviter, joiner);
    const r = inviterResponder(inviter, book);
    const madeUp = { ...invite, inviteId: invite.inviteId.map((x) => x ^ 1) };
    const stretched = { ...invite, expiresAt: invite.expiresAt + HOUR };
    for (const forged of [madeUp, stretched]) {
      const run = drive(joinerInitiator(joiner, forged, { maxAttempts: 1 }), r);
      expect(errorNames(run)).toEqual(['InviteSecretMismatchError', 'HandshakeTimeoutError']);
    }
  });

  it('missing secret: without the invite the joiner is a stranger, and authorize refuses it', () => {
    const inviter = node('native', 208);
    const joiner = node('native', 209);
    const { book } = inviteSetup(inviter, joiner);
    const run = drive(
      memberInitiator(joiner, inviter, allow, { maxAttempts: 1 }),
      inviterResponder(inviter, book),
    );
    expect(errorNames(run)).toEqual(['UnauthorizedPeerError', 'HandshakeTimeoutError']);
  });

  it('an Init naming an invite, to a responder that takes none: InviteError', () => {
    const inviter = node('native', 210);
    const joiner = node('native', 211);
    const { invite } = inviteSetup(inviter, joiner);
    const run = drive(
      joinerInitiator(joiner, invite, { maxAttempts: 1 }),
      responder(inviter, { authorize: deny }),
    );
    expect(errorNames(run)).toEqual(['InviteError', 'HandshakeTimeoutError']);
  });

  it('expired: refused by the joiner on decode and on start, and by the inviter on arrival', () => {
    const inviter = node('native', 212);
    const joiner = node('native', 213);
    const { book, invite, text } = inviteSetup(inviter, joiner, T0, HOUR);
    const after = T0 + HOUR;
    expect(() => decodeInvite(joiner.provider, text, after)).toThrow(InviteExpiredError);
    expect(() => joinerInitiator(joiner, invite).start(after)).toThrow(InviteExpiredError);
    // Started in time, but the Init with its cookie arrives after the expiry.
    const initiator = joinerInitiator(joiner, invite);
    const r = inviterResponder(inviter, book);
    const retry = r.receive(initiator.start(after - 1), INITIATOR_ADDRESS, after - 1).reply!;
    const init2 = initiator.receive(retry, after - 1).send[0]!;
    expect(() => r.receive(init2, INITIATOR_ADDRESS, after)).toThrow(InviteExpiredError);
    expect(r.memory.records).toBe(0);
  });

  it('reused by another identity: InviteReusedError; the first joiner may redeem it again', () => {
    const inviter = node('native', 214);
    const joiner = node('native', 215);
    const other = node('native', 216);
    const { book, invite, text } = inviteSetup(inviter, joiner);
    const r = inviterResponder(inviter, book);
    expect(drive(joinerInitiator(joiner, invite), r).initiatorResult).toBeDefined();
    const copy = decodeInvite(other.provider, text, T0);
    const second = drive(joinerInitiator(other, copy, { maxAttempts: 1 }), r);
    expect(errorNames(second)).toEqual(['InviteReusedError', 'HandshakeTimeoutError']);
    // The same joiner again (say its Accept was lost): still its invite.
    expect(errorNames(drive(joinerInitiator(joiner, invite), r))).toEqual([]);
    expect(book.redeemedCount).toBe(1);
  });

  it('reused by an identity that claims to be the first joiner: refused once it authenticates', () => {
    const inviter = node('native', 217);
    const joiner = node('native', 218);
    const other = node('native', 219);
    const { book, invite, text } = inviteSetup(inviter, joiner);
    const r = inviterResponder(inviter, book);
    expect(drive(joinerInitiator(joiner, invite), r).initiatorResult).toBeDefined();
    // `other` holds the invite text and writes the first joiner's NodeId in every header, so
    // the early check (by claimed NodeId) lets it through; its own keys then authenticate it.
    const liar = Object.create(other.identity, {
      nodeId: { value: joiner.identity.nodeId },
    }) as Identity;
    const initiator = new HandshakeInitiator({
      provider: other.provider,
      identity: liar,
      invite: decodeInvite(other.provider, text, T0),
    });
    const run = pump(initiator, r, initiator.start(T0));
    expect(errorNames(run)).toEqual(['PeerMismatchError']);
    expect(run.errorSides).toEqual(['responder']);
    expect(run.responderResult).toBeUndefined();
    expect(book.redeemedCount).toBe(1);
  });

  it('two joiners racing with one invite: only one identity ever redeems it', () => {
    const inviter = node('native', 220);
    const a = node('native', 221);
    const b = node('native', 222);
    const { book, invite, text } = inviteSetup(inviter, a);
    const r = inviterResponder(inviter, book);
    const ia = joinerInitiator(a, invite);
    const ib = joinerInitiator(b, decodeInvite(b.provider, text, T0));
    // Both get as far as a pending handshake; then both Finish.
    const finishes = [ia, ib].map((i) => {
      const retry = r.receive(i.start(T0), INITIATOR_ADDRESS, T0).reply!;
      const response = r.receive(i.receive(retry, T0).send[0]!, INITIATOR_ADDRESS, T0).reply!;
      return i.receive(response, T0).send[0]!;
    });
    expect(r.receive(finishes[0]!, INITIATOR_ADDRESS, T0).result).toBeDefined();
    expect(() => r.receive(finishes[1]!, INITIATOR_ADDRESS, T0)).toThrow(/redeemed/);
    expect(book.redeemedCount).toBe(1);
  });

  it('the redeemed table is bounded: full of live invites, it refuses rather than forgets', () => {
    const inviter = node('native', 223);
    const book = new InviteBook(inviter.provider, inviter.identity, { maxRedeemed: 2 });
    const joiners = [node('native', 224), node('native', 225), node('native', 226)];
    const r = inviterResponder(inviter, book);
    const issue = (expiresAt: number) =>
      book.issue({ sessionId: SESSION, addresses: [INITIATOR_ADDRESS], expiresAt }, T0);
    const outcomes = joiners.map((j, k) => {
      const { text } = issue(T0 + (k + 1) * HOUR);
      return errorNames(
        drive(joinerInitiator(j, decodeInvite(j.provider, text, T0), { maxAttempts: 1 }), r),
      );
    });
    expect(outcomes).toEqual([[], [], ['CapacityError', 'HandshakeTimeoutError']]);
    expect(book.redeemedCount).toBe(2);
    // Once the first invite has expired its slot is free again.
    const late = T0 + HOUR;
    const { text } = book.issue(
      { sessionId: SESSION, addresses: [], expiresAt: late + HOUR },
      late,
    );
    const j = joiners[2]!;
    const run = drive(joinerInitiator(j, decodeInvite(j.provider, text, late)), r, late);
    expect(errorNames(run)).toEqual([]);
    expect(book.redeemedCount).toBe(2);
  });

  it('an invite book survives a restart when its key is kept', () => {
    const inviter = node('native', 227);
    const joiner = node('native', 228);
    const key = inviter.provider.randomBytes(32);
    const { text } = new InviteBook(inviter.provider, inviter.identity, { key }).issue(
      { sessionId: SESSION, addresses: [], expiresAt: T0 + HOUR },
      T0,
    );
    const restarted = new InviteBook(
      inviter.provider,
      Identity.import(inviter.provider, inviter.identity.export()),
      { key },
    );
    const run = drive(
      joinerInitiator(joiner, decodeInvite(joiner.provider, text, T0)),
      inviterResponder(inviter, restarted),
    );
    expect(errorNames(run)).toEqual([]);
  });
});
