import {
  ByteReader,
  ByteWriter,
  type Endpoint,
  OutOfRangeError,
  type SessionId,
  endpoint,
} from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { CryptoError } from '../crypto-errors.ts';
import type { PublicIdentity } from '../identity.ts';
import { fromBase64Url, toBase64Url } from '../internal/base64url.ts';
import { checkLength } from '../internal/check-bytes.ts';
import { concatBytes } from '../internal/concat-bytes.ts';
import { checkX25519PublicKey } from '../internal/x25519-checks.ts';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../internal/ip-address-bytes.ts';
import { deriveNodeId } from '../node-id-derivation.ts';
import { INVITE_ID_LENGTH } from '../handshake/handshake-message.ts';
import { InviteExpiredError, InviteSignatureError, MalformedInviteError } from './invite-errors.ts';
import { copyBytes } from '../internal/copy-bytes.ts';

/** The invite format version this package writes and reads. */
export const INVITE_FORMAT_VERSION = 1;
/** Most address candidates one invite carries. */
export const MAX_INVITE_ADDRESSES = 8;
/** Length of an invite's one-time secret. */
export const INVITE_SECRET_LENGTH = 32;

const SIGNATURE_LENGTH = 64;
const FIXED_PART =
  1 + 8 + KEY_LENGTH + KEY_LENGTH + 8 + INVITE_ID_LENGTH + INVITE_SECRET_LENGTH + 1;
const MAX_BYTES = FIXED_PART + MAX_INVITE_ADDRESSES * (1 + 16 + 2) + SIGNATURE_LENGTH;
/** Longest invite text {@link decodeInvite} reads; longer text is refused before any work. */
export const MAX_INVITE_TEXT_LENGTH = Math.ceil((MAX_BYTES * 4) / 3);
/** Domain label prefixed to the signed bytes, so an invite signature means nothing elsewhere. */
const SIGNING_LABEL = new TextEncoder().encode('elara v1 invite\0');

/**
 * An invite: a capability to join one session through one inviter, signed by that inviter.
 * Whoever holds it (secret included) can redeem it once, before it expires; treat the text as
 * a secret. Produced by `InviteBook.issue`, read by {@link decodeInvite}.
 */
export interface Invite {
  readonly sessionId: SessionId;
  /** The inviter: its NodeId (derived from the Ed25519 key) and both public keys. */
  readonly inviter: PublicIdentity;
  /** Where to reach the inviter (literal IPv4/IPv6 addresses), in order of preference. */
  readonly addresses: readonly Endpoint[];
  /** Unix-epoch µs after which the invite is refused. */
  readonly expiresAt: number;
  /** 16 bytes naming the invite in the joiner's Init. */
  readonly inviteId: Uint8Array;
  /** 32 bytes mixed into the joiner's handshake as its pre-shared key; never sent. */
  readonly secret: Uint8Array;
  /** The inviter's Ed25519 signature over the label `elara v1 invite\0` and every byte before it. */
  readonly signature: Uint8Array;
}

/** An invite before it is signed. */
export type InviteFields = Omit<Invite, 'signature' | 'inviter'> & {
  readonly inviter: Pick<PublicIdentity, 'signingPublicKey' | 'agreementPublicKey'>;
};

function addressBytes(e: Endpoint): Uint8Array {
  const bytes = e.family === 'IPv4' ? parseIPv4(e.address) : parseIPv6(e.address);
  if (bytes === undefined || bytes.length !== (e.family === 'IPv4' ? 4 : 16)) {
    throw new OutOfRangeError(`invite address ${e.address} is not an ${e.family} literal`);
  }
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 0xffff) {
    throw new OutOfRangeError(`invite port ${e.port} is outside 1..65535`);
  }
  return bytes;
}

/**
 * The bytes an inviter signs (see the README for the layout). Out-of-range fields are an
 * `OutOfRangeError` (too many addresses, a non-literal address, port 0, an expiry beyond 2^53).
 */
export function inviteBody(fields: InviteFields): Uint8Array {
  checkLength(fields.inviter.signingPublicKey, KEY_LENGTH, 'inviter Ed25519 key');
  checkLength(fields.inviter.agreementPublicKey, KEY_LENGTH, 'inviter X25519 key');
  checkLength(fields.inviteId, INVITE_ID_LENGTH, 'invite id');
  checkLength(fields.secret, INVITE_SECRET_LENGTH, 'invite secret');
  if (fields.addresses.length > MAX_INVITE_ADDRESSES) {
    throw new OutOfRangeError(
      `${fields.addresses.length} invite addresses exceed ${MAX_INVITE_ADDRESSES}`,
    );
  }
  if (!Number.isSafeInteger(fields.expiresAt) || fields.expiresAt < 0) {
    throw new OutOfRangeError(`invite expiry ${fields.expiresAt} is not a µs time`);
  }
  const addresses = fields.addresses.map((e) => ({ e, bytes: addressBytes(e) }));
  const size = FIXED_PART + addresses.reduce((n, a) => n + 3 + a.bytes.length, 0);
  const w = new ByteWriter(size, 'invite')
    .u8(INVITE_FORMAT_VERSION)
    .u64(fields.sessionId)
    .bytes(fields.inviter.signingPublicKey)
    .bytes(fields.inviter.agreementPublicKey)
    .u64(BigInt(fields.expiresAt))
    .bytes(fields.inviteId)
    .bytes(fields.secret)
    .u8(addresses.length);
  for (const { e, bytes } of addresses)
    w.u8(e.family === 'IPv4' ? 4 : 6)
      .bytes(bytes)
      .u16(e.port);
  return w.toBytes();
}

/** The message an inviter's Ed25519 signature covers: the domain label, then the body. */
export function inviteSigningBytes(body: Uint8Array): Uint8Array {
  return concatBytes(SIGNING_LABEL, body);
}

/**
 * The compact, URL-safe text of an invite: base64url without padding (RFC 4648 §5) of the
 * body followed by the 64-byte signature. About 270 characters with one IPv4 address.
 *
 * @example
 * const text = encodeInvite(invite); // share it with the joiner over a channel you trust
 */
export function encodeInvite(invite: Invite): string {
  checkLength(invite.signature, SIGNATURE_LENGTH, 'invite signature');
  return toBase64Url(concatBytes(inviteBody(invite), invite.signature));
}

function malformed(why: string, cause?: unknown): MalformedInviteError {
  return new MalformedInviteError(`invite: ${why}`, cause === undefined ? undefined : { cause });
}

function readAddress(r: ByteReader): Endpoint {
  const family = r.u8();
  if (family !== 4 && family !== 6) throw malformed(`unknown address family ${family}`);
  const bytes = r.bytes(family === 4 ? 4 : 16);
  const port = r.u16();
  if (port === 0) throw malformed('address with port 0');
  return endpoint(family === 4 ? formatIPv4(bytes) : formatIPv6(bytes), port);
}

/**
 * Reads and verifies invite text: the format ({@link MalformedInviteError}: alphabet, length,
 * version, fields, or keys that no honest inviter has), then the inviter's signature
 * ({@link InviteSignatureError}: tampered with or forged), then the expiry against `now`
 * ({@link InviteExpiredError}). The secret and id returned are copies.
 *
 * @example
 * const invite = decodeInvite(crypto, text, clock.now());
 * const joiner = new HandshakeInitiator({ provider: crypto, identity, invite });
 */
export function decodeInvite(provider: CryptoProvider, text: string, now: number): Invite {
  if (typeof text !== 'string' || text.length > MAX_INVITE_TEXT_LENGTH) {
    throw malformed(`text longer than ${MAX_INVITE_TEXT_LENGTH} characters or not a string`);
  }
  const bytes = fromBase64Url(text);
  if (bytes === undefined) throw malformed('not base64url without padding');
  if (bytes.length < FIXED_PART + SIGNATURE_LENGTH) throw malformed('too short');
  const bodyLength = bytes.length - SIGNATURE_LENGTH;
  const r = new ByteReader(bytes.subarray(0, bodyLength));
  const version = r.u8();
  if (version !== INVITE_FORMAT_VERSION) throw malformed(`unknown format version ${version}`);
  const session = r.u64() as SessionId;
  const signingPublicKey = copyBytes(r.bytes(KEY_LENGTH));
  const agreementPublicKey = copyBytes(r.bytes(KEY_LENGTH));
  const expiresAt = r.u64();
  if (expiresAt > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('expiry beyond 2^53 µs');
  const inviteId = copyBytes(r.bytes(INVITE_ID_LENGTH));
  const secret = copyBytes(r.bytes(INVITE_SECRET_LENGTH));
  const count = r.u8();
  if (count > MAX_INVITE_ADDRESSES)
    throw malformed(`${count} addresses exceed ${MAX_INVITE_ADDRESSES}`);
  const addresses: Endpoint[] = [];
  try {
    for (let i = 0; i < count; i++) addresses.push(readAddress(r));
  } catch (e) {
    if (MalformedInviteError.isInstance(e)) throw e;
    throw malformed('address list runs past the end', e);
  }
  if (r.remaining !== 0)
    throw malformed(`${r.remaining} bytes between the addresses and the signature`);
  let verifying;
  try {
    verifying = provider.ed25519VerifyingKey(signingPublicKey);
    checkX25519PublicKey(agreementPublicKey);
  } catch (e) {
    if (CryptoError.isInstance(e))
      throw malformed('the inviter keys are not acceptable public keys', e);
    throw e;
  }
  const signature = bytes.slice(bodyLength);
  let valid: boolean;
  try {
    valid = verifying.verify(inviteSigningBytes(bytes.subarray(0, bodyLength)), signature);
  } catch (e) {
    if (CryptoError.isInstance(e))
      throw new InviteSignatureError('invite: malformed signature', { cause: e });
    throw e;
  }
  if (!valid)
    throw new InviteSignatureError('invite: the signature does not verify (tampered or forged)');
  if (!(now < Number(expiresAt))) {
    throw new InviteExpiredError(`invite: expired at ${expiresAt} µs, now is ${now} µs`);
  }
  return {
    sessionId: session,
    inviter: {
      nodeId: deriveNodeId(provider, signingPublicKey),
      signingPublicKey,
      agreementPublicKey,
    },
    addresses,
    expiresAt: Number(expiresAt),
    inviteId,
    secret,
    signature,
  };
}
