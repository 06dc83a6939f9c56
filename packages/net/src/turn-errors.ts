import { ElaraError, formatEndpoint, type Endpoint } from '@elara/core';
import { StunErrorResponseError } from './stun-errors.ts';

/**
 * The TURN server refused our long-term credentials: a 401 again after answering its challenge
 * (wrong username or password), or 441 Wrong Credentials.
 */
export class TurnAuthenticationError extends StunErrorResponseError {
  static override readonly code: string = 'TurnAuthenticationError';
}

/** 486 Allocation Quota Reached: the user holds as many allocations as the server allows. */
export class TurnQuotaError extends StunErrorResponseError {
  static override readonly code: string = 'TurnQuotaError';
}

/** 437 Allocation Mismatch: the server has no allocation for us (expired, or never made). */
export class TurnAllocationMismatchError extends StunErrorResponseError {
  static override readonly code: string = 'TurnAllocationMismatchError';
}

/**
 * An allocation ended without `close()`: its lifetime passed without a successful refresh, or a
 * refresh was refused. Emitted on the client's `errors$`; the relayed address is gone.
 */
export class TurnAllocationExpiredError extends ElaraError {
  static override readonly code: string = 'TurnAllocationExpiredError';
  constructor(
    readonly relayedAddress: Endpoint,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`allocation ${formatEndpoint(relayedAddress)} ended: ${reason}`, options);
  }
}

/**
 * A permission or channel binding ended without `close()`: its refreshes kept failing (with
 * retries) until it could no longer be renewed in time. Emitted on the client's `errors$`; the
 * client forgot it, so sending to `peer` is an `InvalidDestinationError` until it is permitted
 * (or bound) again.
 */
export class TurnPermissionExpiredError extends ElaraError {
  static override readonly code: string = 'TurnPermissionExpiredError';
  constructor(
    readonly peer: Endpoint,
    readonly what: 'permission' | 'channel',
    options?: { cause?: unknown },
  ) {
    super(`${what} for ${formatEndpoint(peer)} ended: its refreshes failed`, options);
  }
}
