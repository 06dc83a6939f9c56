import type { SessionId } from '@elara/core';
import { SessionMismatchError } from '../crypto-errors.ts';
import type { CryptoProvider, X25519PrivateKey } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import type { Identity, PublicIdentity } from '../identity.ts';
import { checkBytes, checkLength } from '../internal/check-bytes.ts';
import { concatBytes } from '../internal/concat-bytes.ts';
import { constantTimeEqual } from '../internal/constant-time.ts';
import {
  CHANNEL_KEYS_INFO,
  INITIATOR_SIGNATURE_LABEL,
  NO_PSK,
  RESPONDER_SIGNATURE_LABEL,
  channelIdOf,
  identityBytes,
  initTranscript,
  openIdentity,
} from '../internal/handshake-transcript.ts';
import type { SymmetricState } from '../internal/symmetric-state.ts';
import type { Invite } from '../invite/invite.ts';
import { InviteExpiredError } from '../invite/invite-errors.ts';
import {
  HandshakeMismatchError,
  HandshakeTimeoutError,
  PeerMismatchError,
  UnauthorizedPeerError,
  UnexpectedHandshakeMessageError,
  UnknownHandshakeError,
} from './handshake-errors.ts';
import { type InitiatorTimers, checkNow, initiatorTimers } from './handshake-limits.ts';
import {
  COOKIE_LENGTH,
  type AcceptMessage,
  HandshakeMessageType,
  type InviteReference,
  type ResponseMessage,
  type RetryMessage,
  decodeHandshakeMessage,
  encodeInit,
  encodeSealedMessage,
} from './handshake-message.ts';
import type { Authorize, HandshakeResult, PeerExpectation } from './handshake-result.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

/** A handshake between two members of a session: the peer is admitted by `authorize`. */
export interface MemberInitiatorConfig {
  readonly provider: CryptoProvider;
  readonly identity: Identity;
  readonly sessionId: SessionId;
  /** Whom to reach (the NodeId at least; keys, when known, are pinned). */
  readonly peer: PeerExpectation;
  /** Called with the authenticated responder before this side sends its identity. */
  readonly authorize: Authorize;
  readonly timers?: Partial<InitiatorTimers>;
}

/** A joiner's first handshake, with the inviter named by a decoded, verified invite. */
export interface JoinerInitiatorConfig {
  readonly provider: CryptoProvider;
  readonly identity: Identity;
  /** From `decodeInvite`: the session, the inviter's keys (pinned) and the secret (the PSK). */
  readonly invite: Invite;
  readonly timers?: Partial<InitiatorTimers>;
}

/** What an initiator is given. */
export type InitiatorConfig = MemberInitiatorConfig | JoinerInitiatorConfig;

/** Where an initiator stands. */
export type InitiatorStatus =
  'idle' | 'awaiting-retry' | 'awaiting-response' | 'awaiting-accept' | 'established' | 'failed';

/** What one received datagram produced: datagrams to send to the responder, and the result. */
export interface InitiatorStep {
  readonly send: readonly Uint8Array[];
  readonly result: HandshakeResult | undefined;
}

interface Attempt {
  readonly handshakeId: bigint;
  readonly ephemeral: X25519PrivateKey;
  readonly ephemeralPublic: Uint8Array;
  /** The Init last sent (the Retry's echo is checked against the first one). */
  init: Uint8Array;
  /** The transcript once an Init with a cookie is sent; then after Finish. */
  state: SymmetricState | undefined;
  peer: PublicIdentity | undefined;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a === undefined || (a.length === b.length && a.every((x, i) => x === b[i]));
}

/**
 * The initiating side of Elara's handshake (README: SIGMA-I with a stateless retry cookie), a
 * pure, synchronous state machine: the caller sends what `start`, `receive` and `tick` return,
 * to the responder's address, and calls `tick` when `deadline` passes. Every attempt uses a
 * fresh handshake id and ephemeral key; a lost message is not retransmitted but followed by a
 * new attempt, so every byte-identical message the responder sees twice is a replay.
 *
 * Messages that do not check (malformed, for another attempt, forged, unexpected) throw named
 * errors and change nothing, so nobody who cannot authenticate as the expected responder can
 * break a handshake: a Response signed by keys other than the expected peer's is refused
 * (`PeerMismatchError`) and ignored. Only the expected peer refused by `authorize` ends it
 * (`UnauthorizedPeerError`).
 *
 * @example
 * const initiator = new HandshakeInitiator({ provider, identity, sessionId, peer, authorize });
 * send(initiator.start(clock.now()));
 * // on each handshake datagram routed to it:
 * const { send: out, result } = initiator.receive(datagram, clock.now());
 * // on the node's tick: out = initiator.tick(clock.now()) (HandshakeTimeoutError at the end)
 */
export class HandshakeInitiator {
  private readonly provider: CryptoProvider;
  private readonly identity: Identity;
  private readonly timers: InitiatorTimers;
  private readonly sessionId: SessionId;
  private readonly expected: PeerExpectation;
  private readonly authorize: Authorize | undefined;
  private readonly invite: Invite | undefined;
  private readonly ownIdentity: Uint8Array;
  private attempt: Attempt | undefined;
  private current: InitiatorStatus = 'idle';
  private attemptsMade = 0;
  private due: number | undefined;

  constructor(config: InitiatorConfig) {
    this.provider = config.provider;
    this.identity = config.identity;
    this.timers = initiatorTimers(config.timers);
    this.ownIdentity = identityBytes(config.identity);
    if ('invite' in config) {
      checkLength(config.invite.secret, KEY_LENGTH, 'invite secret');
      this.invite = config.invite;
      this.sessionId = config.invite.sessionId;
      this.expected = config.invite.inviter;
      this.authorize = undefined;
    } else {
      this.invite = undefined;
      this.sessionId = config.sessionId;
      this.expected = config.peer;
      this.authorize = config.authorize;
    }
    if (this.expected.nodeId === config.identity.nodeId) {
      throw new PeerMismatchError('handshake: a node cannot handshake with itself');
    }
  }

  /** Where this handshake stands. */
  get status(): InitiatorStatus {
    return this.current;
  }

  /** When `tick` must next be called (µs), or undefined once the handshake has ended. */
  get deadline(): number | undefined {
    return this.due;
  }

  /** Attempts started so far. */
  get attempts(): number {
    return this.attemptsMade;
  }

  /** The current attempt's id (routes Retry, Response and Accept here). */
  get handshakeId(): bigint | undefined {
    return this.attempt?.handshakeId;
  }

  /** Starts the first attempt and returns its Init. A joiner's expired invite: `InviteExpiredError`. */
  start(now: number): Uint8Array {
    checkNow(now);
    if (this.current !== 'idle')
      throw new UnexpectedHandshakeMessageError('handshake: already started');
    return this.newAttempt(now);
  }

  /**
   * Handles a datagram from the responder. Returns what to send next (the Init with its cookie
   * after a Retry, the Finish after a Response) and, after the Accept, the result.
   */
  receive(datagram: Uint8Array, now: number): InitiatorStep {
    checkBytes(datagram, 'handshake datagram');
    checkNow(now);
    const m = decodeHandshakeMessage(datagram);
    const attempt = this.attempt;
    if (attempt === undefined || this.current === 'established' || this.current === 'failed') {
      throw new UnexpectedHandshakeMessageError(
        `handshake: nothing expected (status ${this.current})`,
      );
    }
    if (m.handshakeId !== attempt.handshakeId) {
      throw new UnknownHandshakeError(
        `handshake: message for attempt ${m.handshakeId}, not the current one`,
      );
    }
    if (m.sessionId !== this.sessionId) {
      throw new SessionMismatchError(
        `handshake: message for session ${m.sessionId}, not ${this.sessionId}`,
      );
    }
    if (m.sender !== this.expected.nodeId) {
      throw new PeerMismatchError(
        `handshake: message from node ${m.sender}, expected ${this.expected.nodeId}`,
      );
    }
    switch (m.type) {
      case HandshakeMessageType.Retry:
        return this.onRetry(attempt, m, now);
      case HandshakeMessageType.Response:
        return this.onResponse(attempt, m, now);
      case HandshakeMessageType.Accept:
        return this.onAccept(attempt, m, now);
      default:
        throw new UnexpectedHandshakeMessageError(
          `handshake: an initiator does not take message type ${m.type}`,
        );
    }
  }

  /**
   * Drives the retry policy: past the deadline, abandons the attempt and returns a new Init, or,
   * after `maxAttempts`, ends the handshake and throws {@link HandshakeTimeoutError}.
   */
  tick(now: number): readonly Uint8Array[] {
    checkNow(now);
    if (this.due === undefined || now < this.due) return [];
    if (this.attemptsMade >= this.timers.maxAttempts) {
      this.end('failed');
      throw new HandshakeTimeoutError(`handshake: no answer after ${this.attemptsMade} attempts`);
    }
    this.dropAttempt();
    return [this.newAttempt(now)];
  }

  /** Ends the handshake and wipes its secrets. Idempotent. */
  dispose(): void {
    if (this.current !== 'established') this.end('failed');
  }

  private newAttempt(now: number): Uint8Array {
    if (this.invite !== undefined && !(now < this.invite.expiresAt)) {
      this.end('failed');
      throw new InviteExpiredError(
        `invite: expired at ${this.invite.expiresAt} µs, now is ${now} µs`,
      );
    }
    const idBytes = this.provider.randomBytes(8);
    const handshakeId = new DataView(idBytes.buffer, idBytes.byteOffset, 8).getBigUint64(0, true);
    idBytes.fill(0);
    const seed = this.provider.randomBytes(KEY_LENGTH);
    let ephemeral: X25519PrivateKey;
    try {
      ephemeral = this.provider.x25519PrivateKey(seed);
    } finally {
      seed.fill(0);
    }
    const attempt: Attempt = {
      handshakeId,
      ephemeral,
      ephemeralPublic: ephemeral.publicKey,
      init: new Uint8Array(0),
      state: undefined,
      peer: undefined,
    };
    const first = this.buildInit(attempt, undefined);
    first.state.wipe();
    attempt.init = first.datagram;
    this.attempt = attempt;
    this.attemptsMade++;
    this.current = 'awaiting-retry';
    this.due = now + this.timers.retryIntervalUs;
    return first.datagram;
  }

  private buildInit(
    attempt: Attempt,
    cookie: Uint8Array | undefined,
  ): { datagram: Uint8Array; state: SymmetricState } {
    const inviteRef: InviteReference | undefined =
      this.invite === undefined
        ? undefined
        : { inviteId: this.invite.inviteId, expiresAt: this.invite.expiresAt };
    const datagram = encodeInit({
      sessionId: this.sessionId,
      sender: this.identity.nodeId,
      handshakeId: attempt.handshakeId,
      responder: this.expected.nodeId,
      ephemeral: attempt.ephemeralPublic,
      cookie,
      invite: inviteRef,
    });
    const trailerAt = datagram.length - COOKIE_LENGTH;
    const psk = this.invite?.secret ?? NO_PSK;
    const { state, binder } = initTranscript(
      this.provider,
      datagram.subarray(0, trailerAt),
      attempt.ephemeralPublic,
      psk,
    );
    datagram.set(binder, trailerAt);
    return { datagram, state };
  }

  private onRetry(attempt: Attempt, m: RetryMessage, now: number): InitiatorStep {
    if (this.current !== 'awaiting-retry') {
      throw new UnexpectedHandshakeMessageError(`handshake: a Retry while ${this.current}`);
    }
    const echo = this.provider.sha256(attempt.init).subarray(0, COOKIE_LENGTH);
    if (!constantTimeEqual(echo, m.echo)) {
      throw new HandshakeMismatchError('handshake: the Retry does not answer our Init');
    }
    const second = this.buildInit(attempt, copyBytes(m.cookie));
    attempt.init = second.datagram;
    attempt.state = second.state;
    this.current = 'awaiting-response';
    this.due = now + this.timers.retryIntervalUs;
    return { send: [second.datagram], result: undefined };
  }

  private onResponse(attempt: Attempt, m: ResponseMessage, now: number): InitiatorStep {
    if (this.current !== 'awaiting-response' || attempt.state === undefined) {
      throw new UnexpectedHandshakeMessageError(`handshake: a Response while ${this.current}`);
    }
    // Everything up to the signature check runs on a copy: a forged Response changes nothing.
    const peerEphemeral = this.provider.x25519PublicKey(m.ephemeral);
    const trial = attempt.state.clone();
    let finish: Uint8Array;
    try {
      trial.mixHash(m.prefix);
      const shared = attempt.ephemeral.agree(peerEphemeral);
      trial.mixKey(shared);
      shared.fill(0);
      const signedHash = trial.h;
      const plaintext = trial.decryptAndHash(m.protectedPart);
      const opened = openIdentity(
        this.provider,
        plaintext,
        RESPONDER_SIGNATURE_LABEL,
        signedHash,
        new Uint8Array(0),
      );
      this.admit(opened.identity);
      const built = encodeSealedMessage(
        HandshakeMessageType.Finish,
        this.sessionId,
        this.identity.nodeId,
        attempt.handshakeId,
      );
      finish = built.datagram;
      trial.mixHash(finish.subarray(0, built.protectedAt));
      const signature = this.identity.sign(
        concatBytes(INITIATOR_SIGNATURE_LABEL, trial.h, this.ownIdentity, opened.bytes),
      );
      finish.set(trial.encryptAndHash(concatBytes(this.ownIdentity, signature)), built.protectedAt);
      attempt.peer = opened.identity;
    } catch (e) {
      trial.wipe();
      throw e;
    }
    attempt.state.wipe();
    attempt.state = trial;
    attempt.ephemeral.dispose();
    this.current = 'awaiting-accept';
    this.due = now + this.timers.retryIntervalUs;
    return { send: [finish], result: undefined };
  }

  /**
   * Checks an authenticated responder. Keys other than the expected (pinned) peer's mean a
   * forgery by whoever saw the Init: `PeerMismatchError`, and the attempt goes on unchanged so
   * the genuine Response still completes it. Only `authorize` refusing the expected peer ends it.
   */
  private admit(peer: PublicIdentity): void {
    const e = this.expected;
    if (
      peer.nodeId !== e.nodeId ||
      !sameBytes(e.signingPublicKey, peer.signingPublicKey) ||
      !sameBytes(e.agreementPublicKey, peer.agreementPublicKey)
    ) {
      throw new PeerMismatchError(
        `handshake: a Response signed as ${peer.nodeId}, not by the expected peer (ignored)`,
      );
    }
    if (this.authorize !== undefined && !this.authorize(peer, this.sessionId)) {
      this.end('failed');
      throw new UnauthorizedPeerError(
        `handshake: node ${peer.nodeId} is not authorised in session ${this.sessionId}`,
      );
    }
  }

  private onAccept(attempt: Attempt, m: AcceptMessage, now: number): InitiatorStep {
    if (
      this.current !== 'awaiting-accept' ||
      attempt.state === undefined ||
      attempt.peer === undefined
    ) {
      throw new UnexpectedHandshakeMessageError(`handshake: an Accept while ${this.current}`);
    }
    const trial = attempt.state.clone();
    try {
      trial.mixHash(m.prefix);
      trial.decryptAndHash(m.protectedPart);
    } catch (e) {
      trial.wipe();
      throw e;
    }
    const keys = trial.split(CHANNEL_KEYS_INFO);
    const handshakeHash = trial.h;
    trial.wipe();
    const result: HandshakeResult = {
      role: 'initiator',
      sessionId: this.sessionId,
      handshakeId: attempt.handshakeId,
      local: this.identity.nodeId,
      peer: attempt.peer,
      admittedBy: this.invite === undefined ? 'authorize' : 'invite',
      inviteId: this.invite === undefined ? undefined : copyBytes(this.invite.inviteId),
      handshakeHash,
      channelId: channelIdOf(handshakeHash),
      sendKey: keys.initiatorToResponder,
      receiveKey: keys.responderToInitiator,
      establishedAt: now,
    };
    this.end('established');
    return { send: [], result };
  }

  private dropAttempt(): void {
    const attempt = this.attempt;
    if (attempt === undefined) return;
    attempt.state?.wipe();
    attempt.ephemeral.dispose();
    this.attempt = undefined;
  }

  private end(status: 'established' | 'failed'): void {
    this.dropAttempt();
    this.current = status;
    this.due = undefined;
  }
}
