import { ElaraError, formatEndpoint, InvalidWireFormatError, type Endpoint } from '@elara/core';

/**
 * Bytes that are not a well-formed STUN message (RFC 8489 §5, §14): bad header bits, a length
 * that does not match, an attribute that runs past the end, FINGERPRINT not last, a value of the
 * wrong size. Also raised for a response missing an attribute its method requires.
 */
export class StunFormatError extends InvalidWireFormatError {
  static override readonly code: string = 'StunFormatError';
}

/** No response arrived after every retransmission (RFC 8489 §6.2.1). */
export class StunTimeoutError extends ElaraError {
  static override readonly code: string = 'StunTimeoutError';
  constructor(
    readonly server: Endpoint,
    readonly transmissions: number,
  ) {
    super(`no STUN response from ${formatEndpoint(server)} after ${transmissions} transmissions`);
  }
}

/** `request()` refused: the client already has `maxPending` transactions in flight. */
export class StunPendingLimitError extends ElaraError {
  static override readonly code: string = 'StunPendingLimitError';
  constructor(readonly limit: number) {
    super(`${limit} STUN transactions already in flight`);
  }
}

/**
 * The server answered with an error response (RFC 8489 §14.8). `errorCode` is the numeric code
 * (e.g. 437), `reason` the server's phrase. Subclasses name the codes a caller acts on.
 */
export class StunErrorResponseError extends ElaraError {
  static override readonly code: string = 'StunErrorResponseError';
  constructor(
    readonly errorCode: number,
    readonly reason: string,
    readonly server: Endpoint,
  ) {
    super(`${formatEndpoint(server)} answered ${errorCode} ${reason}`);
  }
}
