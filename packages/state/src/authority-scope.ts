import { ALL_ATOM_OPS, type AtomOp } from './atom-op.ts';

/**
 * What a delegate may do to an atom: a set of {@link AtomOp} bits (the reference's
 * `AuthorityScope`: Full, Append, ReadOnly, and Custom as any other set). One byte on the wire
 * of an authority grant.
 *
 * @example
 * const moderator: AuthorityScope = AtomOp.Append | AtomOp.Remove;
 */
export type AuthorityScope = number;

/** The reference's named scopes. */
export const AuthorityScope = {
  /** Everything an owner may do to the atom's value. */
  Full: ALL_ATOM_OPS,
  /** Append to a log, add to a set. */
  Append: 0x02,
  /** Nothing. */
  ReadOnly: 0,
} as const;

/** True when `scope` permits `op`. */
export function scopeAllows(scope: AuthorityScope, op: AtomOp): boolean {
  return (scope & op) === op;
}

/** True when every op of `inner` is in `outer` (the reference's Custom subset test). */
export function scopeIncludes(outer: AuthorityScope, inner: AuthorityScope): boolean {
  return (outer & inner) === inner;
}

/** True for a byte that names only known {@link AtomOp} bits. */
export function isAuthorityScope(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && (value & ~ALL_ATOM_OPS) === 0;
}
