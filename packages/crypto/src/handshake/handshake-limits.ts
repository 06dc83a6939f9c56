import { OutOfRangeError } from '@elara/core';

/** A responder's bounds and timers (all times in µs of the caller's clock). */
export interface ResponderLimits {
  /**
   * Pending handshakes held at once (default 4096). When full, the heaviest source's oldest
   * pending handshake is shed for a newcomer from a lighter source.
   */
  readonly maxHandshakes: number;
  /** Pending handshakes held at once per source IP: IPv4 address or IPv6 /64 (default 8). */
  readonly maxHandshakesPerSource: number;
  /** Ended handshake ids remembered against replays (default 16384; oldest forgotten first). */
  readonly maxRemembered: number;
  /** How long a pending handshake waits for its Finish (default 5 s). */
  readonly pendingTimeoutUs: number;
  /**
   * How long a handshake id is remembered after admission, so replays of its messages are
   * refused by name (default 10 s). At least two cookie buckets, so no cookie outlives it.
   */
  readonly replayMemoryUs: number;
  /** Length of a retry-cookie bucket (default 5 s): a cookie is accepted for one to two. */
  readonly cookieBucketUs: number;
}

/** The defaults of {@link ResponderLimits}. */
export const DEFAULT_RESPONDER_LIMITS: ResponderLimits = {
  maxHandshakes: 4096,
  maxHandshakesPerSource: 8,
  maxRemembered: 16_384,
  pendingTimeoutUs: 5_000_000,
  replayMemoryUs: 10_000_000,
  cookieBucketUs: 5_000_000,
};

/** An initiator's retry policy (µs of the caller's clock). */
export interface InitiatorTimers {
  /** How long to wait for each answer before starting a new attempt (default 1 s). */
  readonly retryIntervalUs: number;
  /** Attempts before giving up with `HandshakeTimeoutError` (default 5). */
  readonly maxAttempts: number;
}

/** The defaults of {@link InitiatorTimers}. */
export const DEFAULT_INITIATOR_TIMERS: InitiatorTimers = {
  retryIntervalUs: 1_000_000,
  maxAttempts: 5,
};

function positive(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OutOfRangeError(`${what} must be a positive integer: ${value}`);
  }
}

/** The limits with defaults filled in, checked (`OutOfRangeError`). */
export function responderLimits(given: Partial<ResponderLimits> = {}): ResponderLimits {
  const limits = { ...DEFAULT_RESPONDER_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) positive(value, name);
  if (
    limits.replayMemoryUs < 2 * limits.cookieBucketUs ||
    limits.replayMemoryUs < limits.pendingTimeoutUs
  ) {
    throw new OutOfRangeError(
      'replayMemoryUs must cover two cookie buckets and the pending timeout',
    );
  }
  return limits;
}

/** The timers with defaults filled in, checked (`OutOfRangeError`). */
export function initiatorTimers(given: Partial<InitiatorTimers> = {}): InitiatorTimers {
  const timers = { ...DEFAULT_INITIATOR_TIMERS, ...given };
  positive(timers.retryIntervalUs, 'retryIntervalUs');
  positive(timers.maxAttempts, 'maxAttempts');
  return timers;
}

/** Throws `OutOfRangeError` unless `now` is a finite clock reading. */
export function checkNow(now: number): void {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new OutOfRangeError(`clock reading ${now} is not a finite number of µs`);
  }
}
