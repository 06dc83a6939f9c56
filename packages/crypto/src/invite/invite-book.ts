import {
  ClosedError,
  type Endpoint,
  type NodeId,
  OutOfRangeError,
  type SessionId,
} from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import type { Identity } from '../identity.ts';
import { checkLength } from '../internal/check-bytes.ts';
import { RedeemedInvites } from '../internal/redeemed-invites.ts';
import { INVITE_ID_LENGTH, type InviteReference } from '../handshake/handshake-message.ts';
import {
  type Invite,
  INVITE_SECRET_LENGTH,
  encodeInvite,
  inviteBody,
  inviteSigningBytes,
} from './invite.ts';
import { InviteExpiredError, InviteReusedError } from './invite-errors.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

/** What to invite someone to. */
export interface InviteRequest {
  readonly sessionId: SessionId;
  /** Where the joiner can reach this node (literal addresses, at most 8). */
  readonly addresses: readonly Endpoint[];
  /** Unix-epoch µs; must be after `now` and within `maxLifetimeUs` of it. */
  readonly expiresAt: number;
}

/** Options of an {@link InviteBook}. */
export interface InviteBookOptions {
  /**
   * 32 secret bytes from which invite secrets are derived. Default: fresh random bytes, so
   * invites issued before a restart stop working; a node that wants them to survive keeps the
   * key (as secretly as its identity) and passes it back.
   */
  readonly key?: Uint8Array;
  /** How many redeemed, unexpired invites are remembered (default 1024). */
  readonly maxRedeemed?: number;
  /** Longest lifetime an invite may be issued with, µs (default 7 days). */
  readonly maxLifetimeUs?: number;
}

/** Defaults of {@link InviteBookOptions}. */
export const DEFAULT_MAX_REDEEMED_INVITES = 1024;
/** Seven days in µs. */
export const DEFAULT_MAX_INVITE_LIFETIME_US = 7 * 24 * 3600 * 1_000_000;

const SECRET_LABEL = new TextEncoder().encode('elara v1 invite secret\0');

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new OutOfRangeError(`${what} must be a positive integer: ${value}`);
  return value;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * The inviter's side of invites. Issuing needs no table: each secret is derived from the book's
 * key and the invite's id, session and expiry (HKDF-SHA256), so the responder recomputes it
 * from what the joiner's Init names. Redemption is remembered in a bounded table, so an invite
 * is single-use: once an identity has completed a handshake with it, any other identity is
 * refused with {@link InviteReusedError}. The same identity may redeem it again until it
 * expires, so a joiner whose last handshake message was lost can try again.
 *
 * @example
 * const book = new InviteBook(crypto, identity);
 * const { text } = book.issue({ sessionId, addresses: [endpoint('192.0.2.7', 4433)], expiresAt }, now);
 * const responder = new HandshakeResponder({ provider: crypto, identity, authorize, invites: book });
 */
export class InviteBook {
  private readonly key: Uint8Array;
  private readonly redeemed: RedeemedInvites;
  private readonly maxLifetimeUs: number;
  private closed = false;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly identity: Identity,
    options: InviteBookOptions = {},
  ) {
    if (options.key !== undefined) checkLength(options.key, KEY_LENGTH, 'invite book key');
    this.key =
      options.key === undefined ? provider.randomBytes(KEY_LENGTH) : copyBytes(options.key);
    this.redeemed = new RedeemedInvites(
      positiveInteger(options.maxRedeemed ?? DEFAULT_MAX_REDEEMED_INVITES, 'maxRedeemed'),
    );
    this.maxLifetimeUs = positiveInteger(
      options.maxLifetimeUs ?? DEFAULT_MAX_INVITE_LIFETIME_US,
      'maxLifetimeUs',
    );
  }

  /** How many redeemed invites are remembered now (at most `maxRedeemed`). */
  get redeemedCount(): number {
    return this.redeemed.size;
  }

  /**
   * A new signed invite and its text. `OutOfRangeError` when the expiry is not after `now` or
   * lies beyond `maxLifetimeUs`, or when an address cannot be encoded.
   */
  issue(request: InviteRequest, now: number): { readonly invite: Invite; readonly text: string } {
    this.checkOpen();
    if (
      !Number.isSafeInteger(request.expiresAt) ||
      !(request.expiresAt > now) ||
      request.expiresAt - now > this.maxLifetimeUs
    ) {
      throw new OutOfRangeError(
        `invite expiry ${request.expiresAt} must be after ${now} and within ${this.maxLifetimeUs} µs`,
      );
    }
    const inviteId = this.provider.randomBytes(INVITE_ID_LENGTH);
    const secret = this.derive(inviteId, request.sessionId, request.expiresAt);
    const fields = {
      sessionId: request.sessionId,
      inviter: this.identity.publicIdentity(),
      addresses: [...request.addresses],
      expiresAt: request.expiresAt,
      inviteId,
      secret,
    };
    const signature = this.identity.sign(inviteSigningBytes(inviteBody(fields)));
    const invite: Invite = { ...fields, signature };
    return { invite, text: encodeInvite(invite) };
  }

  /**
   * The secret of the invite an Init names, for the responder to check the joiner's binder.
   * {@link InviteExpiredError} past its expiry; {@link InviteReusedError} when an identity other
   * than `claimant` (the Init's claimed sender) has redeemed it. An id this book never issued
   * gets a secret all the same, which no joiner holds: its binder fails.
   */
  secretFor(
    reference: InviteReference,
    sessionId: SessionId,
    now: number,
    claimant: NodeId,
  ): Uint8Array {
    this.checkOpen();
    this.checkLive(reference, sessionId, now, claimant);
    return this.derive(reference.inviteId, sessionId, reference.expiresAt);
  }

  /**
   * Records that `redeemer` (authenticated by the handshake) has used the invite. Refuses as
   * {@link secretFor} does, and with `CapacityError` when the table is full of live entries.
   */
  redeem(reference: InviteReference, sessionId: SessionId, redeemer: NodeId, now: number): void {
    this.checkOpen();
    const key = this.checkLive(reference, sessionId, now, redeemer);
    if (this.redeemed.redeemer(key, now) === undefined)
      this.redeemed.add(key, redeemer, reference.expiresAt, now);
  }

  /** Zeroes the key. Idempotent. */
  dispose(): void {
    this.closed = true;
    this.key.fill(0);
  }

  private checkLive(
    reference: InviteReference,
    sessionId: SessionId,
    now: number,
    claimant: NodeId,
  ): string {
    if (!(now < reference.expiresAt)) {
      throw new InviteExpiredError(
        `invite: expired at ${reference.expiresAt} µs, now is ${now} µs`,
      );
    }
    const key = `${sessionId}/${hex(reference.inviteId)}`;
    const redeemer = this.redeemed.redeemer(key, now);
    if (redeemer !== undefined && redeemer !== claimant) {
      throw new InviteReusedError('invite: already redeemed by another identity');
    }
    return key;
  }

  private derive(inviteId: Uint8Array, sessionId: SessionId, expiresAt: number): Uint8Array {
    const info = new Uint8Array(SECRET_LABEL.length + 16);
    info.set(SECRET_LABEL, 0);
    const view = new DataView(info.buffer);
    view.setBigUint64(SECRET_LABEL.length, sessionId, true);
    view.setBigUint64(SECRET_LABEL.length + 8, BigInt(expiresAt), true);
    return this.provider.hkdfSha256(this.key, inviteId, info, INVITE_SECRET_LENGTH);
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('invite book: disposed');
  }
}
