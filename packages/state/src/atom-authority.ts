import { compareEventIds, type EventId, type NodeId, nodeIdToHex } from '@elara/core';
import type { AuthorityChange } from './authority-change.ts';
import type { AuthorityPolicy } from './authority-policy.ts';
import { AuthorityScope } from './authority-scope.ts';
import type { CanonicalValue } from './canonical-value.ts';
import type { CausalContext } from './causal-context.ts';
import type { CausalTracker } from './causal-tracker.ts';
import type { MembershipSource } from './membership-source.ts';

interface ChangeRecord {
  readonly id: EventId;
  readonly change: AuthorityChange;
}

/**
 * Who may write one atom: its policy (owners, delegates, members) refined by the grants and
 * revocations applied to it. For a durable event the changes that count are those in its
 * causal past; among them only the latest count (those no other change in the past follows);
 * a revocation among them wins over concurrent grants; concurrent grants add up; a grant
 * replaces the scope the policy gave. With no change in the past the policy decides. Owners
 * are fixed by the policy.
 */
export class AtomAuthority {
  private readonly owners: ReadonlySet<NodeId>;
  private readonly delegates: ReadonlyMap<NodeId, AuthorityScope>;
  private readonly changes = new Map<NodeId, ChangeRecord[]>();
  private count = 0;

  constructor(readonly policy: AuthorityPolicy) {
    this.owners = new Set(policy.owners);
    this.delegates = new Map((policy.delegates ?? []).map((d) => [d.node, d.scope]));
  }

  /** True for an owner of the atom. */
  isOwner(node: NodeId): boolean {
    return this.owners.has(node);
  }

  /** Records an applied change (its event id must be watched by the tracker). */
  record(id: EventId, change: AuthorityChange): void {
    let list = this.changes.get(change.node);
    if (list === undefined) this.changes.set(change.node, (list = []));
    list.push({ id: { author: id.author, seq: id.seq }, change });
    this.count++;
  }

  /**
   * What `node` may do for an event whose causal past is `context` (undefined: everything
   * applied so far counts, for ephemeral and local checks).
   */
  scopeOf(
    node: NodeId,
    context: CausalContext | undefined,
    tracker: CausalTracker,
    membership: MembershipSource | undefined,
  ): AuthorityScope {
    if (this.owners.has(node)) return AuthorityScope.Full;
    const records = this.changes.get(node);
    if (records !== undefined) {
      const past = context === undefined ? records : records.filter((r) => context.contains(r.id));
      if (past.length > 0) {
        let scope: AuthorityScope = 0;
        for (const r of past) {
          const superseded = past.some(
            (o) => o !== r && tracker.contains(o.id.author, o.id.seq, r.id),
          );
          if (superseded) continue;
          if (!r.change.grant) return AuthorityScope.ReadOnly;
          scope |= r.change.scope;
        }
        return scope;
      }
    }
    const delegated = this.delegates.get(node);
    if (delegated !== undefined) return delegated;
    const members = this.policy.members;
    if (members !== undefined && membership?.isMember(node, context) === true) return members;
    return AuthorityScope.ReadOnly;
  }

  /** The applied changes in canonical order. */
  snapshot(): CanonicalValue {
    const all: ChangeRecord[] = [];
    for (const list of this.changes.values()) all.push(...list);
    all.sort((a, b) => compareEventIds(a.id, b.id));
    return all.map((r): CanonicalValue => [
      nodeIdToHex(r.id.author),
      r.id.seq,
      nodeIdToHex(r.change.node),
      r.change.grant ? r.change.scope : null,
    ]);
  }

  /** Number of applied changes. */
  get size(): number {
    return this.count;
  }
}
