import { MAX_MUTATION_DATA, type StateId, type StateType } from '@elara/core';
import type { AuthorityPolicy } from './authority-policy.ts';
import type { DeltaLaw } from './delta-law.ts';

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
 * yet, returns its spec, or undefined for an unknown atom (the event is then refused as
 * `UnknownAtom`). Streams install one per state-type prefix (e.g. every text stream id).
 *
 * @example
 * const resolve: AtomResolver = (id) =>
 *   stateIdType(id) === StateTypePrefix.Text ? chatSpec : undefined;
 */
export type AtomResolver = (id: StateId) => AtomSpec | undefined;
