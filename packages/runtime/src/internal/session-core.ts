import {
  ClosedError,
  type ControlMessage,
  type Datagram,
  type Endpoint,
  type EventEnvelope,
  type EventId,
  type FixedHeader,
  type NodeId,
  PacketClass,
  PayloadKind,
  Reassembler,
  RepresentationProfile,
  type SessionId,
  decodeControlMessage,
  decodeEnvelope,
  decodeFragment,
  encodeControlMessage,
  endpointEquals,
  payloadKind,
  splitEventBatch,
} from '@elara/core';
import {
  ChannelMismatchError,
  type HandshakeResult,
  InviteReusedError,
  type PublicIdentity,
  SecureChannel,
} from '@elara/crypto';
import type { Transport } from '@elara/net';
import { type AtomChange, MemberRole, type Outcome, memberRoleName } from '@elara/state';
import { StreamKind } from '@elara/streams';
import { ClockSync, type PathConditions, TimeEngine } from '@elara/time';
import { BehaviorSubject, type Observable, ReplaySubject, type Subscription } from 'rxjs';
import { Rejection } from '../node-counters.ts';
import { CannotInviteError, NotAdmittedError, RemovedFromSessionError } from '../runtime-errors.ts';
import type { SessionEnd } from '../session-end.ts';
import type { Participant } from '../participant.ts';
import { PeerLink } from '../peer-link.ts';
import { ClockExchanges } from './clock-exchanges.ts';
import { DirectPathProbes } from './direct-path-probes.ts';
import { EventOutbox } from './event-outbox.ts';
import { FAREWELL_PAST_BYTES, FAREWELL_PAST_EVENTS, Farewells } from './farewells.ts';
import { checkedInviteAddresses } from './invite-addresses.ts';
import { InviteAdmissions } from './invite-admissions.ts';
import { type DialTarget, MeshDialer } from './mesh-dialer.ts';
import type { SessionHost } from './session-host.ts';
import { SessionRepair } from './session-repair.ts';
import { SessionReplica } from './session-replica.ts';

/** How this node came to hold the session. */
export type SessionRole = 'creator' | 'joiner';

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

const isMismatch = (e: unknown): boolean => ChannelMismatchError.isInstance(e);

/** A wait for this node's clock to align with the session's (bounded). */
interface AlignWaiter {
  readonly deadline: number;
  readonly resolve: () => void;
}

interface HistoryWaiter {
  readonly patienceUs: number;
  /** Given up when neither a member's digest nor one of its own events comes before this. */
  deadline: number;
  /** `processedOf(self)` and the head seen when the deadline was last set. */
  processed: number;
  head: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/**
 * The machinery of one session on one node: one {@link PeerLink} per member with a channel
 * (every member, directly: the inviter is not a hub), the replicated state
 * ({@link SessionReplica}), the time engine and its clock synchronisation, repair
 * ({@link SessionRepair}), the dialer that opens channels to members ({@link MeshDialer}),
 * fragment reassembly, the outbox, the per-datagram path after the channel lookup and the
 * session's part of the tick. The public `Session` is a facade over it; the node routes
 * datagrams and handshake results here and runs the dials it asks for.
 *
 * Propagation: every local event (a stream's write, a membership entry) is applied locally
 * first, then queued for each of its recipients (state's diffusion) and flushed at the end of
 * the current turn, several envelopes packed per frame, fragmented when larger than a frame,
 * sealed per channel and class. Durable events that do not arrive are repaired (see
 * {@link SessionRepair}); ephemeral ones are refreshed by their authors.
 */
export class SessionCore {
  readonly time: TimeEngine;
  /** Clock synchronisation: τs follows the session's time (time's `ClockSync`). */
  readonly sync: ClockSync;
  private readonly exchanges: ClockExchanges;
  readonly replica: SessionReplica;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly reassembler: Reassembler;
  private readonly outbox: EventOutbox;
  private readonly repair: SessionRepair;
  private readonly dialer: MeshDialer;
  /** Removed members' channels, kept to tell them of their removal. */
  private readonly farewells: Farewells;
  /** Relayed channels trying the direct path again. */
  private readonly probes: DirectPathProbes;
  /** Addresses of members learned outside the log (the invite's, for the founder). */
  private readonly hints = new Map<NodeId, readonly Endpoint[]>();
  private readonly inviteAdmissions: InviteAdmissions;
  private readonly participantsSubject: BehaviorSubject<ReadonlyMap<NodeId, Participant>>;
  private readonly subscriptions: Subscription[] = [];
  private readonly offs: (() => void)[] = [];
  private readonly admittedWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly alignWaiters: AlignWaiter[] = [];
  private readonly historyWaiters: HistoryWaiter[] = [];
  /** Highest seq of this node's own events a member's digest showed; -1: no digest heard yet. */
  private ownHeadSeen = -1;
  private dirty = false;
  /** A peer was heard since the last emission (its `lastSeen` moved). */
  private heardSince = false;
  private lastPublishAt: number;
  /** When joined presence streams next repeat this node's presence (a third of the timeout). */
  private nextPresenceAt = 0;
  /** When the next digest goes to the peer whose turn it is. */
  private nextDigestAt = 0;
  /** When {@link dials} next looks for members to dial. */
  private nextDialCheckAt = 0;
  /** How the datagram being dispatched came: on the node's socket, and from where. */
  private arrivalDirect = false;
  private arrivalFrom: Endpoint = { family: 'IPv4', address: '0.0.0.0', port: 0 };
  /** Why the session ended; undefined while it runs. */
  private endValue: SessionEnd | undefined;
  private readonly endSubject = new ReplaySubject<SessionEnd>(1);
  /**
   * This session's own admission is applied (a founder: always). A joiner that was a member
   * before (removed, invited again) replays its old add and old removal first: neither is its.
   */
  private wasMember: boolean;
  /**
   * A joiner: the founder's latest seq as a frame of one of this session's channels first showed
   * it (heartbeat or digest), -1 before. Those channels exist only once the founder signed this
   * session's admission, so the admission is among the founder's events up to it.
   */
  private admissionHead = -1;
  /** `leave()` is signing this node's own removal: that is no removal by another. */
  private leaving = false;

  constructor(
    private readonly host: SessionHost,
    readonly sessionId: SessionId,
    readonly role: SessionRole,
    founder: PublicIdentity,
    founderAddresses: readonly Endpoint[] = [],
  ) {
    const config = host.config;
    this.time = new TimeEngine({
      clock: host.clock,
      members: (p) => this.replica.inSession(p),
    });
    this.sync = new ClockSync(host.clock, this.time.stateClock, config.timeSync);
    this.exchanges = new ClockExchanges(
      this.sync,
      this.time.stateClock,
      host.clock,
      config.timeSync.requestIntervalUs,
    );
    // The founder's clock starts the session's time: it never steps onto a joiner's.
    if (role === 'creator') this.time.stateClock.closeJoin();
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
    if (founderAddresses.length > 0) this.hints.set(founder.nodeId, founderAddresses);
    this.inviteAdmissions = new InviteAdmissions(this.replica.membership.maxEntries);
    this.reassembler = new Reassembler(config.limits.reassembly);
    this.outbox = new EventOutbox(host, this.links, config.eventBufferSize);
    this.repair = new SessionRepair(
      host,
      this.replica,
      this.links,
      this.time.network,
      this.sendControl,
    );
    this.dialer = new MeshDialer(config.peerTimeoutUs, config.dialRetryCeilingUs);
    this.farewells = new Farewells(host);
    this.probes = new DirectPathProbes({
      direct: host.sender.transport,
      intervalUs: config.directProbeIntervalUs,
      ceilingUs: config.directProbeCeilingUs,
      minGapUs: config.heartbeatIntervalUs,
      rttUs: (peer) => this.time.network.conditions(peer)?.rttUs ?? 0,
      nextChallenge: () => ({
        id: new DataView(host.provider.randomBytes(4).buffer).getUint32(0),
        t1: Math.floor(host.clock.now()),
      }),
      send: (link, to, c, now) =>
        host.sender.send(
          link,
          encodeControlMessage({ type: 'time-sync-request', id: c.id, t1: c.t1 }),
          PacketClass.Core,
          RepresentationProfile.Textual,
          now,
          host.sender.transport,
          to,
        ),
    });
    this.wasMember = this.replica.inSession(host.identity.nodeId);
    const field = this.replica.field;
    this.offs.push(
      field.onChange((c) => {
        if (c.atom === this.replica.membership.atom) this.membershipChanged(c);
      }),
      // Something could not be applied in time: it, and what it waited for, are asked for again.
      field.onEviction((report) => this.repair.evicted(report, host.scheduler.now())),
      // Two signed events with one (author, seq): replicas may differ for good; counted. The
      // field sees it against quarantine and its latest seq, the store against the older seqs it
      // holds; they never report one delivery twice.
      field.onEquivocation(() => host.counters.equivocations++),
      this.replica.store.onEquivocation(() => host.counters.equivocations++),
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

  /** Why the session ended; undefined while it runs. */
  get end(): SessionEnd | undefined {
    return this.endValue;
  }

  private get ended(): boolean {
    return this.endValue !== undefined;
  }

  /** Emits why the session ended, once (also to a later subscriber), then completes. */
  get closed$(): Observable<SessionEnd> {
    return this.endSubject.asObservable();
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

  /**
   * Resolves once this node is in the session's membership log by this session's own admission
   * (a joiner: it holds the founder's events up to the head the founder's first heartbeat or
   * digest on one of its channels showed, and is a member then; see {@link admissionHead}).
   */
  admitted(): Promise<void> {
    if (this.wasMember) return Promise.resolve();
    if (this.ended) return Promise.reject(new ClosedError('session: ended'));
    return new Promise((resolve, reject) => this.admittedWaiters.push({ resolve, reject }));
  }

  /**
   * Resolves once a member's digest has been heard and this node has applied its own events up
   * to the highest seq any member's digest showed for it, so its next event takes a fresh seq.
   * An identity that comes back (a new join with a fresh invite) would otherwise number its
   * events from its partial view of its old ones, still arriving by repair page by page: two
   * events with one (author, seq), and replicas apart for good. Rejects with
   * `NotAdmittedError` when neither a digest nor one more of its own events arrives for
   * `patienceUs`, with `ClosedError` when the session ends.
   */
  ownHistory(patienceUs: number): Promise<void> {
    if (this.ended) return Promise.reject(new ClosedError('session: ended'));
    if (this.hasOwnHistory()) return Promise.resolve();
    const now = this.host.scheduler.now();
    const processed = this.replica.field.processedOf(this.host.identity.nodeId);
    return new Promise((resolve, reject) =>
      this.historyWaiters.push({
        patienceUs,
        deadline: now + patienceUs,
        processed,
        head: this.ownHeadSeen,
        resolve,
        reject,
      }),
    );
  }

  /**
   * Resolves once this node's τs has made its join alignment onto the session's time (clock
   * sync's `joined`), or its join is closed, or at `deadline` (µs on the node's scheduler)
   * without peers to align onto; never rejects (a session that ends resolves it too).
   */
  aligned(deadline: number): Promise<void> {
    if (this.isAligned()) return Promise.resolve();
    return new Promise((resolve) => this.alignWaiters.push({ deadline, resolve }));
  }

  /**
   * Signs a joiner invited with `inviteId` into the membership log (this node is the inviter)
   * and sends the entry once its channel is attached. False when the log refuses it (it is
   * full, or this node may not add), or when the invite already admitted someone who is no
   * longer in the session (counted as `InviteReusedError`; see {@link InviteAdmissions}).
   */
  admit(peer: PublicIdentity, remote: Endpoint, inviteId: Uint8Array | undefined): boolean {
    const id = inviteId ?? new Uint8Array(0);
    if (!this.inviteAdmissions.allows(id, peer.nodeId, this.replica.inSession(peer.nodeId))) {
      this.host.counters.reject(InviteReusedError.code);
      return false;
    }
    try {
      const entry = this.replica.admit(peer, [remote]);
      if (entry !== undefined) this.propagate(entry);
      this.inviteAdmissions.record(id, peer.nodeId);
      return true;
    } catch (e) {
      this.host.counters.reject((e as { code?: string }).code ?? Rejection.UnexpectedError);
      return false;
    }
  }

  /**
   * Signs `member`'s removal into the membership log (this node must be allowed to remove it);
   * its channels close everywhere as the removal arrives. Throws state's named errors.
   */
  remove(member: NodeId): void {
    if (this.ended) throw new ClosedError('session: ended');
    const removal = this.replica.remove(member);
    if (removal !== undefined) this.propagate(removal);
  }

  /**
   * Attaches the channel of a completed handshake with a member reached at `remote` over `via`.
   * A newer channel replaces the current one, which keeps opening the peer's frames until the
   * peer is heard on the new one. Two handshakes that crossed (both sides dialled) give two
   * channels within moments: the one whose initiator has the lower NodeId is kept on both
   * sides, the other only opens. False, with the keys erased, when `peer` is not a member or
   * `maxPeers` channels are open.
   */
  attach(
    result: HandshakeResult,
    remote: Endpoint,
    now: number,
    via: Transport,
    relayed: boolean,
  ): boolean {
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
      const initiator = result.role === 'initiator' ? result.local : peer;
      if (old !== undefined && this.crossed(old, initiator, now)) {
        this.host.counters.crossed++;
        old.keepPrevious(channel);
        return true;
      }
      const link = new PeerLink(channel, result.peer, initiator, remote, via, relayed, now);
      if (old !== undefined) {
        if (old.initiator !== initiator && old.establishedAt > now - this.crossWindowUs()) {
          this.host.counters.crossed++;
        }
        link.keepPrevious(old.channel);
        old.previous?.close();
        link.settled = old.settled;
      }
      // Alone (a joiner's first channel, or back from isolation): ask this peer for everything.
      // A channel made with an invite: the joiner also learns from the inviter's digest how far
      // its own events go (an identity that comes back; see `ownHistory`).
      link.digestDue = !this.hasLiveLink() || result.admittedBy === 'invite';
      this.links.set(peer, link);
      this.outbox.schedule();
      this.changed();
      return true;
    } finally {
      result.sendKey.fill(0);
      result.receiveKey.fill(0);
    }
  }

  /**
   * The members this node should dial now (the node runs the handshakes). Looked at four times
   * per heartbeat interval, and at once after the log changed.
   */
  dials(now: number): DialTarget[] {
    if (this.ended || now < this.nextDialCheckAt) return [];
    this.nextDialCheckAt = now + this.host.config.heartbeatIntervalUs / 4;
    if (!this.replica.inSession(this.host.identity.nodeId)) return [];
    return this.dialer.due(
      now,
      this.host.identity.nodeId,
      this.replica.members(),
      this.links,
      this.hints,
    );
  }

  /** A dial to `peer` started. */
  dialStarted(peer: NodeId): void {
    this.dialer.started(peer);
  }

  /** A dial to `peer` ended, with a channel or without. */
  dialEnded(peer: NodeId, now: number): void {
    this.dialer.ended(peer, now);
  }

  /**
   * One sealed datagram of this session from `header.nodeId`: opened by that peer's channel
   * (crypto's named errors propagate to the node, which counts them), then dispatched by payload
   * kind. Nothing from a datagram that does not open is used. `direct`: it came on the node's
   * own socket, not through the relay (a relayed channel's direct path is then validated; see
   * {@link DirectPathProbes}).
   */
  receive(datagram: Datagram, header: FixedHeader, direct: boolean): void {
    const link = this.links.get(header.nodeId);
    if (link === undefined) {
      this.host.counters.reject(Rejection.UnknownPeer);
      return;
    }
    const now = datagram.receivedAt;
    const opened = link.open(datagram.data, now, this.host.config.heartbeatIntervalUs, isMismatch);
    // Where a frame came from moves no path: a new address is challenged (DirectPathProbes).
    this.probes.heard(link, direct, datagram.from, datagram.data.length, now);
    this.arrivalDirect = direct;
    this.arrivalFrom = datagram.from;
    if (link.heard(now)) {
      // Back from silence: our presence is refreshed for it at the next tick, since ephemeral
      // events are never repaired.
      this.nextPresenceAt = 0;
      this.changed();
    }
    this.heardSince = true;
    if (opened.header.packetClass === PacketClass.Repair) {
      this.host.counters.repairBytesIn += datagram.data.length;
    }
    this.time.network.onPacket(
      link.nodeId,
      opened.header.seq,
      link.timeHints.read(opened.header.timeHint),
      now,
      opened.header.packetClass,
    );
    this.dispatch(link, opened.plaintext, now, true);
  }

  /**
   * The session's share of the tick: expiry in the field (TTLs, held events, quarantine age),
   * clock-sync requests, heartbeats, acknowledgements and digests to each peer when due, gaps
   * asked for, peers gone silent, reassembly timeouts, τp and horizons, and one `participants$`
   * emission if anything changed.
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
    this.farewells.tick(now);
    this.probes.tick(now, this.links);
    this.time.tick();
    const clockNow = this.host.clock.now();
    for (const link of this.links.values()) {
      link.expirePrevious(now);
      if (!link.stale && now - link.lastSeen > config.peerTimeoutUs) {
        link.stale = true;
        this.dirty = true;
      }
      if (!link.settled && this.replica.field.processedOf(link.nodeId) > 0) {
        // It has authored events: its τs can no longer step, so a join aligns onto it.
        link.settled = true;
        this.sync.markSettled(link.nodeId, clockNow);
      }
      if (!link.stale) {
        const message = this.exchanges.next(link.nodeId, now, this.sampled(link, now));
        if (message !== undefined) this.sendControl(link, message, now);
      }
      if (now >= link.nextHeartbeatAt) {
        link.nextHeartbeatAt = now + config.heartbeatIntervalUs;
        this.sendHeartbeat(link, now);
        this.sendAck(link, now);
      }
      if (link.digestDue) this.repair.sendDigest(link, now);
    }
    this.repair.ageFrontiers(now);
    // The founder's head may be reached by events of any atom.
    this.checkAdmission();
    if (now >= this.nextDigestAt) {
      this.nextDigestAt = now + config.digestIntervalUs;
      const turn = this.repair.digestPeer();
      if (turn !== undefined) this.repair.sendDigest(turn, now);
    }
    this.exchanges.update();
    this.repair.requestGaps(now);
    this.wakeAligned(now);
    this.wakeOwnHistory(now);
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
    this.leaving = true;
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
    this.close({ reason: forGood ? 'left' : 'stopped' });
  }

  /**
   * Ends the session on this node: erases every channel's keys, completes the observables, and
   * says why on `closed$` (`stopped` unless told otherwise). Idempotent.
   */
  close(end: SessionEnd = { reason: 'stopped' }): void {
    if (this.ended) return;
    this.endValue = end;
    for (const off of this.offs.splice(0)) off();
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.replica.close();
    this.outbox.close();
    for (const link of this.links.values()) link.close();
    this.links.clear();
    this.farewells.close();
    this.reassembler.clear();
    this.host.detach(this.sessionId);
    this.participantsSubject.complete();
    const error = (): Error =>
      end.reason === 'removed' ? end.error : new ClosedError('session: ended');
    for (const w of this.admittedWaiters.splice(0)) w.reject(error());
    for (const w of this.alignWaiters.splice(0)) w.resolve();
    for (const w of this.historyWaiters.splice(0)) w.reject(error());
    this.endSubject.next(end);
    this.endSubject.complete();
  }

  /**
   * A signed invite to this session, valid for `lifetimeUs` (default: the node's). The joiner
   * takes the invite's signer for the session's founder (its keys anchor the log), so the
   * founder's invites are the only ones that work for now: beyond the log's role rules (owners
   * and admins add members), any other node is refused with {@link CannotInviteError}.
   */
  invite(lifetimeUs: number | undefined, addresses: readonly Endpoint[] | undefined): string {
    if (this.ended) throw new ClosedError('session: ended');
    const role = this.replica.membership.role(this.host.identity.nodeId);
    if (role === undefined || role < MemberRole.Admin) {
      throw new CannotInviteError(
        `session: a ${role === undefined ? 'non-member' : memberRoleName(role)} may not add members`,
      );
    }
    if (this.replica.membership.founder !== this.host.identity.nodeId) {
      throw new CannotInviteError(
        'session: only its founder issues invites (a joiner takes the signer for the founder)',
      );
    }
    const checked = addresses === undefined ? undefined : checkedInviteAddresses(addresses);
    // Simulated time with jitter is fractional; the invite format carries whole microseconds.
    const expiresAt =
      Math.floor(this.host.scheduler.now()) + (lifetimeUs ?? this.host.config.inviteLifetimeUs);
    return this.host.issueInvite(this.sessionId, expiresAt, checked);
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

  /** A heartbeat to `link` (this node's latest durable seq). */
  private sendHeartbeat(link: PeerLink, now: number): void {
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
  }

  /** Acknowledges to `link` every author's events held contiguously here (core's `ack`). */
  private sendAck(link: PeerLink, now: number): void {
    const upTo: EventId[] = [];
    for (const [author, seq] of this.replica.field.frontier()) upTo.push({ author, seq });
    if (upTo.length > 0) this.sendControl(link, { type: 'ack', upTo }, now);
  }

  private readonly sendControl = (
    link: PeerLink,
    message: ControlMessage,
    now: number,
    packetClass: PacketClass = PacketClass.Core,
  ): number => {
    const bytes = this.host.sender.send(
      link,
      encodeControlMessage(message),
      packetClass,
      RepresentationProfile.Textual,
      now,
    );
    if (packetClass === PacketClass.Repair) this.host.counters.repairBytesOut += bytes;
    return bytes;
  };

  // Incoming -----------------------------------------------------------------------------------

  private dispatch(link: PeerLink, payload: Uint8Array, now: number, outer: boolean): void {
    switch (payloadKind(payload)) {
      case PayloadKind.Events: {
        const field = this.replica.field;
        for (const raw of splitEventBatch(payload)) {
          // An event of the batch removed this node: the session has ended, the rest is moot.
          if (this.ended) return;
          const outcome = field.receiveBytes(raw, { from: link.nodeId });
          this.count(outcome);
          if (outcome.status === 'quarantined') {
            this.repair.quarantined(raw, link.nodeId, now);
            this.earlyRemoval(raw);
          }
        }
        return;
      }
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
        // Its latest event may not have reached us (a lost last message): the gap tracker asks.
        this.repair.heartbeat(link.nodeId, message.lastSeq, now);
        this.founderHead(link, message.lastSeq);
        return;
      case 'time-sync-request': {
        const answer = this.exchanges.request(link.nodeId, message, this.host.clock.now());
        if (answer === undefined) {
          this.host.counters.reject(Rejection.TimeSyncRateLimited);
          return;
        }
        const sender = this.host.sender;
        const bytes = encodeControlMessage(answer);
        if (
          this.arrivalDirect &&
          (link.relayed || !endpointEquals(this.arrivalFrom, link.remote)) &&
          this.probes.charge(link, this.arrivalFrom, sender.sealedSize(bytes.length))
        ) {
          // A path challenge (RFC 9000 §8.2.2): answered the way it came, within the address's
          // amplification budget, and a relayed channel challenges the peer's address in turn.
          sender.send(
            link,
            bytes,
            PacketClass.Core,
            RepresentationProfile.Textual,
            now,
            sender.transport,
            this.arrivalFrom,
          );
          this.probes.hurry(link, now);
        } else {
          sender.send(link, bytes, PacketClass.Core, RepresentationProfile.Textual, now);
        }
        return;
      }
      case 'time-sync-response': {
        if (this.probes.answered(link, message, this.arrivalDirect)) {
          // The path moved: our presence is refreshed there at the next tick.
          this.nextPresenceAt = 0;
          this.changed();
          return;
        }
        const outcome = this.exchanges.response(
          link.nodeId,
          message,
          this.host.clock.now(),
          this.sampled(link, now),
        );
        if (outcome.refused === 'unsolicited') this.host.counters.reject(Rejection.Unsolicited);
        else if (outcome.refused === 'invalid') {
          this.host.counters.reject(Rejection.InvalidTimeSync);
        } else if (outcome.rttUs === outcome.rttUs) {
          // Shown with the next emission (`heardSince`: once per heartbeat interval at most).
          this.time.onRtt(link.nodeId, outcome.rttUs);
        }
        return;
      }
      case 'repair-request':
        this.repair.answer(link, message, now);
        // A digest (not a targeted request): how far the member holds this node's own events.
        if (message.digest.size > 0 || message.ranges.length === 0) {
          this.founderHead(link, Number(message.digest.get(link.nodeId) ?? 0n));
          const head = Number(message.digest.get(this.host.identity.nodeId) ?? 0n);
          this.ownHeadSeen = Math.max(this.ownHeadSeen, head);
          this.wakeOwnHistory(now);
        }
        return;
      case 'repair-response':
        this.repair.received(
          link,
          message,
          now,
          (o) => this.count(o),
          () => this.ended,
        );
        return;
      case 'handshake':
        this.host.counters.reject(Rejection.MisplacedControl);
        return;
      case 'ack': {
        const acks = this.replica.acks;
        for (const id of message.upTo) acks.record(link.nodeId, id.author, id.seq);
        return;
      }
    }
  }

  /** The founder's head as `link` showed it: the first one bounds this session's admission. */
  private founderHead(link: PeerLink, head: number): void {
    if (this.wasMember || this.admissionHead >= 0) return;
    if (link.nodeId !== this.replica.membership.founder) return;
    this.admissionHead = head;
    this.checkAdmission();
  }

  /** A joiner: this session's own admission is applied once the founder's head is. */
  private checkAdmission(): void {
    if (this.wasMember || this.ended || this.admissionHead < 0) return;
    const self = this.host.identity.nodeId;
    const founder = this.replica.membership.founder;
    if (this.replica.field.processedOf(founder) < this.admissionHead) return;
    if (!this.replica.inSession(self)) return;
    this.wasMember = true;
    for (const w of this.admittedWaiters.splice(0)) w.resolve();
  }

  private count(outcome: Outcome): void {
    if (outcome.status === 'rejected') this.host.counters.reject(`Event:${outcome.reason}`);
  }

  // Channels, membership and participants ------------------------------------------------------

  /** Two handshakes crossed: the lower NodeId's initiated channel beats one made just after it. */
  private crossed(old: PeerLink, initiator: NodeId, now: number): boolean {
    return old.establishedAt > now - this.crossWindowUs() && old.initiator < initiator;
  }

  /** How far apart two crossing handshakes may complete: a handshake's attempts. */
  private crossWindowUs(): number {
    const t = this.host.config.limits.initiator;
    return t.retryIntervalUs * t.maxAttempts;
  }

  /**
   * Whether `link`'s peer feeds clock sync. A peer that has written nothing may still be making
   * its own join step: sampling it now would pull our τs toward a clock about to jump. It is
   * sampled once settled, or once its join must have ended (it aligns within twice the join
   * deadline); probes measure its round trip meanwhile.
   */
  private sampled(link: PeerLink, now: number): boolean {
    return link.settled || now - link.establishedAt >= 2 * this.host.config.timeSync.joinDeadlineUs;
  }

  private hasLiveLink(): boolean {
    for (const link of this.links.values()) if (!link.stale) return true;
    return false;
  }

  private isAligned(): boolean {
    return this.ended || this.sync.joined || !this.time.stateClock.joinOpen;
  }

  private hasOwnHistory(): boolean {
    const self = this.host.identity.nodeId;
    return this.ownHeadSeen >= 0 && this.replica.field.processedOf(self) >= this.ownHeadSeen;
  }

  private wakeOwnHistory(now: number): void {
    if (this.historyWaiters.length === 0) return;
    const done = this.hasOwnHistory();
    const processed = this.replica.field.processedOf(this.host.identity.nodeId);
    for (let i = this.historyWaiters.length - 1; i >= 0; i--) {
      const w = this.historyWaiters[i] as HistoryWaiter;
      if (done) {
        this.historyWaiters.splice(i, 1);
        w.resolve();
      } else if (processed > w.processed || this.ownHeadSeen > w.head) {
        // Progress: a digest came, or its own events are still arriving; patience starts again.
        w.processed = processed;
        w.head = this.ownHeadSeen;
        w.deadline = now + w.patienceUs;
      } else if (now >= w.deadline) {
        this.historyWaiters.splice(i, 1);
        w.reject(
          new NotAdmittedError(
            'join: no member showed this node its own earlier events in time (its seqs)',
          ),
        );
      }
    }
  }

  private wakeAligned(now: number): void {
    if (this.alignWaiters.length === 0) return;
    const aligned = this.isAligned();
    for (let i = this.alignWaiters.length - 1; i >= 0; i--) {
      const w = this.alignWaiters[i] as AlignWaiter;
      if (aligned || now >= w.deadline) {
        this.alignWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /**
   * `raw` waits for its causal past. When it is an authentic removal of this node by a member
   * allowed to remove it (see {@link SessionReplica.removalOfSelf}), the session ends now: a
   * removed member that missed more than its farewells carry would otherwise wait for a past
   * no member sends it any more.
   */
  private earlyRemoval(raw: Uint8Array): void {
    if (!this.wasMember || this.leaving || this.ended) return;
    const by = this.replica.removalOfSelf(raw);
    if (by !== undefined) this.close({ reason: 'removed', error: new RemovedFromSessionError(by) });
  }

  /**
   * The log changed: admit waiting joins, drop channels of removed members (telling each of
   * its removal first, see {@link Farewells}), end the session when this node was removed,
   * tell observers.
   */
  private membershipChanged(change: AtomChange): void {
    // What each removed peer lacks, read before the acknowledgement table forgets it.
    let pasts: Map<NodeId, EventEnvelope[]> | undefined;
    for (const peer of this.links.keys()) {
      if (this.replica.inSession(peer)) continue;
      (pasts ??= new Map()).set(peer, this.unacknowledged(peer));
    }
    this.replica.syncAcknowledgers();
    this.repair.membersChanged();
    this.nextDialCheckAt = 0;
    const self = this.host.identity.nodeId;
    this.checkAdmission();
    if (this.wasMember && !this.replica.inSession(self) && !this.leaving && !this.ended) {
      // Another member's signed removal of this node, applied like any entry (its signature
      // and the remover's authority checked) after this session's own admission: the session
      // ends here, by name.
      this.close({ reason: 'removed', error: new RemovedFromSessionError(change.event?.author) });
      return;
    }
    const now = this.host.scheduler.now();
    // Only read (and decoded) when a peer with a channel was removed.
    const removal = pasts === undefined ? undefined : this.removalOf(change);
    for (const [peer, link] of this.links) {
      if (!this.replica.inSession(peer)) {
        // Removal takes its channel out: nothing it sends is opened any more. The channel seals
        // the removal to it a few times before its keys are erased, unless it left by itself.
        // What was queued for it this turn goes first (the removal may depend on it).
        this.outbox.flush(peer);
        if (removal === undefined || removal.author === peer) link.close();
        else this.farewells.add(link, removal, pasts?.get(peer) ?? [], now);
        this.links.delete(peer);
        this.outbox.forget(peer);
        this.sync.forget(peer);
        this.exchanges.forget(peer);
        this.repair.forget(peer);
        this.dialer.forget(peer);
        this.probes.forget(peer);
      }
    }
    this.changed();
  }

  /**
   * The stored events `peer` has not acknowledged, oldest first (a removal's causal past it may
   * lack), bounded by {@link FAREWELL_PAST_EVENTS} and {@link FAREWELL_PAST_BYTES}.
   */
  private unacknowledged(peer: NodeId): EventEnvelope[] {
    const heads = new Map<NodeId, number>();
    for (const [author] of this.replica.field.frontier()) {
      heads.set(author, this.replica.acks.acked(peer, author));
    }
    const page = this.replica.store.missing(
      { heads, gaps: [] },
      { maxEvents: FAREWELL_PAST_EVENTS, maxBytes: FAREWELL_PAST_BYTES },
    );
    return page.events.map((raw) => decodeEnvelope(raw));
  }

  /** The durable entry behind a membership change, from the store (undefined if not held). */
  private removalOf(change: AtomChange): EventEnvelope | undefined {
    const stamp = change.event;
    if (stamp === undefined) return undefined;
    const raw = this.replica.store.get(stamp.author, stamp.number);
    return raw === undefined ? undefined : decodeEnvelope(raw);
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
        path:
          link === undefined
            ? undefined
            : { kind: link.relayed ? 'relayed' : 'direct', remote: link.remote },
        lastSeen: link?.lastSeen,
        connected: m.id === self || (link !== undefined && !link.stale),
        network: m.id === self ? undefined : copyConditions(this.time.network.conditions(m.id)),
      });
    }
    return all;
  }
}
