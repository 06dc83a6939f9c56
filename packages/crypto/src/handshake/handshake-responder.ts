import { ClosedError, type Endpoint, type NodeId, endpointKey } from '@elara/core';
import { AuthenticationError, SessionMismatchError } from '../crypto-errors.ts';
import type { CryptoProvider, X25519PrivateKey, X25519PublicKey } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import type { Identity } from '../identity.ts';
import { checkBytes } from '../internal/check-bytes.ts';
import { concatBytes } from '../internal/concat-bytes.ts';
import { constantTimeEqual } from '../internal/constant-time.ts';
import { HandshakeRecords, quotaKey } from '../internal/handshake-records.ts';
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
import { RetryCookies } from '../internal/retry-cookies.ts';
import { InviteError, InviteSecretMismatchError } from '../invite/invite-errors.ts';
import type { InviteBook } from '../invite/invite-book.ts';
import {
  HandshakeTimeoutError,
  PeerMismatchError,
  ReplayedHandshakeError,
  UnauthorizedPeerError,
  UnexpectedHandshakeMessageError,
  UnknownHandshakeError,
  InvalidCookieError,
} from './handshake-errors.ts';
import { type ResponderLimits, checkNow, responderLimits } from './handshake-limits.ts';
import {
  COOKIE_LENGTH,
  type FinishMessage,
  HandshakeMessageType,
  type InitMessage,
  decodeHandshakeMessage,
  encodeRetry,
  encodeSealedMessage,
} from './handshake-message.ts';
import type { Authorize, HandshakeResult } from './handshake-result.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

/** What a responder needs: its identity and provider, and who may complete a handshake. */
export interface ResponderConfig {
  readonly provider: CryptoProvider;
  readonly identity: Identity;
  /** Decides for peers that come without an invite (the runtime asks the membership log). */
  readonly authorize: Authorize;
  /** The node's invites; without it, an Init naming an invite is refused with `InviteError`. */
  readonly invites?: InviteBook;
  /** Bounds and timers; see {@link ResponderLimits} for the defaults. */
  readonly limits?: Partial<ResponderLimits>;
}

/** What one received datagram produced: at most one reply (to its source) and a result. */
export interface ResponderStep {
  /** Send this to the datagram's source address. */
  readonly reply: Uint8Array | undefined;
  /** Set when this datagram completed a handshake. */
  readonly result: HandshakeResult | undefined;
}

/** Counters for observability, and for checking the amplification bound. */
export interface ResponderCounters {
  /** Retries sent (answers to cookie-less Inits). */
  readonly retries: number;
  /** Bytes of Inits that carried no valid cookie: traffic from sources not yet verified. */
  readonly unverifiedBytesIn: number;
  /** Bytes sent to sources not yet verified (Retries only); never above `unverifiedBytesIn`. */
  readonly unverifiedBytesOut: number;
  /** Handshakes completed. */
  readonly completed: number;
}

/** How much per-peer state a responder holds now; each is bounded by `maxHandshakes`. */
export interface ResponderMemory {
  /** Handshakes waiting for their Finish (their keys are held). */
  readonly pending: number;
  /** Handshake ids held, pending or remembered against replays. */
  readonly records: number;
  /** Distinct source addresses among the records. */
  readonly sources: number;
}

/**
 * The responding side of Elara's handshake (README: SIGMA-I with a stateless retry cookie), a
 * pure, synchronous state machine: datagrams and the caller's clock in, replies and results out.
 * One per node serves every session; the runtime routes Init and Finish here.
 *
 * DoS hygiene: an Init without a valid cookie is answered with a Retry that is smaller than the
 * Init and allocates nothing, so spoofed sources can neither fill memory nor use this node as
 * an amplifier. Only a source that returns the cookie (it receives at its address) gets a
 * pending handshake, bounded per source and in total.
 *
 * Every refusal is a named error, thrown: core's wire errors for malformed datagrams,
 * `InvalidCookieError`, `ReplayedHandshakeError`, `UnknownHandshakeError`,
 * `UnexpectedHandshakeMessageError`, `PeerMismatchError`, `SessionMismatchError`,
 * `AuthenticationError`, `HandshakeSignatureError`, `UnauthorizedPeerError`,
 * `HandshakeTimeoutError`, `CapacityError`, the invite errors and the provider's key errors. A
 * refused datagram never changes a pending handshake unless it authenticated as its initiator.
 *
 * @example
 * const responder = new HandshakeResponder({ provider, identity, authorize, invites });
 * const { reply, result } = responder.receive(datagram, source, clock.now());
 * if (reply) transport.send(reply, source);
 * if (result) channels.open(result);
 */
export class HandshakeResponder {
  /** The bounds in force. */
  readonly limits: ResponderLimits;
  private readonly provider: CryptoProvider;
  private readonly identity: Identity;
  private readonly nodeId: NodeId;
  private readonly ownIdentity: Uint8Array;
  private readonly cookies: RetryCookies;
  private readonly records: HandshakeRecords;
  private counts = { retries: 0, unverifiedBytesIn: 0, unverifiedBytesOut: 0, completed: 0 };
  private closed = false;

  constructor(private readonly config: ResponderConfig) {
    this.provider = config.provider;
    this.identity = config.identity;
    this.nodeId = config.identity.nodeId;
    this.ownIdentity = identityBytes(config.identity);
    this.limits = responderLimits(config.limits);
    this.cookies = new RetryCookies(this.provider, this.limits.cookieBucketUs);
    this.records = new HandshakeRecords({
      maxPending: this.limits.maxHandshakes,
      maxPerSource: this.limits.maxHandshakesPerSource,
      maxRemembered: this.limits.maxRemembered,
      pendingTimeoutUs: this.limits.pendingTimeoutUs,
      memoryUs: this.limits.replayMemoryUs,
    });
  }

  /** A snapshot of the counters. */
  get counters(): ResponderCounters {
    return { ...this.counts };
  }

  /** A snapshot of the per-peer state held. */
  get memory(): ResponderMemory {
    return {
      pending: this.records.pendingCount,
      records: this.records.size,
      sources: this.records.sourceCount,
    };
  }

  /** Handles one datagram from `source` (see the class comment for what it may throw). */
  receive(datagram: Uint8Array, source: Endpoint, now: number): ResponderStep {
    if (this.closed) throw new ClosedError('handshake responder: disposed');
    checkBytes(datagram, 'handshake datagram');
    checkNow(now);
    const message = decodeHandshakeMessage(datagram);
    this.records.expire(now);
    switch (message.type) {
      case HandshakeMessageType.Init:
        return this.onInit(message, source, now);
      case HandshakeMessageType.Finish:
        return this.onFinish(message, source, now);
      default:
        throw new UnexpectedHandshakeMessageError(
          `handshake: a responder does not take message type ${message.type}`,
        );
    }
  }

  /** Expires pending handshakes and forgets old ids; call it from the node's tick. */
  expire(now: number): void {
    checkNow(now);
    this.records.expire(now);
  }

  /** Wipes every pending key and the cookie secrets. Idempotent. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.records.clear();
    this.cookies.wipe();
  }

  private onInit(m: InitMessage, source: Endpoint, now: number): ResponderStep {
    if (m.responder !== this.nodeId) {
      throw new PeerMismatchError(
        `handshake: an Init for node ${m.responder}, this is ${this.nodeId}`,
      );
    }
    if (this.records.get(m.handshakeId) !== undefined) {
      throw new ReplayedHandshakeError('handshake: an Init of a handshake already admitted');
    }
    if (m.cookie === undefined) return this.retry(m, source, now);
    if (!this.cookies.verify(source, m.prefix, m.cookie, now)) {
      this.counts.unverifiedBytesIn += m.datagram.length;
      throw new InvalidCookieError(
        'handshake: the Init cookie is not valid for this Init, source or time',
      );
    }
    // From here on the source has shown it receives at its address.
    this.records.makeRoom(quotaKey(source));
    const psk = this.pskFor(m, now);
    const { state, binder } = initTranscript(this.provider, m.prefix, m.ephemeral, psk);
    if (psk !== NO_PSK) psk.fill(0);
    if (!constantTimeEqual(binder, m.protectedPart)) {
      state.wipe();
      if (m.invite !== undefined) {
        throw new InviteSecretMismatchError(
          "handshake: the Init's binder does not check under the invite's secret",
        );
      }
      throw new AuthenticationError("handshake: the Init's binder does not match");
    }
    // Public-key work only now, after every check that costs a hash.
    let peerEphemeral: X25519PublicKey;
    try {
      peerEphemeral = this.provider.x25519PublicKey(m.ephemeral);
    } catch (e) {
      state.wipe();
      throw e;
    }
    const seed = this.provider.randomBytes(KEY_LENGTH);
    let ephemeral: X25519PrivateKey;
    try {
      ephemeral = this.provider.x25519PrivateKey(seed);
    } catch (e) {
      state.wipe();
      throw e;
    } finally {
      seed.fill(0);
    }
    let reply: Uint8Array;
    try {
      const built = encodeSealedMessage(
        HandshakeMessageType.Response,
        m.sessionId,
        this.nodeId,
        m.handshakeId,
        ephemeral.publicKey,
      );
      reply = built.datagram;
      state.mixHash(reply.subarray(0, built.protectedAt));
      const shared = ephemeral.agree(peerEphemeral);
      state.mixKey(shared);
      shared.fill(0);
      const signature = this.identity.sign(
        concatBytes(RESPONDER_SIGNATURE_LABEL, state.h, this.ownIdentity),
      );
      reply.set(state.encryptAndHash(concatBytes(this.ownIdentity, signature)), built.protectedAt);
    } catch (e) {
      state.wipe();
      throw e;
    } finally {
      ephemeral.dispose();
    }
    this.records.admit(m.handshakeId, source, now, {
      state,
      sessionId: m.sessionId,
      claimedInitiator: m.sender,
      invite:
        m.invite === undefined
          ? undefined
          : { inviteId: copyBytes(m.invite.inviteId), expiresAt: m.invite.expiresAt },
    });
    return { reply, result: undefined };
  }

  private retry(m: InitMessage, source: Endpoint, now: number): ResponderStep {
    const echo = this.provider.sha256(m.datagram).slice(0, COOKIE_LENGTH);
    const cookie = this.cookies.mint(source, m.prefix, now);
    const reply = encodeRetry(m.sessionId, this.nodeId, m.handshakeId, echo, cookie);
    this.counts.retries++;
    this.counts.unverifiedBytesIn += m.datagram.length;
    this.counts.unverifiedBytesOut += reply.length;
    return { reply, result: undefined };
  }

  private pskFor(m: InitMessage, now: number): Uint8Array {
    if (m.invite === undefined) return NO_PSK;
    if (this.config.invites === undefined) {
      throw new InviteError('handshake: this responder accepts no invites');
    }
    return this.config.invites.secretFor(m.invite, m.sessionId, now, m.sender);
  }

  private onFinish(m: FinishMessage, source: Endpoint, now: number): ResponderStep {
    const record = this.records.get(m.handshakeId);
    if (record === undefined || record.source !== endpointKey(source)) {
      throw new UnknownHandshakeError(
        'handshake: a Finish for no handshake admitted from this source',
      );
    }
    const pending = record.pending;
    if (pending === undefined) {
      if (record.outcome === 'expired') {
        throw new HandshakeTimeoutError('handshake: a Finish after the pending handshake expired');
      }
      throw new ReplayedHandshakeError('handshake: a Finish of a handshake already ended');
    }
    if (m.sessionId !== pending.sessionId) {
      throw new SessionMismatchError(
        `handshake: a Finish for session ${m.sessionId}, the Init named ${pending.sessionId}`,
      );
    }
    // Open on a copy: a forged Finish must leave the pending handshake as it was.
    const trial = pending.state.clone();
    let result: HandshakeResult;
    let reply: Uint8Array;
    try {
      trial.mixHash(m.prefix);
      const signedHash = trial.h;
      const plaintext = trial.decryptAndHash(m.protectedPart);
      // The sender holds the initiator's ephemeral secret: what follows settles the handshake.
      try {
        const opened = openIdentity(
          this.provider,
          plaintext,
          INITIATOR_SIGNATURE_LABEL,
          signedHash,
          this.ownIdentity,
        );
        const peer = opened.identity;
        if (
          peer.nodeId !== pending.claimedInitiator ||
          peer.nodeId !== m.sender ||
          peer.nodeId === this.nodeId
        ) {
          throw new PeerMismatchError(
            `handshake: the initiator authenticated as ${peer.nodeId}, its Init claimed ${pending.claimedInitiator}`,
          );
        }
        if (pending.invite !== undefined) {
          this.config.invites?.redeem(pending.invite, pending.sessionId, peer.nodeId, now);
        } else if (!this.config.authorize(peer, pending.sessionId)) {
          throw new UnauthorizedPeerError(
            `handshake: node ${peer.nodeId} is not authorised in session ${pending.sessionId}`,
          );
        }
        const built = encodeSealedMessage(
          HandshakeMessageType.Accept,
          m.sessionId,
          this.nodeId,
          m.handshakeId,
        );
        reply = built.datagram;
        trial.mixHash(reply.subarray(0, built.protectedAt));
        reply.set(trial.encryptAndHash(new Uint8Array(0)), built.protectedAt);
        const keys = trial.split(CHANNEL_KEYS_INFO);
        const handshakeHash = trial.h;
        result = {
          role: 'responder',
          sessionId: pending.sessionId,
          handshakeId: m.handshakeId,
          local: this.nodeId,
          peer,
          admittedBy: pending.invite === undefined ? 'authorize' : 'invite',
          inviteId: pending.invite === undefined ? undefined : copyBytes(pending.invite.inviteId),
          handshakeHash,
          channelId: channelIdOf(handshakeHash),
          sendKey: keys.responderToInitiator,
          receiveKey: keys.initiatorToResponder,
          establishedAt: now,
        };
      } catch (e) {
        this.records.settle(record, 'refused');
        throw e;
      }
    } finally {
      trial.wipe();
    }
    this.records.settle(record, 'completed');
    this.counts.completed++;
    return { reply, result };
  }
}
