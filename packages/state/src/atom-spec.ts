import { isStateType, MAX_MUTATION_DATA, type StateId, StateType } from '@elara/core';
import type { AuthorityPolicy } from './authority-policy.ts';
import { isAuthorityScope } from './authority-scope.ts';
import { type DeltaLaw, deltaLawProblem, LawKind } from './delta-law.ts';

/**
 * What an atom is, declared identically on every replica (by `StateField.define` or an
 * {@link AtomResolver}): its StateType (Core atoms take durable, signed events; the others
 * ephemeral ones), its delta law, who may write it, and the largest value one event may carry.
 *
 * @example
 * const spec: AtomSpec = {
 *   stateType: StateType.Core,
 *   law: DeltaLaw.appendLog(),
 *   authority: { owners: [alice], members: AuthorityScope.Append },
 * };
 */
export interface AtomSpec {
  readonly stateType: StateType;
  readonly law: DeltaLaw;
  readonly authority: AuthorityPolicy;
  /** Largest value (mutation data) one event may carry, bytes; default and cap 65535. */
  readonly maxValueBytes?: number;
}

/** The default and largest {@link AtomSpec.maxValueBytes}: a mutation's u16 length. */
export const DEFAULT_MAX_VALUE_BYTES = MAX_MUTATION_DATA;

/**
 * Declares atoms on demand: given the target of an event for an atom the field does not hold
 * yet, returns its spec, or undefined for an unknown atom: an ephemeral event for it is then
 * refused as `UnknownAtom`, a durable one waits in quarantine for `define` (its seq is not
 * consumed; evicted and reported for its age if no definition comes). A resolved atom is held
 * only once an event for it passes the authority stage, and counts against the share of that
 * event's author (`FieldLimits.maxResolvedAtomsPerAuthor`). Streams install one per
 * state-type prefix (e.g. every text stream id).
 *
 * @example
 * const resolve: AtomResolver = (id) =>
 *   stateIdType(id) === StateTypePrefix.Text ? chatSpec : undefined;
 */
export type AtomResolver = (id: StateId) => AtomSpec | undefined;

/**
 * Why a spec cannot be used, or undefined when it can (`define` throws the reason as an
 * `AtomDefinitionError`). Two laws are tied to a kind of event: `frames` drops what falls
 * behind its window, i.e. refuses for age, so it is refused on Core atoms (a durable Core
 * event is never refused for its age: replicas would consume its seq differently); `append-log`
 * keeps each author's order by its durable seqs and effective τs, so it is refused on the
 * others (ephemeral events carry raw τs: an author whose clock steps back would have its
 * entries out of its own order).
 */
export function atomSpecProblem(spec: AtomSpec): string | undefined {
  if (typeof spec !== 'object' || spec === null) return 'spec must be an object';
  if (!isStateType(spec.stateType)) return `unknown state type ${String(spec.stateType)}`;
  const law = deltaLawProblem(spec.law);
  if (law !== undefined) return law;
  if (spec.law.kind === LawKind.Frames && spec.stateType === StateType.Core) {
    return 'the frames law is for ephemeral (non-Core) atoms';
  }
  if (spec.law.kind === LawKind.AppendLog && spec.stateType !== StateType.Core) {
    return 'the append-log law is for durable (Core) atoms';
  }
  const a = spec.authority;
  if (typeof a !== 'object' || a === null || !Array.isArray(a.owners)) return 'authority.owners';
  for (const d of a.delegates ?? []) if (!isAuthorityScope(d.scope)) return 'delegate scope';
  if (a.members !== undefined && !isAuthorityScope(a.members)) return 'members scope';
  const max = spec.maxValueBytes;
  if (max !== undefined && (!Number.isInteger(max) || max < 0 || max > DEFAULT_MAX_VALUE_BYTES)) {
    return `maxValueBytes must be 0..${DEFAULT_MAX_VALUE_BYTES}`;
  }
  // One entry larger than the log would wipe it (every other entry dropped, then itself).
  if (max !== undefined && spec.law.kind === LawKind.AppendLog && max > spec.law.maxBytes) {
    return `maxValueBytes must not exceed the log's maxBytes (${spec.law.maxBytes})`;
  }
  return undefined;
}
