import { ElaraError } from '@elara/core';

/**
 * A digest that cannot be answered: not the documented shape, a seq outside 0..2^32 − 1, a
 * gap with `from > to` or naming more than `MAX_REPAIR_RANGE_SPAN` events, more gaps or
 * authors than the bounds allow. Digests come from peers: the runtime counts this and goes on.
 */
export class MalformedDigestError extends ElaraError {
  static override readonly code: string = 'MalformedDigestError';
}

/**
 * The bounded log of local events not yet acknowledged by every member is full (by count or
 * bytes): the event was not applied and must not be sent. This is what makes `send()` fail
 * instead of dropping; it clears as members acknowledge.
 */
export class LocalLogFullError extends ElaraError {
  static override readonly code: string = 'LocalLogFullError';
  constructor(
    readonly bound: 'count' | 'bytes',
    message: string,
  ) {
    super(message);
  }
}

/** Membership entry bytes that do not parse, or an entry that cannot be encoded. */
export class MalformedMembershipEntryError extends ElaraError {
  static override readonly code: string = 'MalformedMembershipEntryError';
}

/**
 * Local numbering ran out: an ephemeral counter past 2^32 − 1, or more atoms with counters
 * than `maxCounters`.
 */
export class LocalNumberingError extends ElaraError {
  static override readonly code: string = 'LocalNumberingError';
}

/** The interest registry holds its bound of members, or of atoms for one member. */
export class InterestLimitError extends ElaraError {
  static override readonly code: string = 'InterestLimitError';
}
