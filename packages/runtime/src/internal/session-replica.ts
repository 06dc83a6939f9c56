import {
  type DurableEnvelope,
  ElaraError,
  type Endpoint,
  type EventEnvelope,
  EventKind,
  type NodeId,
  type SessionId,
  decodeEnvelope,
} from '@elara/core';
import {
  type CryptoProvider,
  type Identity,
  type PublicIdentity,
  deriveNodeId,
  eventSigner,
} from '@elara/crypto';
import {
  AckTable,
  Diffusion,
  EventStore,
  type EventStoreLimits,
  type FieldLimits,
  LocalEvents,
  LocalLog,
  type Member,
  MemberRole,
  MembershipLog,
  type SignatureCheck,
  StateField,
  decodeMembershipEntry,
  membershipEventType,
  membershipMutation,
  signatureCheck,
} from '@elara/state';
import {
  type StreamOptionsInput,
  Streams,
  streamAtomResolver,
  streamOptions,
} from '@elara/streams';
import type { TimeEngine } from '@elara/time';
import { VerifyingKeys } from './verifying-keys.ts';

/** What one session's replica is built from. */
export interface ReplicaConfig {
  readonly session: SessionId;
  readonly identity: Identity;
  readonly provider: CryptoProvider;
  readonly time: TimeEngine;
  /** The session's founder (its creator): an owner from the start on every replica. */
  readonly founder: PublicIdentity;
  readonly streams: StreamOptionsInput;
  readonly field: Partial<FieldLimits>;
  readonly store: Partial<EventStoreLimits>;
  /** Bound of the local log (events waiting for every member's acknowledgement). */
  readonly localLogEvents: number;
  readonly localLogBytes: number;
}

/**
 * One session's replicated state on this node, composed from `@elara/state` and
 * `@elara/streams`: the state field, the membership log (founder = the session's creator), the
 * event store for repair with its acknowledgement table, the bounded local log, diffusion, and
 * the streams registry whose writes go through the local log.
 */
export class SessionReplica {
  readonly field: StateField;
  readonly membership: MembershipLog;
  readonly store: EventStore;
  readonly acks: AckTable;
  readonly localLog: LocalLog;
  readonly streams: Streams;
  private readonly local: LocalEvents;
  private readonly diffusion: Diffusion;
  private readonly self: NodeId;
  private readonly checkSignature: SignatureCheck;

  constructor(config: ReplicaConfig) {
    const { identity, provider } = config;
    this.self = identity.nodeId;
    const keys = new VerifyingKeys(provider);
    this.membership = new MembershipLog({
      founder: {
        id: config.founder.nodeId,
        signingPublicKey: config.founder.signingPublicKey,
        agreementPublicKey: config.founder.agreementPublicKey,
      },
      checkKeys: (member, k) => {
        try {
          return deriveNodeId(provider, k.signingPublicKey) === member;
        } catch {
          return false;
        }
      },
    });
    this.acks = new AckTable();
    this.store = new EventStore({ acks: this.acks, limits: config.store });
    this.localLog = new LocalLog({
      self: this.self,
      acks: this.acks,
      limits: { maxEvents: config.localLogEvents, maxBytes: config.localLogBytes },
    });
    const options = streamOptions(config.streams);
    const verifier = this.membership.verifier(keys.verify);
    this.checkSignature = signatureCheck(config.session, verifier);
    this.field = new StateField({
      session: config.session,
      self: this.self,
      time: config.time,
      verifier,
      resolve: streamAtomResolver(options),
      membership: this.membership,
      observers: [this.membership, this.store],
      limits: config.field,
    });
    this.field.define(this.membership.atom, this.membership.atomSpec());
    const signer = eventSigner(identity);
    this.local = new LocalEvents({
      field: this.field,
      signer,
      now: () => config.time.stampEvent(),
      log: this.localLog,
      membership: this.membership,
    });
    this.streams = new Streams({
      field: this.field,
      time: config.time,
      local: this.local,
      options,
    });
    this.diffusion = new Diffusion({ self: this.self, members: () => this.memberIds() });
    this.syncAcknowledgers();
  }

  /** The members now (observers included), the founder first among equals by id. */
  members(): readonly Member[] {
    return this.membership.members();
  }

  /** True when `node` is in the session now (any role). */
  inSession(node: NodeId): boolean {
    return this.membership.inSession(node);
  }

  /** Who `event` goes to (state's diffusion rules). */
  recipients(event: EventEnvelope): NodeId[] {
    return this.diffusion.recipients(event);
  }

  /**
   * Signs `peer` into the membership log as a member reachable at `addresses` (this node must
   * be allowed to add: the founder, or an admin). Returns the entry's event to send, or
   * undefined when `peer` is already in the session. Throws state's `LocalLogFullError` or
   * `LocalEventRejectedError` with nothing changed.
   */
  admit(peer: PublicIdentity, addresses: readonly Endpoint[]): DurableEnvelope | undefined {
    if (this.membership.inSession(peer.nodeId)) return undefined;
    const entry = {
      op: 'add' as const,
      member: peer.nodeId,
      role: MemberRole.Member,
      signingPublicKey: peer.signingPublicKey,
      agreementPublicKey: peer.agreementPublicKey,
      addresses,
    };
    return this.local.durable({
      target: this.membership.atom,
      eventType: membershipEventType(entry),
      mutation: membershipMutation(entry),
    }).envelope;
  }

  /**
   * Signs this node's own removal (leaving the session for good). Undefined for the founder,
   * who cannot be removed, and for a node not in the session.
   */
  removeSelf(): DurableEnvelope | undefined {
    if (this.self === this.membership.founder || !this.membership.inSession(this.self)) {
      return undefined;
    }
    const entry = { op: 'remove' as const, member: this.self };
    return this.local.durable({
      target: this.membership.atom,
      eventType: membershipEventType(entry),
      mutation: membershipMutation(entry),
    }).envelope;
  }

  /**
   * Signs `member`'s removal from the membership log (this node must be allowed to remove it:
   * an owner, or an admin removing a member or observer). Undefined when it is not in the
   * session. Throws state's `LocalLogFullError` or `LocalEventRejectedError` (not allowed, or
   * the founder) with nothing changed.
   */
  remove(member: NodeId): DurableEnvelope | undefined {
    if (!this.membership.inSession(member)) return undefined;
    const entry = { op: 'remove' as const, member };
    return this.local.durable({
      target: this.membership.atom,
      eventType: membershipEventType(entry),
      mutation: membershipMutation(entry),
    }).envelope;
  }

  /**
   * The signer of `raw` (an encoded event the field could not apply yet) when it removes this
   * node and may be trusted before its causal past arrives: a membership removal of this node,
   * its signature good, signed by a member who, in the log this node holds now, may remove it
   * (an owner; an admin when this node is a member or observer), and stamped after the entry
   * that added this node (so a removal of an earlier stay, replayed by a rejoin, is not one).
   * Undefined otherwise (then it waits for its past like any event).
   */
  removalOfSelf(raw: Uint8Array): NodeId | undefined {
    const self = this.membership.member(this.self);
    if (self === undefined || self.addedBy === undefined) return undefined;
    const removal = decodedDurable(raw);
    if (removal === undefined || removal.target !== this.membership.atom) return undefined;
    const m = removal.mutation;
    if (m.type !== 'append') return undefined;
    let entry;
    try {
      entry = decodeMembershipEntry(m.data);
    } catch (e) {
      if (!ElaraError.isInstance(e)) throw e;
      return undefined;
    }
    if (entry.op !== 'remove' || entry.member !== this.self) return undefined;
    if (removal.eventType !== membershipEventType(entry) || removal.author === this.self) {
      return undefined;
    }
    const signer = this.membership.role(removal.author);
    const authorised =
      signer === MemberRole.Owner ||
      (signer === MemberRole.Admin && self.role <= MemberRole.Member);
    if (!authorised) return undefined;
    const addedBy = self.addedBy;
    const addBytes = this.store.get(addedBy.author, addedBy.seq);
    const add = addBytes === undefined ? undefined : decodedDurable(addBytes);
    const after =
      removal.author === addedBy.author
        ? removal.seq > addedBy.seq
        : add !== undefined && removal.time > add.time;
    if (!after) return undefined;
    return this.checkSignature(removal, raw) === undefined ? removal.author : undefined;
  }

  /** Keeps the acknowledgement table's members (everyone but this node) current. */
  syncAcknowledgers(): void {
    this.acks.setMembers(this.memberIds().filter((m) => m !== this.self));
  }

  /** Stops the streams (their observables complete). */
  close(): void {
    this.streams.close();
  }

  private memberIds(): NodeId[] {
    return this.membership.members().map((m) => m.id);
  }
}

/** `raw` decoded when it is a durable event; undefined otherwise. */
function decodedDurable(raw: Uint8Array): DurableEnvelope | undefined {
  try {
    const e = decodeEnvelope(raw);
    return e.kind === EventKind.Durable ? e : undefined;
  } catch (e) {
    if (!ElaraError.isInstance(e)) throw e;
    return undefined;
  }
}
