import {
  ClosedError,
  type ControlMessage,
  type Datagram,
  type Endpoint,
  type FixedHeader,
  type NodeId,
  PacketClass,
  PayloadKind,
  Reassembler,
  RepresentationProfile,
  type SessionId,
  decodeControlMessage,
  decodeFragment,
  encodeControlMessage,
  payloadKind,
} from '@elara/core';
import { type HandshakeResult, type PublicIdentity, SecureChannel } from '@elara/crypto';
import { TimeEngine, exchangeDelayUs, type PathConditions } from '@elara/time';
import { BehaviorSubject, type Observable } from 'rxjs';
import { Rejection } from '../node-counters.ts';
import type { Participant } from '../participant.ts';
import { PeerLink } from '../peer-link.ts';
import type { SessionHost } from './session-host.ts';

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

/**
 * The machinery of one session on one node: its members, one {@link PeerLink} per peer with a
 * channel, the time engine, fragment reassembly, the per-datagram path after the channel lookup
 * and the per-session part of the tick. The public `Session` is a facade over it; the node
 * routes datagrams and handshake results here.
 */
export class SessionCore {
  readonly time: TimeEngine;
  private readonly members = new Map<NodeId, PublicIdentity>();
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly reassembler: Reassembler;
  private readonly participantsSubject: BehaviorSubject<ReadonlyMap<NodeId, Participant>>;
  private dirty = false;
  /** A peer was heard since the last emission (its `lastSeen` moved). */
  private heardSince = false;
  private lastPublishAt: number;
  private ended = false;

  constructor(
    private readonly host: SessionHost,
    readonly sessionId: SessionId,
    readonly role: SessionRole,
  ) {
    this.members.set(host.identity.nodeId, host.identity.publicIdentity());
    this.time = new TimeEngine({
      clock: host.scheduler,
      members: (peer) => this.members.has(peer),
    });
    this.reassembler = new Reassembler(host.config.limits.reassembly);
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
    return this.members.has(node);
  }

  /** Adds a member: the creator admits an invited joiner, a joiner knows its inviter. */
  admit(identity: PublicIdentity): void {
    if (this.members.has(identity.nodeId)) return;
    this.members.set(identity.nodeId, identity);
    this.changed();
  }

  /**
   * Attaches the channel of a completed handshake with a member reached at `remote`, replacing
   * an older one with the same peer (the newest handshake wins). False, with the channel keys
   * erased, when the member is unknown or `maxPeers` channels are open.
   */
  attach(result: HandshakeResult, remote: Endpoint, now: number): boolean {
    const peer = result.peer.nodeId;
    try {
      if (this.ended || !this.members.has(peer)) {
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
      this.links.set(peer, new PeerLink(channel, result.peer, remote, now));
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
   * The session's share of the tick: heartbeats and round-trip probes to each peer when due,
   * peers gone silent, reassembly timeouts, τp and horizons, and one `participants$` emission
   * if anything changed.
   */
  tick(now: number): void {
    if (this.ended) return;
    const config = this.host.config;
    this.reassembler.expire(now);
    this.time.tick();
    for (const link of this.links.values()) {
      if (!link.stale && now - link.lastSeen > config.peerTimeoutUs) {
        link.stale = true;
        this.dirty = true;
      }
      if (now >= link.nextHeartbeatAt) {
        link.nextHeartbeatAt = now + config.heartbeatIntervalUs;
        this.sendControl(
          link,
          {
            type: 'heartbeat',
            counter: (link.heartbeats = (link.heartbeats + 1) >>> 0),
            time: this.time.now(),
            lastSeq: 0,
          },
          now,
        );
        this.sendControl(
          link,
          { type: 'time-sync-request', id: link.startProbe(now), t1: now },
          now,
        );
      }
    }
    if (this.dirty || (this.heardSince && now - this.lastPublishAt >= config.heartbeatIntervalUs)) {
      this.publish();
    }
  }

  /** Ends the session on this node: erases every channel's keys, completes `participants$`. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    for (const link of this.links.values()) link.close();
    this.links.clear();
    this.reassembler.clear();
    this.host.detach(this.sessionId);
    this.participantsSubject.complete();
  }

  /** A signed invite to this session, valid for `lifetimeUs` (default: the node's). */
  invite(lifetimeUs: number | undefined, addresses: readonly Endpoint[] | undefined): string {
    if (this.ended) throw new ClosedError('session: ended');
    const expiresAt = this.host.scheduler.now() + (lifetimeUs ?? this.host.config.inviteLifetimeUs);
    return this.host.issueInvite(this.sessionId, expiresAt, addresses);
  }

  private dispatch(link: PeerLink, payload: Uint8Array, now: number, outer: boolean): void {
    switch (payloadKind(payload)) {
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
      case PayloadKind.Events:
        this.events(link, payload);
        return;
    }
  }

  private events(_link: PeerLink, _payload: Uint8Array): void {
    // Part B wires the state field here.
    this.host.counters.reject('EventsUnsupported');
  }

  private control(link: PeerLink, message: ControlMessage, now: number): void {
    switch (message.type) {
      case 'heartbeat':
        link.peerLastSeq = Math.max(link.peerLastSeq, message.lastSeq);
        return;
      case 'time-sync-request': {
        const t = this.time.now();
        this.sendControl(
          link,
          {
            type: 'time-sync-response',
            id: message.id,
            t1: message.t1,
            t2: t,
            t3: this.time.now(),
          },
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
      case 'handshake':
        this.host.counters.reject(Rejection.MisplacedControl);
        return;
      default:
        // Repair and acknowledgements: runtime part 2.
        this.host.counters.reject(Rejection.Unsolicited);
    }
  }

  private sendControl(link: PeerLink, message: ControlMessage, now: number): void {
    this.host.sender.send(
      link,
      encodeControlMessage(message),
      PacketClass.Core,
      RepresentationProfile.Textual,
      now,
    );
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
    for (const [id, identity] of this.members) {
      const link = this.links.get(id);
      all.set(id, {
        nodeId: id,
        identity,
        self: id === self,
        path: link === undefined ? undefined : { kind: 'direct', remote: link.remote },
        lastSeen: link?.lastSeen,
        connected: id === self || (link !== undefined && !link.stale),
        network: id === self ? undefined : copyConditions(this.time.network.conditions(id)),
      });
    }
    return all;
  }
}
