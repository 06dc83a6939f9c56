/**
 * Why the field refused an event. Every refusal is counted under its reason
 * (`StateField.counters().rejected`); none changes the state.
 *
 * | Reason               | When                                                                     |
 * |----------------------|--------------------------------------------------------------------------|
 * | Malformed            | the bytes are not a v1 envelope (core's decoder named the error), or an  |
 * |                      | envelope given as a value is not one the codec would encode              |
 * | UnknownAtom          | no atom is defined or resolvable for the target                          |
 * | KindMismatch         | a durable event for a non-Core atom, or an ephemeral one for a Core atom |
 * | MissingSignature     | a durable event whose signature is not 64 bytes                          |
 * | BadSignature         | the verifier refused the signature (the event is not authentic)          |
 * | Unauthorized         | the author is no owner, delegate or member, or was revoked               |
 * | OutOfScope           | the author may write the atom, but not this operation                    |
 * | UnsupportedOp        | the atom's law does not take this mutation                               |
 * | MalformedPayload     | a set operation or authority change whose bytes do not parse, or a set   |
 * |                      | operation naming its own author's op at its own number or later          |
 * | Oversized            | the value exceeds the atom's `maxValueBytes`                             |
 * | AtomFull             | a set at its bound of elements, or of live operations on one element     |
 * | FutureDependency     | a durable event depending on its author's own later (or same) event      |
 * |                      | (only from `receive(envelope)`: the wire decoder refuses any dependency  |
 * |                      | on the event's own author)                                               |
 * | TooLate              | an ephemeral event older than the correction horizon, or a past frame    |
 * | Expired              | an ephemeral entry whose TTL had passed on arrival                       |
 * | StaleCounter         | an ephemeral counter older than the 64-event window of its author        |
 * | RateLimited          | an author's ephemeral events beyond its rate                             |
 * | NotFromAuthor        | an ephemeral event that did not come on its author's own channel         |
 * | QuarantineFull       | a durable event whose author already fills its quarantine share (reported |
 * |                      | as an eviction too, so the runtime repairs it later)                     |
 * | TooManyAtoms         | the field holds `maxAtoms` atoms, or the author's events made            |
 * |                      | `maxResolvedAtomsPerAuthor` resolved atoms held                          |
 * | TooManyAuthors       | the field tracks `maxAuthors` authors                                    |
 * | TooManyAuthorityChanges | the field watches `maxAuthorityChanges` grants and revocations        |
 */
export const RejectionReason = {
  Malformed: 'Malformed',
  UnknownAtom: 'UnknownAtom',
  KindMismatch: 'KindMismatch',
  MissingSignature: 'MissingSignature',
  BadSignature: 'BadSignature',
  Unauthorized: 'Unauthorized',
  OutOfScope: 'OutOfScope',
  UnsupportedOp: 'UnsupportedOp',
  MalformedPayload: 'MalformedPayload',
  Oversized: 'Oversized',
  AtomFull: 'AtomFull',
  FutureDependency: 'FutureDependency',
  TooLate: 'TooLate',
  Expired: 'Expired',
  StaleCounter: 'StaleCounter',
  RateLimited: 'RateLimited',
  NotFromAuthor: 'NotFromAuthor',
  QuarantineFull: 'QuarantineFull',
  TooManyAtoms: 'TooManyAtoms',
  TooManyAuthors: 'TooManyAuthors',
  TooManyAuthorityChanges: 'TooManyAuthorityChanges',
} as const;
export type RejectionReason = (typeof RejectionReason)[keyof typeof RejectionReason];

/** Every reason, in the table's order. */
export const REJECTION_REASONS: readonly RejectionReason[] = Object.values(RejectionReason);
