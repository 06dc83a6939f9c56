import { CryptoError } from '../crypto-errors.ts';

/** Base of the invite errors; a responder configured without invites raises it directly. */
export class InviteError extends CryptoError {
  static override readonly code: string = 'InviteError';
}

/** Invite text that is not in the documented format (alphabet, length, fields, keys). */
export class MalformedInviteError extends InviteError {
  static override readonly code: string = 'MalformedInviteError';
}

/** An invite whose signature does not verify: tampered with, or forged. */
export class InviteSignatureError extends InviteError {
  static override readonly code: string = 'InviteSignatureError';
}

/** An invite past its expiry. */
export class InviteExpiredError extends InviteError {
  static override readonly code: string = 'InviteExpiredError';
}

/** An invite already redeemed by another identity (invites are single-use). */
export class InviteReusedError extends InviteError {
  static override readonly code: string = 'InviteReusedError';
}

/**
 * An Init whose binder does not check under the invite's secret: the joiner does not hold the
 * secret of the invite it names (or the Init was altered on the way).
 */
export class InviteSecretMismatchError extends InviteError {
  static override readonly code: string = 'InviteSecretMismatchError';
}
