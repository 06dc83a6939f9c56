import type { Endpoint, EventId, NodeId } from '@elara/core';
import type { MemberKeys } from './membership-entry.ts';
import type { MemberRole } from './member-role.ts';

/** A session member as the membership log holds it now. */
export interface Member extends MemberKeys {
  readonly id: NodeId;
  readonly role: MemberRole;
  /** Where to reach it (literal addresses), in order of preference. */
  readonly addresses: readonly Endpoint[];
  /** The add entry its keys and addresses come from (undefined for the founder). */
  readonly addedBy: EventId | undefined;
}
