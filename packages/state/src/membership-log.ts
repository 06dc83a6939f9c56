import {
  type DurableEnvelope,
  type EventId,
  type EventVerifier,
  formatEndpoint,
  type NodeId,
  nodeIdToHex,
  OutOfRangeError,
  type StateId,
  StateType,
  stateIdFromParts,
  StateTypePrefix,
} from '@elara/core';
import type { AtomSpec } from './atom-spec.ts';
import { AuthorityScope } from './authority-scope.ts';
import type { CausalContext } from './causal-context.ts';
import { bytesToHex, type CanonicalValue } from './canonical-value.ts';
import { compareAscending } from './compare-ascending.ts';
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
import { pastPrefix } from './past-prefix.ts';
import { type CutEntry, markCuts } from './removal-cuts.ts';
import { MalformedMembershipEntryError } from './replication-errors.ts';
import { RejectionReason } from './rejection-reason.ts';
import { sameBytes } from './same-bytes.ts';

/** The membership atom of a session (the same id in every session: one log per field). */
export const MEMBERSHIP_ATOM: StateId = stateIdFromParts(StateTypePrefix.Membership, 0);

/** The default bound of entries in one entry's causal past. */
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
  /**
   * Entries an entry's causal past may hold, itself included: beyond, it is refused as
   * `TooManyAuthorityChanges` on every replica alike. Default 4 096. The log holds at most
   * twice as many (entries written concurrently, each within the bound).
   */
  readonly maxEntries?: number;
  /** Of `maxEntries`, how many only owners may fill; default `maxEntries / 8`. */
  readonly ownerReserve?: number;
  /** Entries one signer that is not an owner may have applied; default `maxEntries / 16`. */
  readonly maxEntriesPerSigner?: number;
  /** Address candidates per add entry; default and cap {@link MAX_MEMBER_ADDRESSES}. */
  readonly maxAddresses?: number;
  /**
   * Checks that the keys of an add entry are the member's (the runtime: the NodeId derived
   * from the Ed25519 key equals `member`, so no other key can ever be added for it). An add
   * that fails (or throws) is refused as `MalformedPayload`. It must be a pure function (every
   * replica judges alike).
   */
  readonly checkKeys: (member: NodeId, keys: MemberKeys) => boolean;
}

interface EntryRecord extends CutEntry {
  /** τs of the entry's event: the tie-break between concurrent adds. */
  readonly time: number;
  /** The status this entry gives when it is the only latest one about its member. */
  readonly alone: Status;
}

/** The entries about one node. */
interface MemberEntries {
  /** Per signer, in the signer's chain order (those in a causal past are a prefix). */
  readonly bySigner: Map<NodeId, EntryRecord[]>;
  /** Its add entries, likewise (keys and addresses come from the latest). */
  readonly addsBySigner: Map<NodeId, EntryRecord[]>;
  /** Its status now, valid while `epoch` is the log's. */
  now: Status;
  epoch: number;
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

/** Scratch of the latest entries (status is synchronous and never re-entered). */
const LATEST: EntryRecord[] = [];
const LATEST_ADDS: EntryRecord[] = [];

/** Later (τs, author, seq) first: the tie-break between concurrent adds. */
function later(a: EntryRecord, b: EntryRecord): boolean {
  if (a.time !== b.time) return a.time > b.time;
  if (a.id.author !== b.id.author) return a.id.author > b.id.author;
  return a.id.seq > b.id.seq;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): V[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  list.push(value);
  return list;
}

function positive(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OutOfRangeError(`${what} ${value} is not a positive integer`);
  }
  return value;
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
 *   may remove itself; nobody re-keys a member in the session (only a removed one may be added
 *   again with other keys); an entry is judged by its signer's role *in the entry's causal
 *   past*, so every replica judges it alike. A refused entry is `Unauthorized` (or
 *   `MalformedPayload` for bytes that do not parse, a wrong event type, keys `checkKeys`
 *   refuses; `TooManyAuthorityChanges` past the bounds); it consumes its seq like any refused
 *   durable event.
 * - **Observers write nothing**: their durable events are refused (`Unauthorized`) on every
 *   atom, owned or granted ones included, but for their own removal.
 * - **Membership at a causal point**: the entries about a node in the point's causal past
 *   count; of those, only the latest (those no other of them has in its past). If one of the
 *   latest is a removal the node is out (**remove wins** over a concurrent add or role
 *   change); otherwise its role is the **lowest** the latest entries give. Keys and addresses
 *   come from the latest add (concurrent adds: the greatest (τs, author, seq)). The same set
 *   of entries gives the same answer on every replica, whatever the delivery order. Each
 *   signer's entries about a node are kept in its chain order, so the ones in a past are a
 *   prefix found by binary search; the status now is cached per member.
 * - **Removal takes effect causally**: a removed member's durable events whose causal past
 *   contains the removal are refused (`Unauthorized`) on every atom; those concurrent with it
 *   were valid when written and are kept everywhere. **The membership now** (`members()`,
 *   `inSession`, `role` and `isMember` without a context) also leaves out every entry
 *   concurrent with an effective removal of its signer (see {@link markCuts}): a removed admin
 *   that omits its removal from its dependencies cannot admit anyone any more. A later add
 *   re-admits.
 * - `isMember` (the field's `MembershipSource`) is true for roles that may write (Member and
 *   up); observers are in the session (they receive every durable event) and count as members
 *   only for durable events (a context is given), whose authority the log's `judge` then
 *   refines: that is how an observer's own removal gets through.
 * - **Bounds**: an entry whose causal past holds `maxEntries` entries is refused
 *   (`maxEntries − ownerReserve` for signers that are not owners), as is a non-owner's entry
 *   beyond `maxEntriesPerSigner` of its own: both depend on the entry's past only, so every
 *   replica refuses alike, and no admin can fill the log its owners need. The log holds at
 *   most `2 × maxEntries` entries (its own budget in the field's causal tracker, apart from
 *   the atoms' grants and revocations); only entries written concurrently beyond
 *   `maxEntries` can reach that, and there the verdict depends on arrival order.
 *
 * @example
 * const log = new MembershipLog({ founder: { id: alice, signingPublicKey, agreementPublicKey },
 *   checkKeys: (member, keys) => deriveNodeId(provider, keys.signingPublicKey) === member });
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
  /** Entries an entry's causal past may hold (see {@link MembershipLogConfig.maxEntries}). */
  readonly maxEntries: number;
  /** Entries the log holds at most: its budget in the field's causal tracker. */
  readonly watchBudget: number;
  private readonly ownerReserve: number;
  private readonly maxEntriesPerSigner: number;
  private readonly maxAddresses: number;
  private readonly founderMember: Member;
  private readonly checkKeys: MembershipLogConfig['checkKeys'];
  private past: PastQuery = (author, seq, id) => author === id.author && seq >= id.seq;
  private entryCount = 0;
  private readonly byMember = new Map<NodeId, MemberEntries>();
  /** Every entry, per signer, in its chain order. */
  private readonly bySigner = new Map<NodeId, EntryRecord[]>();
  private readonly removalsOf = new Map<NodeId, EntryRecord[]>();
  private readonly removalsBy = new Map<NodeId, EntryRecord[]>();
  /** Every signing key ever added per node (a removed member's old events still verify). */
  private readonly signingKeys = new Map<NodeId, Uint8Array[]>();
  /** Nodes ever removed or made observers: only their other durable events need a look. */
  private readonly watched = new Set<NodeId>();
  /** The entry the last successful `judge` decoded, for `applied` (called right after). */
  private judged:
    | { readonly author: NodeId; readonly seq: number; entry: MembershipEntry; cut: boolean }
    | undefined;
  /** A removal was applied since the cuts were last marked. */
  private cutsStale = false;
  /** Bumped at every change: the cached statuses now are valid for one epoch. */
  private epoch = 0;
  private current: Member[] | undefined;
  private currentEpoch = -1;

  constructor(config: MembershipLogConfig) {
    const f = config.founder;
    if (typeof config.checkKeys !== 'function') {
      throw new OutOfRangeError('checkKeys is required (see MembershipLogConfig)');
    }
    this.atom = config.atom ?? MEMBERSHIP_ATOM;
    this.founder = f.id;
    this.maxEntries = positive(config.maxEntries ?? DEFAULT_MEMBERSHIP_ENTRIES, 'maxEntries');
    this.watchBudget = 2 * this.maxEntries;
    this.ownerReserve = Math.min(
      config.ownerReserve ?? Math.floor(this.maxEntries / 8),
      this.maxEntries - 1,
    );
    if (!Number.isSafeInteger(this.ownerReserve) || this.ownerReserve < 0) {
      throw new OutOfRangeError(`ownerReserve ${config.ownerReserve} is not a count`);
    }
    this.maxEntriesPerSigner = positive(
      config.maxEntriesPerSigner ?? Math.max(1, Math.floor(this.maxEntries / 16)),
      'maxEntriesPerSigner',
    );
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
      law: DeltaLaw.appendLog(this.watchBudget, this.watchBudget * MAX_MEMBERSHIP_ENTRY_SIZE),
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

  /** @internal False for an author no add entry gave a key yet (its events may wait for it). */
  knowsSigner(author: NodeId): boolean {
    return this.signingKeys.has(author);
  }

  /**
   * @internal Entries: parse, role checks and bounds. Any other durable event: refused when
   * its author's removal is in its causal past, or its author is an observer there.
   */
  judge(envelope: DurableEnvelope, context: CausalContext): RejectionReason | undefined {
    const author = envelope.author;
    if (envelope.target !== this.atom) {
      if (!this.watched.has(author)) return undefined;
      const s = this.status(author, context);
      return s.removed || s.role === MemberRole.Observer ? RejectionReason.Unauthorized : undefined;
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
    if (entry.op === 'add' && !this.keysAccepted(entry)) return RejectionReason.MalformedPayload;
    const role = this.status(author, context).role;
    const verdict =
      this.authorise(author, role, entry, context) ?? this.bound(author, role, context);
    if (verdict !== undefined) return verdict;
    this.judged = { author, seq: envelope.seq, entry, cut: this.cutNow(author, context) };
    return undefined;
  }

  /** @internal An entry was applied. */
  applied(envelope: DurableEnvelope): void {
    const j = this.judged;
    this.judged = undefined;
    const matched = j !== undefined && j.author === envelope.author && j.seq === envelope.seq;
    const entry = matched
      ? j.entry
      : decodeMembershipEntry((envelope.mutation as { data: Uint8Array }).data, this.maxAddresses);
    const id = { author: envelope.author, seq: envelope.seq };
    const record = { id, time: envelope.time, entry, cut: matched && j.cut } as EntryRecord & {
      alone: Status;
    };
    record.alone =
      entry.op === 'remove'
        ? REMOVED
        : { role: entry.role, removed: false, add: entry.op === 'add' ? record : undefined };
    this.entryCount++;
    let about = this.byMember.get(entry.member);
    if (about === undefined) {
      about = { bySigner: new Map(), addsBySigner: new Map(), now: NOT_MEMBER, epoch: -1 };
      this.byMember.set(entry.member, about);
    }
    push(about.bySigner, id.author, record);
    push(this.bySigner, id.author, record);
    if (entry.op === 'remove') {
      push(this.removalsOf, entry.member, record);
      push(this.removalsBy, id.author, record);
      this.watched.add(entry.member);
      // its causal relations are recorded once the field has processed it: marked lazily
      this.cutsStale = true;
    } else {
      if (!matched) this.cutsStale = true;
      if (entry.role === MemberRole.Observer) this.watched.add(entry.member);
    }
    if (entry.op === 'add') {
      push(about.addsBySigner, id.author, record);
      const keys = this.signingKeys.get(entry.member);
      if (keys === undefined) this.signingKeys.set(entry.member, [entry.signingPublicKey]);
      else if (!keys.some((k) => sameBytes(k, entry.signingPublicKey))) {
        keys.push(entry.signingPublicKey);
      }
    }
    this.epoch++;
  }

  private keysAccepted(entry: AddEntry): boolean {
    try {
      return this.checkKeys(entry.member, entry) === true;
    } catch {
      return false;
    }
  }

  /** The role rules (see {@link MemberRole}), judged in the entry's causal past. */
  private authorise(
    signer: NodeId,
    signerRole: MemberRole | undefined,
    entry: MembershipEntry,
    context: CausalContext,
  ): RejectionReason | undefined {
    const target = entry.member;
    if (target === this.founder || signerRole === undefined) return RejectionReason.Unauthorized;
    if (entry.op === 'remove' && signer === target) return undefined; // leaving
    if (signerRole === MemberRole.Observer) return RejectionReason.Unauthorized;
    const t = this.status(target, context);
    if (entry.op !== 'add' && t.role === undefined) return RejectionReason.Unauthorized;
    if (entry.op === 'add' && t.role !== undefined && !this.sameKeys(target, t, entry)) {
      return RejectionReason.Unauthorized; // no re-keying a member in the session
    }
    if (signerRole === MemberRole.Owner) return undefined;
    if (signerRole !== MemberRole.Admin) return RejectionReason.Unauthorized;
    // An admin manages members and observers, and gives at most Member.
    if (t.role !== undefined && t.role > MemberRole.Member) return RejectionReason.Unauthorized;
    if (entry.op !== 'remove' && entry.role > MemberRole.Member) {
      return RejectionReason.Unauthorized;
    }
    return undefined;
  }

  private sameKeys(node: NodeId, s: Status, keys: MemberKeys): boolean {
    const now = node === this.founder ? this.founderMember : (s.add?.entry as AddEntry | undefined);
    return (
      now !== undefined &&
      sameBytes(now.signingPublicKey, keys.signingPublicKey) &&
      sameBytes(now.agreementPublicKey, keys.agreementPublicKey)
    );
  }

  /** The bounds, judged in the entry's causal past (see the class doc). */
  private bound(
    signer: NodeId,
    role: MemberRole | undefined,
    context: CausalContext,
  ): RejectionReason | undefined {
    const owner = role === MemberRole.Owner;
    if (!owner && (this.bySigner.get(signer)?.length ?? 0) >= this.maxEntriesPerSigner) {
      return RejectionReason.TooManyAuthorityChanges;
    }
    let inPast = 0;
    for (const list of this.bySigner.values()) inPast += pastPrefix(list, context);
    if (inPast >= (owner ? this.maxEntries : this.maxEntries - this.ownerReserve)) {
      return RejectionReason.TooManyAuthorityChanges;
    }
    // The last resort (entries written concurrently): order-dependent, see the class doc.
    if (this.entryCount >= this.watchBudget) return RejectionReason.TooManyAuthorityChanges;
    return undefined;
  }

  /** Whether an entry of `signer` with this causal past is cut now (see {@link markCuts}). */
  private cutNow(signer: NodeId, context: CausalContext): boolean {
    const removals = this.removalsOf.get(signer);
    if (removals === undefined) return false;
    this.settleCuts();
    return removals.some((r) => !r.cut && !context.contains(r.id));
  }

  /** Marks the cuts again after a removal (its causal relations are known by now). */
  private settleCuts(): void {
    if (!this.cutsStale) return;
    this.cutsStale = false;
    markCuts(
      { bySigner: this.bySigner, removalsOf: this.removalsOf, removalsBy: this.removalsBy },
      (a, b) => !this.past(b.author, b.seq, a) && !this.past(a.author, a.seq, b),
    );
    this.epoch++;
  }

  // ---- status --------------------------------------------------------------------------

  /**
   * `node`'s status given the entries `context` contains, or now (cut entries left out,
   * cached per member) when undefined. Allocation-free for the usual node whose latest entry
   * is its add (the hot path: every write to an atom open to members asks).
   */
  private status(node: NodeId, context: CausalContext | undefined): Status {
    if (node === this.founder) return FOUNDER;
    const about = this.byMember.get(node);
    if (about === undefined) return NOT_MEMBER;
    if (context !== undefined) return this.statusOf(about, context);
    this.settleCuts();
    if (about.epoch !== this.epoch) {
      about.now = this.statusOf(about, undefined);
      about.epoch = this.epoch;
    }
    return about.now;
  }

  private statusOf(about: MemberEntries, context: CausalContext | undefined): Status {
    const latest = this.latest(about.bySigner, context, LATEST);
    if (latest.length === 0) return NOT_MEMBER;
    const first = latest[0] as EntryRecord;
    if (latest.length === 1 && first.entry.op !== 'role') return first.alone;
    let role: MemberRole | undefined;
    for (const r of latest) {
      const e = r.entry;
      if (e.op === 'remove') return REMOVED;
      if (role === undefined || e.role < role) role = e.role;
    }
    let add: EntryRecord | undefined;
    for (const r of this.latest(about.addsBySigner, context, LATEST_ADDS)) {
      if (add === undefined || later(r, add)) add = r;
    }
    return { role, removed: false, add };
  }

  /**
   * Into `out`: the latest entries of `bySigner` in `context` (or now, cut ones left out):
   * each signer's last in the past, then those no other of them has in its causal past.
   */
  private latest(
    bySigner: ReadonlyMap<NodeId, readonly EntryRecord[]>,
    context: CausalContext | undefined,
    out: EntryRecord[],
  ): EntryRecord[] {
    out.length = 0;
    for (const list of bySigner.values()) {
      let n = context === undefined ? list.length : pastPrefix(list, context);
      if (context === undefined) while (n > 0 && (list[n - 1] as EntryRecord).cut) n--;
      if (n > 0) out.push(list[n - 1] as EntryRecord);
    }
    if (out.length < 2) return out;
    // Keep those no other has in its past (an overwritten slot still holds one of them).
    let kept = 0;
    for (let i = 0; i < out.length; i++) {
      const r = out[i] as EntryRecord;
      if (!out.some((o) => o !== r && this.past(o.id.author, o.id.seq, r.id))) out[kept++] = r;
    }
    out.length = kept;
    return out;
  }

  private pointContext(point: EventId): CausalContext {
    return { contains: (id) => this.past(point.author, point.seq, id) };
  }

  // ---- queries -------------------------------------------------------------------------

  /**
   * True when `node` may write as a member (role Member, Admin or Owner) now, when `context`
   * is undefined. With a context (the field's check of a durable event, its causal past)
   * observers count too: the log's `judge` then refuses everything of theirs but leaving.
   */
  isMember(node: NodeId, context?: CausalContext): boolean {
    const role = this.status(node, context).role;
    return context === undefined ? roleCanWrite(role) : role !== undefined;
  }

  /** True when `node` may write (Member and up) in the causal past of processed event `point`. */
  isMemberAt(node: NodeId, point: EventId): boolean {
    return roleCanWrite(this.status(node, this.pointContext(point)).role);
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
    this.settleCuts();
    if (this.current !== undefined && this.currentEpoch === this.epoch) return this.current;
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
    out.sort((a, b) => compareAscending(a.id, b.id));
    this.currentEpoch = this.epoch;
    return (this.current = out);
  }

  /** The member `node` now, if in the session. */
  member(node: NodeId): Member | undefined {
    return this.members().find((m) => m.id === node);
  }

  /** Number of entries applied. */
  get size(): number {
    return this.entryCount;
  }

  /**
   * The entry `node`'s next durable event should depend on so that every replica sees it as
   * a member: one of the latest entries about it, when its own chain up to `latestSeq` does
   * not make it a member yet (undefined otherwise, or when it is not a member now).
   */
  dependencyFor(node: NodeId, latestSeq: number): EventId | undefined {
    const about = this.byMember.get(node);
    if (node === this.founder || about === undefined || !this.isMember(node)) return undefined;
    if (latestSeq > 0 && this.isMemberAt(node, { author: node, seq: latestSeq })) return undefined;
    let best: EntryRecord | undefined;
    for (const r of this.latest(about.bySigner, undefined, LATEST)) {
      if (best === undefined || later(r, best)) best = r;
    }
    return best === undefined ? undefined : { author: best.id.author, seq: best.id.seq };
  }

  /**
   * An {@link EventVerifier} over the members' Ed25519 keys: `verify(publicKey, message,
   * signature)` is the crypto provider's check (state never imports crypto). Every key ever
   * added for an author counts, so a removed member's earlier events still verify when repair
   * delivers them late (a member in the session is never re-keyed, and `checkKeys` binds keys
   * to ids); an author with no key fails, and the field lets such an event wait for the entry
   * that adds it when it names a dependency it lacks ({@link knowsSigner}).
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
