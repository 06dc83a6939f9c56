// The field
export {
  StateField,
  type StateFieldConfig,
  type ReceiveContext,
  type ExpireReport,
} from './state-field.ts';
export { type FieldLimits, DEFAULT_FIELD_LIMITS } from './field-limits.ts';
export { type FieldCounters, fieldCounters } from './field-counters.ts';
export { Outcome, rejected } from './outcome.ts';
export { RejectionReason, REJECTION_REASONS } from './rejection-reason.ts';
export {
  LocalEventRejectedError,
  LocalSequenceError,
  AtomDefinitionError,
} from './state-errors.ts';

// Atoms
export { type AtomSpec, type AtomResolver, DEFAULT_MAX_VALUE_BYTES } from './atom-spec.ts';
export { type AtomView, type AnyLawState } from './atom-view.ts';
export { type AtomChange, ChangeCause } from './atom-change.ts';
export { type AtomSnapshot, type FieldSnapshot } from './atom-snapshot.ts';
export { type CanonicalValue, bytesToHex } from './canonical-value.ts';
export type { EquivocationReport } from './equivocation-report.ts';
export { type EvictionReport, EvictionReason } from './eviction-report.ts';

// Authority
export { AtomOp, ALL_ATOM_OPS } from './atom-op.ts';
export { AuthorityScope, scopeAllows, scopeIncludes, isAuthorityScope } from './authority-scope.ts';
export { type AuthorityPolicy, type Delegate } from './authority-policy.ts';
export {
  type AuthorityChange,
  authorityChangeEventType,
  authorityChangeMutation,
  decodeAuthorityChange,
  isAuthorityEventType,
} from './authority-change.ts';
export { AtomAuthority } from './atom-authority.ts';
export { type MembershipSource, staticMembership } from './membership-source.ts';
export { type CausalContext } from './causal-context.ts';
export { CausalTracker } from './causal-tracker.ts';

// Delta laws
export {
  DeltaLaw,
  LawKind,
  deltaLawProblem,
  DEFAULT_LOG_ENTRIES,
  DEFAULT_LOG_BYTES,
  MAX_LOG_BYTES,
  DEFAULT_SET_ELEMENTS,
  DEFAULT_SET_WRITERS,
  DEFAULT_FRAMES,
} from './delta-law.ts';
export { type EventStamp, compareStamps } from './event-stamp.ts';
export { type LawState, type LawContext, type LawResult } from './laws/law-state.ts';
export { type LawDelta } from './laws/law-delta.ts';
export { createLawState } from './laws/create-law-state.ts';
export { LwwRegister } from './laws/lww-register.ts';
export { AppendLog } from './laws/append-log.ts';
export { ObservedSet, setOpFor } from './laws/observed-set.ts';
export { PnCounter } from './laws/pn-counter.ts';
export { EphemeralEntries } from './laws/ephemeral-entries.ts';
export { FrameValues } from './laws/frame-values.ts';
export { type LogEntry } from './log-entry.ts';
export { type FrameValue } from './frame-value.ts';
export { type EphemeralEntry } from './ephemeral-entry.ts';
export {
  type SetOp,
  type SetTag,
  SetOpCode,
  setOpSize,
  encodeSetOp,
  decodeSetOp,
  setOpMutation,
} from './set-op.ts';

// Stages (each usable on its own)
export { type SignatureCheck, signatureCheck } from './stages/signature-check.ts';
export { dependencyProblem, firstMissing } from './stages/causality.ts';
export {
  Placement,
  type PlacementResult,
  placeEphemeral,
  durableTooEarly,
} from './stages/temporal-placement.ts';
export {
  DivergenceAction,
  type DivergenceDecision,
  divergenceAction,
  agedEntropy,
  ENTROPY_PER_IDLE_SECOND,
  CORE_ENTROPY_STEP,
} from './stages/divergence-control.ts';
export {
  Quarantine,
  type QuarantineLimits,
  type QuarantinedEvent,
  type Eviction,
} from './quarantine.ts';
export {
  type SeenWindow,
  SEEN_WINDOW_SIZE,
  seenWindow,
  seenStatus,
  seenHas,
  seenMark,
  seenAllBelow,
} from './seen-window.ts';
export { type TokenBucket, tokenBucket, takeToken } from './rate-limiter.ts';
export { copyEnvelope, mutationValueLength } from './copy-envelope.ts';

// Part 2: membership, the event store, digests, diffusion, the local log
export { type DurableObserver, type PastQuery } from './durable-observer.ts';
export { MemberRole, isMemberRole, roleCanWrite, memberRoleName } from './member-role.ts';
export { type Member } from './member.ts';
export {
  type MembershipEntry,
  type MemberKeys,
  MEMBER_KEY_LENGTH,
  MAX_MEMBER_ADDRESSES,
  MAX_ADDRESS_LENGTH,
  MAX_MEMBERSHIP_ENTRY_SIZE,
  encodeMembershipEntry,
  decodeMembershipEntry,
  membershipMutation,
  membershipEventType,
} from './membership-entry.ts';
export {
  MembershipLog,
  type MembershipLogConfig,
  type Founder,
  MEMBERSHIP_ATOM,
  DEFAULT_MEMBERSHIP_ENTRIES,
} from './membership-log.ts';
export {
  type Digest,
  type DigestLimits,
  DEFAULT_DIGEST_LIMITS,
  checkDigest,
  digestContiguous,
  digestAcknowledgements,
  digestToRepairRequest,
  digestFromRepairRequest,
} from './digest.ts';
export {
  EventStore,
  type EventStoreLimits,
  DEFAULT_EVENT_STORE_LIMITS,
  STORE_EVENT_OVERHEAD,
  StoreEvictionReason,
  type StoreEviction,
  type StoreOutcome,
  type StoreCounters,
  type MissingOptions,
  type MissingPage,
  type DigestOptions,
} from './event-store.ts';
export { AckTable, type AckTableLimits, DEFAULT_ACK_TABLE_LIMITS } from './ack-table.ts';
export { LocalLog, type LocalLogLimits, DEFAULT_LOCAL_LOG_LIMITS } from './local-log.ts';
export {
  LocalEvents,
  type LocalEventsConfig,
  type DurableEventSpec,
  type EphemeralEventSpec,
  type WrittenEvent,
} from './local-events.ts';
export {
  InterestRegistry,
  type InterestLimits,
  DEFAULT_INTEREST_LIMITS,
} from './interest-registry.ts';
export { Diffusion, type DiffusionConfig } from './diffusion.ts';
export {
  MalformedDigestError,
  LocalLogFullError,
  MalformedMembershipEntryError,
  LocalNumberingError,
  InterestLimitError,
} from './replication-errors.ts';
