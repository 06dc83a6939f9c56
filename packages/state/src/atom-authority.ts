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

const NO_DELEGATES: ReadonlyMap<NodeId, AuthorityScope> = new Map();
/** Scratch of {@link AtomAuthority.scopeOf} (synchronous, not re-entered while in use). */
const LATEST: ChangeRecord[] = [];

/**
 * How many of `list` (one owner's changes, in its chain order) the causal past `context`
 * contains: an owner's events form a chain, so they are a prefix, found by binary search.
 */
function pastPrefix(list: readonly ChangeRecord[], context: CausalContext): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (context.contains((list[mid] as ChangeRecord).id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Who may write one atom: its policy (owners, delegates, members) refined by the grants and
 * revocations applied to it. For a durable event the changes that count are those in its
 * causal past; among them only the latest count (those no other change in the past follows);
 * a revocation among them wins over concurrent grants; concurrent grants add up; a grant
 * replaces the scope the policy gave. With no change in the past the policy decides. Owners
 * are fixed by the policy.
 *
 * Changes are kept per (node, owner) in the owner's chain order, so the ones in an event's
 * past are a prefix: a check costs O(owners × log changes) causal look-ups, plus O(owners²)
 * among the owners' latest changes, whatever the number of grant and revoke flips.
 */
export class AtomAuthority {
  private readonly owners: ReadonlySet<NodeId>;
  private readonly delegates: ReadonlyMap<NodeId, AuthorityScope>;
  /** node → owner → that owner's changes for the node, in its chain (seq) order. */
  private changes: Map<NodeId, Map<NodeId, ChangeRecord[]>> | undefined = undefined;
  private count = 0;

  constructor(readonly policy: AuthorityPolicy) {
    this.owners = new Set(policy.owners);
    const delegates = policy.delegates ?? [];
    this.delegates =
      delegates.length === 0 ? NO_DELEGATES : new Map(delegates.map((d) => [d.node, d.scope]));
  }

  /** True for an owner of the atom. */
  isOwner(node: NodeId): boolean {
    return this.owners.has(node);
  }

  /**
   * Records an applied change (its event id must be watched by the tracker). Each owner's
   * changes are recorded in its chain order, as the field processes them.
   */
  record(id: EventId, change: AuthorityChange): void {
    this.changes ??= new Map<NodeId, Map<NodeId, ChangeRecord[]>>();
    let byOwner = this.changes.get(change.node);
    if (byOwner === undefined) {
      this.changes.set(change.node, (byOwner = new Map<NodeId, ChangeRecord[]>()));
    }
    let list = byOwner.get(id.author);
    if (list === undefined) byOwner.set(id.author, (list = []));
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
    const byOwner = this.changes?.get(node);
    if (byOwner !== undefined) {
      // Each owner's latest change in the past: any earlier one of it is in that one's past.
      const latest = LATEST;
      latest.length = 0;
      for (const list of byOwner.values()) {
        const n = context === undefined ? list.length : pastPrefix(list, context);
        if (n > 0) latest.push(list[n - 1] as ChangeRecord);
      }
      if (latest.length > 0) {
        let scope: AuthorityScope = 0;
        for (const r of latest) {
          const superseded = latest.some(
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
    for (const byOwner of this.changes?.values() ?? []) {
      for (const list of byOwner.values()) all.push(...list);
    }
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
