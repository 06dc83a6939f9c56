import {
  ClosedError,
  type ControlMessage,
  type Datagram,
  type DurableEnvelope,
  type Endpoint,
  type EventEnvelope,
  type FixedHeader,
  type NodeId,
  PacketClass,
  PayloadKind,
  Reassembler,
  type RepairRequestMessage,
  RepresentationProfile,
  type SessionId,
  decodeControlMessage,
  decodeEnvelope,
  decodeFragment,
  encodeControlMessage,
  payloadKind,
  splitEventBatch,
} from '@elara/core';
import { type HandshakeResult, type PublicIdentity, SecureChannel } from '@elara/crypto';
import { type Outcome, digestFromRepairRequest, digestToRepairRequest } from '@elara/state';
import { StreamKind } from '@elara/streams';
import { TimeEngine, exchangeDelayUs, type PathConditions } from '@elara/time';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import { Rejection } from '../node-counters.ts';
import type { Participant } from '../participant.ts';
import { PeerLink } from '../peer-link.ts';
import { EventOutbox } from './event-outbox.ts';
import type { SessionHost } from './session-host.ts';
import { SessionReplica } from './session-replica.ts';

/** How this node came to hold the session. */
export type SessionRole = 'creator' | 'joiner';

/** Bytes of a repair response before its events: kind, type, request id, flags. */
const REPAIR_RESPONSE_HEADER = 7;

function copyConditions(c: PathConditions | undefined): PathConditions | undefined {
  return c === undefined
    ? undefined
    : {
        rttUs: c.rttUs,
        jitterUs: c.jitterUs,
        lossRate: c.lossRate,
        reorderDepth: c.reorderDepth,
        intervalUs: c.intervalUs,
      };
}

/**
 * The machinery of one session on one node: one {@link PeerLink} per member with a channel, the
 * replicated state ({@link SessionReplica}: field, membership log, event store, local log,
 * streams), the time engine, fragment reassembly, the outbox, the per-datagram path after the
 * channel lookup and the session's part of the tick. The public `Session` is a facade over it;
 * the node routes datagrams and handshake results here.
 *
 * Propagation: every local event (a stream's write, a membership entry) is applied locally
 * first, then queued for each of its recipients (state's diffusion) and flushed at the end of
 * the current turn, several envelopes packed per frame (core's `packEventBatches`), fragmented
 * when larger than a frame, sealed per channel and class. Repair: every heartbeat interval each
 * peer gets this node's digest (a repair request); it answers with what the digest lacks, a
 * bounded page at a time, and records the digest as acknowledgements (the local log drains).
 */
export class SessionCore {
  readonly time: TimeEngine;
  readonly replica: SessionReplica;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly reassembler: Reassembler;
  private readonly outbox: EventOutbox;
  private readonly participantsSubject: BehaviorSubject<ReadonlyMap<NodeId, Participant>>;
  private readonly subscriptions: Subscription[] = [];
  private readonly offs: (() => void)[] = [];
  private readonly admittedWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private dirty = false;
  /** A peer was heard since the last emission (its `lastSeen` moved). */
  private heardSince = false;
  private lastPublishAt: number;
  private repairIds = 0;
  /** When joined presence streams next repeat this node's presence (a third of the timeout). */
  private nextPresenceAt = 0;
  private ended = false;

  constructor(
    private readonly host: SessionHost,
    readonly sessionId: SessionId,
    readonly role: SessionRole,
    founder: PublicIdentity,
  ) {
    const config = host.config;
    this.time = new TimeEngine({
      clock: host.scheduler,
      members: (p) => this.replica.inSession(p),
    });
    this.replica = new SessionReplica({
      session: sessionId,
      identity: host.identity,
      provider: host.provider,
      time: this.time,
      founder,
      streams: config.streams,
      field: config.limits.field,
      store: config.limits.store,
      localLogEvents: config.eventBufferSize,
      localLogBytes: config.limits.localLogBytes,
    });
    this.reassembler = new Reassembler(config.limits.reassembly);
    this.outbox = new EventOutbox(host, this.links, config.eventBufferSize);
    const field = this.replica.field;
    this.offs.push(
      field.onChange((c) => {
        if (c.atom === this.replica.membership.atom) this.membershipChanged();
      }),
      // Something could not be applied in time: ask every peer for what we lack at the next tick.
      field.onEviction(() => this.repairSoon()),
    );
    this.subscriptions.push(
      this.replica.streams.outgoing$.subscribe({ next: (e) => this.propagate(e.envelope) }),
    );
    this.participantsSubject = new BehaviorSubject(this.buildParticipants());
    this.lastPublishAt = host.scheduler.now();
  }

  /** True once the session has ended on this node. */
  get closed(): boolean {
    return this.ended;
  }

  /** Pairwise channels open now. */
  get peerCount(): number {
    return this.links.size;
  }

  /** Fragments held for reassembly now. */
  get reassembly(): { readonly messages: number; readonly bytes: number } {
    return { messages: this.reassembler.openMessages, bytes: this.reassembler.bufferedBytes };
  }

  /** Events waiting in the field's quarantine now. */
  get quarantine(): { readonly events: number; readonly bytes: number } {
    const q = this.replica.field.quarantineStats();
    return { events: q.events, bytes: q.bytes };
  }

  get participants(): ReadonlyMap<NodeId, Participant> {
    return this.participantsSubject.value;
  }

  get participants$(): Observable<ReadonlyMap<NodeId, Participant>> {
    return this.participantsSubject.asObservable();
  }

  /** Whether a channel with `node` is open. */
  hasLink(node: NodeId): boolean {
    return this.links.has(node);
  }

  /** Whether `node` belongs to the session (the handshake responder's `authorize`). */
  isMember(node: NodeId): boolean {
    return this.replica.inSession(node);
  }

  /** Resolves once this node is in the session's membership log (a joiner, once signed in). */
  admitted(): Promise<void> {
    if (this.replica.inSession(this.host.identity.nodeId)) return Promise.resolve();
    if (this.ended) return Promise.reject(new ClosedError('session: ended'));
    return new Promise((resolve, reject) => this.admittedWaiters.push({ resolve, reject }));
  }

  /**
   * Signs an invited joiner into the membership log (this node is the inviter) and sends the
   * entry once its channel is attached. False when the log refuses it (it is full, or this
   * node may not add).
   */
  admit(peer: PublicIdentity, remote: Endpoint): boolean {
    try {
      const entry = this.replica.admit(peer, [remote]);
      if (entry !== undefined) this.propagate(entry);
      return true;
    } catch (e) {
      this.host.counters.reject((e as { code?: string }).code ?? Rejection.UnexpectedError);
      return false;
    }
  }

  /**
   * Attaches the channel of a completed handshake with a member reached at `remote`, replacing
   * an older one with the same peer (the newest handshake wins). False, with the channel keys
   * erased, when `peer` is not a member or `maxPeers` channels are open.
   */
  attach(result: HandshakeResult, remote: Endpoint, now: number): boolean {
    const peer = result.peer.nodeId;
    try {
      if (this.ended || !this.replica.inSession(peer)) {
        this.host.counters.reject(Rejection.SessionGone);
        return false;
      }
      const old = this.links.get(peer);
      if (old === undefined && !this.host.canAddPeer()) {
        this.host.counters.reject(Rejection.PeerLimit);
        return false;
      }
      const channel = new SecureChannel(this.host.provider, result);
      old?.close();
      const link = new PeerLink(channel, result.peer, remote, now);
      this.links.set(peer, link);
      // Ask for what we lack at once (a joiner: the whole history, its admission included).
      this.sendDigest(link, now);
      this.outbox.schedule();
      this.changed();
      return true;
    } finally {
      result.sendKey.fill(0);
      result.receiveKey.fill(0);
    }
  }

  /**
   * One sealed datagram of this session from `header.nodeId`: opened by that peer's channel
   * (crypto's named errors propagate to the node, which counts them), then dispatched by payload
   * kind. Nothing from a datagram that does not open is used.
   */
  receive(datagram: Datagram, header: FixedHeader): void {
    const link = this.links.get(header.nodeId);
    if (link === undefined) {
      this.host.counters.reject(Rejection.UnknownPeer);
      return;
    }
    const opened = link.channel.open(datagram.data);
    const now = datagram.receivedAt;
    if (link.heard(datagram.from, now)) this.changed();
    this.heardSince = true;
    this.time.network.onPacket(
      link.nodeId,
      opened.header.seq,
      opened.header.timeHint * 100,
      now,
      opened.header.packetClass,
    );
    this.dispatch(link, opened.plaintext, now, true);
  }

  /**
   * The session's share of the tick: expiry in the field (TTLs, held events, quarantine age),
   * heartbeats, probes and digests to each peer when due, peers gone silent, reassembly
   * timeouts, τp and horizons, and one `participants$` emission if anything changed.
   */
  tick(now: number): void {
    if (this.ended) return;
    const config = this.host.config;
    this.replica.field.expire();
    if (now >= this.nextPresenceAt) {
      this.nextPresenceAt = now + this.replica.streams.options.presence.timeoutUs / 3;
      this.refreshPresence();
    }
    this.reassembler.expire(now);
    this.time.tick();
    for (const link of this.links.values()) {
      if (!link.stale && now - link.lastSeen > config.peerTimeoutUs) {
        link.stale = true;
        this.dirty = true;
      }
      if (now >= link.nextHeartbeatAt) {
        link.nextHeartbeatAt = now + config.heartbeatIntervalUs;
        link.heartbeats = (link.heartbeats + 1) >>> 0;
        this.sendControl(
          link,
          {
            type: 'heartbeat',
            counter: link.heartbeats,
            time: this.time.now(),
            lastSeq: this.replica.field.processedOf(this.host.identity.nodeId),
          },
          now,
        );
        this.sendControl(
          link,
          { type: 'time-sync-request', id: link.startProbe(now), t1: now },
          now,
        );
        this.sendDigest(link, now);
      } else if (link.digestDue) {
        this.sendDigest(link, now);
      }
    }
    if (this.dirty || (this.heardSince && now - this.lastPublishAt >= config.heartbeatIntervalUs)) {
      this.publish();
    }
  }

  /**
   * Leaves: presence `leave` if this node had joined presence, and with `forGood` this node's
   * removal from the membership log (not for the founder), both sent at once; then {@link close}.
   */
  leave(forGood: boolean): void {
    if (this.ended) return;
    try {
      for (const s of this.replica.streams.list()) {
        if (s.kind === StreamKind.Presence) {
          const presence = this.replica.streams.presence(s.key);
          if (presence.joined) presence.leave();
        }
      }
      if (forGood) {
        const removal = this.replica.removeSelf();
        if (removal !== undefined) this.propagate(removal);
      }
      this.outbox.flush();
    } catch (e) {
      // A full local log refuses the removal: the session still ends here.
      this.host.report(e);
    }
    this.close();
  }

  /** Ends the session on this node: erases every channel's keys, completes the observables. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    for (const off of this.offs.splice(0)) off();
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.replica.close();
    this.outbox.close();
    for (const link of this.links.values()) link.close();
    this.links.clear();
    this.reassembler.clear();
    this.host.detach(this.sessionId);
    this.participantsSubject.complete();
    for (const w of this.admittedWaiters.splice(0)) w.reject(new ClosedError('session: ended'));
  }

  /** A signed invite to this session, valid for `lifetimeUs` (default: the node's). */
  invite(lifetimeUs: number | undefined, addresses: readonly Endpoint[] | undefined): string {
    if (this.ended) throw new ClosedError('session: ended');
    const expiresAt = this.host.scheduler.now() + (lifetimeUs ?? this.host.config.inviteLifetimeUs);
    return this.host.issueInvite(this.sessionId, expiresAt, addresses);
  }

  /** Repeats this node's presence in every presence stream it joined, so it does not time out. */
  private refreshPresence(): void {
    const streams = this.replica.streams;
    for (const s of streams.list()) {
      if (s.kind === StreamKind.Presence) streams.presence(s.key).heartbeat();
    }
  }

  // Outgoing -----------------------------------------------------------------------------------

  /**
   * A local event, already applied here: queue it for its recipients. Called from an RxJS
   * subscription, so nothing may escape it (RxJS would rethrow it on a timer).
   */
  private propagate(event: EventEnvelope): void {
    try {
      for (const peer of this.replica.recipients(event)) this.outbox.push(peer, event);
    } catch (e) {
      this.host.report(e);
    }
  }

  private sendDigest(link: PeerLink, now: number): void {
    link.digestDue = false;
    this.repairIds = (this.repairIds + 1) >>> 0;
    this.sendControl(
      link,
      digestToRepairRequest(this.repairIds, this.replica.store.digest()),
      now,
      PacketClass.Repair,
    );
  }

  private repairSoon(): void {
    for (const link of this.links.values()) link.digestDue = true;
  }

  private sendControl(
    link: PeerLink,
    message: ControlMessage,
    now: number,
    packetClass: PacketClass = PacketClass.Core,
  ): void {
    this.host.sender.send(
      link,
      encodeControlMessage(message),
      packetClass,
      RepresentationProfile.Textual,
      now,
    );
  }

  // Incoming -----------------------------------------------------------------------------------

  private dispatch(link: PeerLink, payload: Uint8Array, now: number, outer: boolean): void {
    switch (payloadKind(payload)) {
      case PayloadKind.Events:
        for (const raw of splitEventBatch(payload)) {
          this.count(this.replica.field.receiveBytes(raw, { from: link.nodeId }));
        }
        return;
      case PayloadKind.Control:
        this.control(link, decodeControlMessage(payload), now);
        return;
      case PayloadKind.Fragment: {
        if (!outer) {
          this.host.counters.reject(Rejection.BadReassembly);
          return;
        }
        const result = this.reassembler.add(link.nodeId, decodeFragment(payload), now);
        if (result.status === 'complete') this.dispatch(link, result.payload, now, false);
        else if (result.status === 'rejected') {
          this.host.counters.reject(`${Rejection.ReassemblyRejected}:${result.reason}`);
        } else if (result.status === 'duplicate' && result.conflicting) {
          this.host.counters.reject(Rejection.ConflictingFragment);
        }
        return;
      }
    }
  }

  private control(link: PeerLink, message: ControlMessage, now: number): void {
    switch (message.type) {
      case 'heartbeat':
        link.peerLastSeq = Math.max(link.peerLastSeq, message.lastSeq);
        // Its latest event has not reached us (a lost last message): ask at the next tick.
        if (message.lastSeq > this.replica.field.processedOf(link.nodeId)) link.digestDue = true;
        return;
      case 'time-sync-request': {
        const t2 = this.time.now();
        this.sendControl(
          link,
          { type: 'time-sync-response', id: message.id, t1: message.t1, t2, t3: this.time.now() },
          now,
        );
        return;
      }
      case 'time-sync-response':
        if (!link.matchProbe(message.id, message.t1)) {
          this.host.counters.reject(Rejection.Unsolicited);
          return;
        }
        this.time.onRtt(link.nodeId, exchangeDelayUs(message.t1, message.t2, message.t3, now));
        this.dirty = true;
        return;
      case 'repair-request':
        this.answerRepair(link, message, now);
        return;
      case 'repair-response':
        for (const e of message.events)
          this.count(this.replica.field.receive(e, { from: link.nodeId }));
        return;
      case 'handshake':
        this.host.counters.reject(Rejection.MisplacedControl);
        return;
      case 'ack':
        // Digests carry acknowledgements; explicit acks are runtime part 2's.
        this.host.counters.reject(Rejection.Unsolicited);
        return;
    }
  }

  /**
   * A peer's digest: record what it holds (acknowledgements: the local log drains, the store
   * evicts what everyone holds first), and send it one page of what it lacks, in repair
   * responses that each fit one frame. The next page goes with its next digest, so the work per
   * request is bounded and paced by the peer.
   */
  private answerRepair(link: PeerLink, request: RepairRequestMessage, now: number): void {
    const digest = digestFromRepairRequest(request);
    const { acks, store } = this.replica;
    acks.recordDigest(link.nodeId, digest);
    const page = store.missing(digest, {
      maxEvents: this.host.config.limits.repairEvents,
      maxBytes: 64 * 1024,
    });
    const budget = this.host.sender.payloadBudget;
    let batch: DurableEnvelope[] = [];
    let size = REPAIR_RESPONSE_HEADER;
    const send = (final: boolean): void => {
      this.sendControl(
        link,
        { type: 'repair-response', requestId: request.requestId, final, events: batch },
        now,
        PacketClass.Repair,
      );
      batch = [];
      size = REPAIR_RESPONSE_HEADER;
    };
    for (const bytes of page.events) {
      if (batch.length > 0 && size + 2 + bytes.length > budget) send(false);
      batch.push(decodeEnvelope(bytes) as DurableEnvelope);
      size += 2 + bytes.length;
    }
    if (batch.length > 0) send(page.next === undefined);
  }

  private count(outcome: Outcome): void {
    if (outcome.status === 'rejected') this.host.counters.reject(`Event:${outcome.reason}`);
  }

  // Membership and participants ----------------------------------------------------------------

  /** The log changed: admit waiting joins, drop channels of removed members, tell observers. */
  private membershipChanged(): void {
    this.replica.syncAcknowledgers();
    const self = this.host.identity.nodeId;
    if (this.admittedWaiters.length > 0 && this.replica.inSession(self)) {
      for (const w of this.admittedWaiters.splice(0)) w.resolve();
    }
    for (const [peer, link] of this.links) {
      if (!this.replica.inSession(peer)) {
        // Removal closes its channel: nothing it holds opens later frames.
        link.close();
        this.links.delete(peer);
        this.outbox.forget(peer);
      }
    }
    this.changed();
  }

  private changed(): void {
    this.dirty = true;
    this.publish();
  }

  private publish(): void {
    this.dirty = false;
    this.heardSince = false;
    this.lastPublishAt = this.host.scheduler.now();
    if (!this.ended) this.participantsSubject.next(this.buildParticipants());
  }

  private buildParticipants(): ReadonlyMap<NodeId, Participant> {
    const self = this.host.identity.nodeId;
    const all = new Map<NodeId, Participant>();
    for (const m of this.replica.members()) {
      const link = this.links.get(m.id);
      all.set(m.id, {
        nodeId: m.id,
        identity: {
          nodeId: m.id,
          signingPublicKey: m.signingPublicKey,
          agreementPublicKey: m.agreementPublicKey,
        },
        role: m.role,
        self: m.id === self,
        path: link === undefined ? undefined : { kind: 'direct', remote: link.remote },
        lastSeen: link?.lastSeen,
        connected: m.id === self || (link !== undefined && !link.stale),
        network: m.id === self ? undefined : copyConditions(this.time.network.conditions(m.id)),
      });
    }
    return all;
  }
}
