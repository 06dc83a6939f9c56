import {
  type DurableEnvelope,
  type EventId,
  type EventVerifier,
  formatEndpoint,
  type NodeId,
  nodeIdToHex,
  type StateId,
  StateType,
  stateIdFromParts,
  StateTypePrefix,
} from '@elara/core';
import type { AtomSpec } from './atom-spec.ts';
import { AuthorityScope } from './authority-scope.ts';
import type { CausalContext } from './causal-context.ts';
import { bytesToHex, type CanonicalValue } from './canonical-value.ts';
import { DeltaLaw } from './delta-law.ts';
import type { DurableObserver, PastQuery } from './durable-observer.ts';
import type { Member } from './member.ts';
import { MemberRole, memberRoleName, roleCanWrite } from './member-role.ts';
import {
  decodeMembershipEntry,
  MAX_MEMBER_ADDRESSES,
  MAX_MEMBERSHIP_ENTRY_SIZE,
  type MemberKeys,
  type MembershipEntry,
  membershipEventType,
} from './membership-entry.ts';
import type { MembershipSource } from './membership-source.ts';
import { MalformedMembershipEntryError } from './replication-errors.ts';
import { RejectionReason } from './rejection-reason.ts';

/** The membership atom of a session (the same id in every session: one log per field). */
export const MEMBERSHIP_ATOM: StateId = stateIdFromParts(StateTypePrefix.Membership, 0);

/** The default bound of entries one log holds. */
export const DEFAULT_MEMBERSHIP_ENTRIES = 4_096;

/** The session's founder: an owner from the start, known to every replica (e.g. from the invite). */
export interface Founder extends MemberKeys {
  readonly id: NodeId;
  readonly addresses?: Member['addresses'];
}

/** What a {@link MembershipLog} is built from (the same on every replica). */
export interface MembershipLogConfig {
  readonly founder: Founder;
  /** The atom holding the log; default {@link MEMBERSHIP_ATOM}. */
  readonly atom?: StateId;
  /** Entries held; an entry beyond is refused as `TooManyAuthorityChanges`. Default 4 096. */
  readonly maxEntries?: number;
  /** Address candidates per add entry; default and cap {@link MAX_MEMBER_ADDRESSES}. */
  readonly maxAddresses?: number;
  /**
   * Checks that the keys of an add entry are the member's (the runtime: the NodeId derived
   * from the Ed25519 key equals `member`). An add that fails is refused as `MalformedPayload`.
   * Default: every key is accepted. It must be a pure function (every replica judges alike).
   */
  readonly checkKeys?: (member: NodeId, keys: MemberKeys) => boolean;
}

interface EntryRecord {
  readonly id: EventId;
  /** τs of the entry's event: the tie-break between concurrent adds. */
  readonly time: number;
  readonly entry: MembershipEntry;
  /** The status this entry gives when it is the only one about its member. */
  readonly alone: Status;
}

type AddEntry = Extract<MembershipEntry, { op: 'add' }>;

/** A member's status at one causal point. */
interface Status {
  /** Its role, undefined when not a member (never added, or removed). */
  readonly role: MemberRole | undefined;
  /** True when the latest entries about it include a removal. */
  readonly removed: boolean;
  /** The add its keys and addresses come from. */
  readonly add: EntryRecord | undefined;
}

const NOT_MEMBER: Status = { role: undefined, removed: false, add: undefined };
const FOUNDER: Status = { role: MemberRole.Owner, removed: false, add: undefined };
const REMOVED: Status = { role: undefined, removed: true, add: undefined };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Later (τs, author, seq) first: the tie-break between concurrent adds. */
function later(a: EntryRecord, b: EntryRecord): boolean {
  if (a.time !== b.time) return a.time > b.time;
  if (a.id.author !== b.id.author) return a.id.author > b.id.author;
  return a.id.seq > b.id.seq;
}

/**
 * The session membership log: a Core atom whose entries (add a member with its public keys
 * and address candidates, remove, change a role) are durable, signed events, each judged
 * against its causal past. The runtime reads it to admit peers and drop channels.
 *
 * Plug it into the field as an observer and as its membership source, and define its atom:
 *
 * - **Authorisation** ({@link MemberRole}): owners change anyone but the founder; admins add,
 *   remove and re-role members and observers, giving at most Member; anyone but the founder
 *   may remove itself; an entry is judged by its signer's role *in the entry's causal past*,
 *   so every replica judges it alike. A refused entry is `Unauthorized` (or
 *   `MalformedPayload` for bytes that do not parse, a wrong event type, keys `checkKeys`
 *   refuses); it consumes its seq like any refused durable event.
 * - **Membership at a causal point**: the entries about a node in the point's causal past
 *   count; of those, only the latest (those no other of them has in its past). If one of the
 *   latest is a removal the node is out (**remove wins** over a concurrent add or role
 *   change); otherwise its role is the **lowest** the latest entries give. Keys and addresses
 *   come from the latest add (concurrent adds: the greatest (τs, author, seq)). The same set
 *   of entries gives the same answer on every replica, whatever the delivery order.
 * - **Removal takes effect causally**: a removed member's durable events whose causal past
 *   contains the removal are refused (`Unauthorized`) on every atom; those concurrent with it
 *   were valid when written and are kept everywhere. (Refusing its events "beyond the last
 *   seq the remover had seen" instead would refuse on one replica what another had already
 *   applied before the removal arrived; the runtime closes the removed member's channels, so
 *   its concurrent tail is bounded by what it had sent.) A later add re-admits it.
 * - `isMember` (the field's `MembershipSource`) is true for roles that may write (Member and
 *   up); observers are in the session (they receive every durable event) but write nothing.
 *
 * @example
 * const log = new MembershipLog({ founder: { id: alice, signingPublicKey, agreementPublicKey } });
 * const field = new StateField({ ...config, membership: log, observers: [log],
 *   verifier: log.verifier(ed25519Verify) });
 * field.define(log.atom, log.atomSpec());
 * // alice adds bob (a durable event: see LocalEvents)
 * writer.durable({ target: log.atom, ...membershipEvent({ op: 'add', member: bob, role: MemberRole.Member,
 *   signingPublicKey, agreementPublicKey, addresses }) });
 * log.members(); // [alice (owner), bob (member)]
 */
export class MembershipLog implements MembershipSource, DurableObserver {
  readonly atom: StateId;
  readonly founder: NodeId;
  readonly maxEntries: number;
  private readonly maxAddresses: number;
  private readonly founderMember: Member;
  private readonly checkKeys: MembershipLogConfig['checkKeys'];
  private past: PastQuery = (author, seq, id) => author === id.author && seq >= id.seq;
  private readonly entries: EntryRecord[] = [];
  private readonly byMember = new Map<NodeId, EntryRecord[]>();
  /** Every signing key ever added per node (a removed member's old events still verify). */
  private readonly signingKeys = new Map<NodeId, Uint8Array[]>();
  private readonly everRemoved = new Set<NodeId>();
  /** The entry the last successful `judge` decoded, for `applied` (called right after). */
  private judged:
    { readonly author: NodeId; readonly seq: number; entry: MembershipEntry } | undefined;
  private current: Member[] | undefined;

  constructor(config: MembershipLogConfig) {
    const f = config.founder;
    this.atom = config.atom ?? MEMBERSHIP_ATOM;
    this.founder = f.id;
    this.maxEntries = config.maxEntries ?? DEFAULT_MEMBERSHIP_ENTRIES;
    this.maxAddresses = Math.min(config.maxAddresses ?? MAX_MEMBER_ADDRESSES, MAX_MEMBER_ADDRESSES);
    this.checkKeys = config.checkKeys;
    this.founderMember = {
      id: f.id,
      role: MemberRole.Owner,
      signingPublicKey: f.signingPublicKey.slice(),
      agreementPublicKey: f.agreementPublicKey.slice(),
      addresses: [...(f.addresses ?? [])],
      addedBy: undefined,
    };
    this.signingKeys.set(f.id, [this.founderMember.signingPublicKey]);
  }

  /**
   * The spec of the membership atom, to `define` on every replica: Core, an append log of
   * entries (bounded like the log), the founder as its owner and every member allowed to
   * append (the log itself then judges each entry by role).
   */
  atomSpec(): AtomSpec {
    return {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(this.maxEntries, this.maxEntries * MAX_MEMBERSHIP_ENTRY_SIZE),
      authority: { owners: [this.founder], members: AuthorityScope.Append },
      maxValueBytes: MAX_MEMBERSHIP_ENTRY_SIZE,
    };
  }

  // ---- DurableObserver -----------------------------------------------------------------

  /** @internal Called by the field. */
  attach(past: PastQuery): void {
    this.past = past;
  }

  /** @internal The field watches the log's entries in its causal tracker. */
  watches(target: StateId): boolean {
    return target === this.atom;
  }

  /**
   * @internal Entries: parse, bound and role checks. Any other durable event: refused when its
   * author's removal is in its causal past.
   */
  judge(envelope: DurableEnvelope, context: CausalContext): RejectionReason | undefined {
    if (envelope.target !== this.atom) {
      if (!this.everRemoved.has(envelope.author)) return undefined;
      return this.status(envelope.author, context).removed
        ? RejectionReason.Unauthorized
        : undefined;
    }
    const m = envelope.mutation;
    if (m.type !== 'append') return RejectionReason.UnsupportedOp;
    let entry: MembershipEntry;
    try {
      entry = decodeMembershipEntry(m.data, this.maxAddresses);
    } catch (e) {
      if (!MalformedMembershipEntryError.isInstance(e)) throw e;
      return RejectionReason.MalformedPayload;
    }
    if (envelope.eventType !== membershipEventType(entry)) return RejectionReason.MalformedPayload;
    if (this.entries.length >= this.maxEntries) return RejectionReason.TooManyAuthorityChanges;
    if (
      entry.op === 'add' &&
      this.checkKeys !== undefined &&
      !this.checkKeys(entry.member, entry)
    ) {
      return RejectionReason.MalformedPayload;
    }
    const verdict = this.authorise(envelope.author, entry, context);
    if (verdict === undefined) this.judged = { author: envelope.author, seq: envelope.seq, entry };
    return verdict;
  }

  /** @internal An entry was applied. */
  applied(envelope: DurableEnvelope): void {
    const j = this.judged;
    this.judged = undefined;
    const entry =
      j !== undefined && j.author === envelope.author && j.seq === envelope.seq
        ? j.entry
        : decodeMembershipEntry(
            (envelope.mutation as { data: Uint8Array }).data,
            this.maxAddresses,
          );
    const id = { author: envelope.author, seq: envelope.seq };
    const record = { id, time: envelope.time, entry } as EntryRecord & { alone: Status };
    record.alone =
      entry.op === 'remove'
        ? REMOVED
        : { role: entry.role, removed: false, add: entry.op === 'add' ? record : undefined };
    this.entries.push(record);
    let list = this.byMember.get(entry.member);
    if (list === undefined) this.byMember.set(entry.member, (list = []));
    list.push(record);
    if (entry.op === 'remove') this.everRemoved.add(entry.member);
    if (entry.op === 'add') {
      let keys = this.signingKeys.get(entry.member);
      if (keys === undefined) this.signingKeys.set(entry.member, (keys = []));
      if (!keys.some((k) => sameBytes(k, entry.signingPublicKey)))
        keys.push(entry.signingPublicKey);
    }
    this.current = undefined;
  }

  /** The role rules (see {@link MemberRole}), judged in the entry's causal past. */
  private authorise(
    signer: NodeId,
    entry: MembershipEntry,
    context: CausalContext,
  ): RejectionReason | undefined {
    const target = entry.member;
    if (target === this.founder) return RejectionReason.Unauthorized;
    const signerRole = this.status(signer, context).role;
    if (signerRole === undefined) return RejectionReason.Unauthorized;
    const targetRole = signer === target ? signerRole : this.status(target, context).role;
    if (entry.op !== 'add' && targetRole === undefined) return RejectionReason.Unauthorized;
    if (entry.op === 'remove' && signer === target) return undefined; // leaving
    if (signerRole === MemberRole.Owner) return undefined;
    if (signerRole !== MemberRole.Admin) return RejectionReason.Unauthorized;
    // An admin manages members and observers, and gives at most Member.
    if (targetRole !== undefined && targetRole > MemberRole.Member) {
      return RejectionReason.Unauthorized;
    }
    if (entry.op !== 'remove' && entry.role > MemberRole.Member) {
      return RejectionReason.Unauthorized;
    }
    return undefined;
  }

  // ---- status --------------------------------------------------------------------------

  /**
   * `node`'s status given the entries `context` contains (every applied entry when
   * undefined). Allocation-free for the usual node with one entry (the hot path: every write
   * to an atom open to members asks).
   */
  private status(node: NodeId, context: CausalContext | undefined): Status {
    if (node === this.founder) return FOUNDER;
    const list = this.byMember.get(node);
    if (list === undefined) return NOT_MEMBER;
    if (list.length === 1) {
      const only = list[0] as EntryRecord;
      return context === undefined || context.contains(only.id) ? only.alone : NOT_MEMBER;
    }
    const seen = context === undefined ? list : list.filter((r) => context.contains(r.id));
    if (seen.length === 0) return NOT_MEMBER;
    if (seen.length === 1) return (seen[0] as EntryRecord).alone;
    let role: MemberRole | undefined;
    let add: EntryRecord | undefined;
    for (const r of this.latest(seen)) {
      const e = r.entry;
      if (e.op === 'remove') return REMOVED;
      if (role === undefined || e.role < role) role = e.role;
    }
    for (const r of this.latest(seen.filter((o) => o.entry.op === 'add'))) {
      if (add === undefined || later(r, add)) add = r;
    }
    return { role, removed: false, add };
  }

  /** The entries of `among` that no other of them has in its causal past. */
  private latest(among: readonly EntryRecord[]): EntryRecord[] {
    return among.filter(
      (r) => !among.some((o) => o !== r && this.past(o.id.author, o.id.seq, r.id)),
    );
  }

  private pointContext(point: EventId): CausalContext {
    return { contains: (id) => this.past(point.author, point.seq, id) };
  }

  // ---- queries -------------------------------------------------------------------------

  /**
   * True when `node` may write as a member (role Member, Admin or Owner) at `context` (an
   * event's causal past, as the field passes it), or now when undefined.
   */
  isMember(node: NodeId, context?: CausalContext): boolean {
    return roleCanWrite(this.status(node, context).role);
  }

  /** {@link isMember} in the causal past of processed event `point` (itself included). */
  isMemberAt(node: NodeId, point: EventId): boolean {
    return this.isMember(node, this.pointContext(point));
  }

  /** `node`'s role at `context` (now when undefined); undefined when not in the session. */
  role(node: NodeId, context?: CausalContext): MemberRole | undefined {
    return this.status(node, context).role;
  }

  /** `node`'s role in the causal past of processed event `point` (itself included). */
  roleAt(node: NodeId, point: EventId): MemberRole | undefined {
    return this.role(node, this.pointContext(point));
  }

  /** True when `node` is in the session now, in any role (observers included). */
  inSession(node: NodeId): boolean {
    return this.status(node, undefined).role !== undefined;
  }

  /** Every member now (observers included), by id. */
  members(): readonly Member[] {
    if (this.current !== undefined) return this.current;
    const out: Member[] = [this.founderMember];
    for (const node of this.byMember.keys()) {
      const s = this.status(node, undefined);
      if (s.role === undefined) continue;
      const add = s.add?.entry as AddEntry | undefined;
      out.push({
        id: node,
        role: s.role,
        signingPublicKey: add?.signingPublicKey ?? new Uint8Array(0),
        agreementPublicKey: add?.agreementPublicKey ?? new Uint8Array(0),
        addresses: add?.addresses ?? [],
        addedBy: s.add?.id,
      });
    }
    out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return (this.current = out);
  }

  /** The member `node` now, if in the session. */
  member(node: NodeId): Member | undefined {
    return this.members().find((m) => m.id === node);
  }

  /** Number of entries applied. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * The entry `node`'s next durable event should depend on so that every replica sees it as
   * a member: one of the latest entries about it, when its own chain up to `latestSeq` does
   * not make it a member yet (undefined otherwise, or when it is not a member now).
   */
  dependencyFor(node: NodeId, latestSeq: number): EventId | undefined {
    const list = this.byMember.get(node);
    if (node === this.founder || list === undefined || !this.isMember(node)) return undefined;
    if (latestSeq > 0 && this.isMemberAt(node, { author: node, seq: latestSeq })) return undefined;
    let best: EntryRecord | undefined;
    for (const r of this.latest(list)) if (best === undefined || later(r, best)) best = r;
    return best?.id;
  }

  /**
   * An {@link EventVerifier} over the members' Ed25519 keys: `verify(publicKey, message,
   * signature)` is the crypto provider's check (state never imports crypto). Every key ever
   * added for an author counts, so a removed or re-keyed member's earlier events still verify
   * when repair delivers them late; an author with no key fails.
   */
  verifier(
    verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean,
  ): EventVerifier {
    return (author, bytes, signature) => {
      const keys = this.signingKeys.get(author);
      if (keys === undefined) return false;
      for (const k of keys) if (verify(k, bytes, signature)) return true;
      return false;
    };
  }

  /** The canonical form of the members now (by id: role, keys, addresses). */
  snapshot(): CanonicalValue {
    return this.members().map((m) => [
      nodeIdToHex(m.id),
      memberRoleName(m.role),
      bytesToHex(m.signingPublicKey),
      bytesToHex(m.agreementPublicKey),
      m.addresses.map(formatEndpoint),
    ]);
  }
}
