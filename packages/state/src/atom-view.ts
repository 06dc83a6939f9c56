import type { EventKind, NodeId, StateId } from '@elara/core';
import type { AtomSpec } from './atom-spec.ts';
import type { AppendLog } from './laws/append-log.ts';
import type { EphemeralEntries } from './laws/ephemeral-entries.ts';
import type { FrameValues } from './laws/frame-values.ts';
import type { LwwRegister } from './laws/lww-register.ts';
import type { ObservedSet } from './laws/observed-set.ts';
import type { PnCounter } from './laws/pn-counter.ts';

/** The state of an atom under each law, told apart by `kind`. */
export type AnyLawState =
  LwwRegister | AppendLog | ObservedSet | PnCounter | EphemeralEntries | FrameValues;

/**
 * A read view of one atom of the field. Read `state` through its law's accessors (e.g.
 * `entryAt` of an append log); change it only through the field.
 *
 * @example
 * const v = field.atom(chat);
 * if (v?.state.kind === 'append-log') for (const e of v.state.entries()) show(e);
 */
export interface AtomView {
  readonly id: StateId;
  readonly spec: AtomSpec;
  /** Durable for Core atoms, ephemeral otherwise. */
  readonly kind: EventKind;
  readonly state: AnyLawState;
  /** Uncertainty 0..1 (see the README's divergence control). */
  readonly entropy: number;
  /** True while divergence control has a Core atom flagged. */
  readonly flagged: boolean;
  /** Durable atoms: the highest seq applied here per author. */
  readonly version: ReadonlyMap<NodeId, number>;
  /** Events for this atom waiting in quarantine. */
  readonly waiting: number;
}
