import type { CanonicalValue } from './canonical-value.ts';

/**
 * The canonical form of one atom: equal (as `JSON.stringify` output) on two replicas exactly
 * when they hold the same state for it. Local bookkeeping (entropy, flags, quarantine) is
 * left out.
 */
export interface AtomSnapshot {
  /** `0x` + 16 hex digits. */
  readonly id: string;
  readonly stateType: number;
  readonly law: string;
  /** Durable atoms: the highest seq applied per author, `[author, seq]` by author. */
  readonly version: readonly (readonly [string, number])[];
  /** Applied grants and revocations, by event id: `[author, seq, node, scope | null]`. */
  readonly authority: CanonicalValue;
  readonly value: CanonicalValue;
}

/** The canonical form of a field: its atoms by id. */
export interface FieldSnapshot {
  readonly atoms: readonly AtomSnapshot[];
}
