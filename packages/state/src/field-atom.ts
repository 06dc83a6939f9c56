import { EventKind, eventKindForStateType, type NodeId, type StateId } from '@elara/core';
import { AtomAuthority } from './atom-authority.ts';
import { type AtomSpec, DEFAULT_MAX_VALUE_BYTES } from './atom-spec.ts';
import type { AnyLawState, AtomView } from './atom-view.ts';
import { LawKind } from './delta-law.ts';
import { createLawState } from './laws/create-law-state.ts';
import type { LawContext, LawState } from './laws/law-state.ts';
import { type DurableLawContext, EphemeralLawContext } from './law-contexts.ts';

/** An atom's value bound: its spec's, else the default, never above its log's `maxBytes`. */
function maxValueBytesOf(spec: AtomSpec): number {
  const max = spec.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  return spec.law.kind === LawKind.AppendLog ? Math.min(max, spec.law.maxBytes) : max;
}

/** One atom as a {@link StateField} holds it: the view, and the field's bookkeeping of it. */
export class FieldAtom implements AtomView {
  readonly kind: EventKind;
  readonly state: AnyLawState & LawState;
  readonly authority: AtomAuthority;
  readonly maxValueBytes: number;
  readonly version = new Map<NodeId, number>();
  /** An ephemeral atom's counters (undefined for a durable atom). */
  readonly ephemeral: EphemeralLawContext | undefined;
  readonly context: LawContext;
  /** The author whose event made a resolved atom held (counted against its share). */
  creator: NodeId | undefined = undefined;
  /** Events applied to it. */
  applied = 0;
  waiting = 0;
  entropy = 0;
  flagged = false;
  /** τs of the latest applied event (divergence control ages idle atoms from it). */
  lastActual: number;

  constructor(
    readonly id: StateId,
    readonly spec: AtomSpec,
    /** Declared by `define`, rather than resolved on demand. */
    readonly defined: boolean,
    durable: DurableLawContext,
    now: number,
  ) {
    this.kind = eventKindForStateType(spec.stateType);
    this.state = createLawState(spec.law) as AnyLawState & LawState;
    this.authority = new AtomAuthority(spec.authority);
    this.maxValueBytes = maxValueBytesOf(spec);
    this.ephemeral = this.kind === EventKind.Ephemeral ? new EphemeralLawContext() : undefined;
    this.context = this.ephemeral ?? durable;
    this.lastActual = now;
  }
}
