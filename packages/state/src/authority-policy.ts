import type { NodeId } from '@elara/core';
import type { AuthorityScope } from './authority-scope.ts';

/** A writer that is not an owner, with what it may do. */
export interface Delegate {
  readonly node: NodeId;
  readonly scope: AuthorityScope;
}

/**
 * Who may write an atom, as defined with the atom (identically on every replica). Owners may
 * do anything, including granting and revoking (authority events, see `encodeAuthorityChange`);
 * delegates may do what their scope allows; with `members` set, every member of the session
 * (per the field's `MembershipSource`) may do what that scope allows. Grants and revocations
 * received later refine this for the delegates and members they name.
 *
 * @example
 * // a chat stream: two moderators own it, every member may append
 * const policy: AuthorityPolicy = { owners: [alice, bob], members: AuthorityScope.Append };
 */
export interface AuthorityPolicy {
  readonly owners: readonly NodeId[];
  readonly delegates?: readonly Delegate[];
  readonly members?: AuthorityScope;
}
