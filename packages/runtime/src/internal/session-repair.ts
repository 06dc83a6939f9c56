import {
  type ControlMessage,
  type DurableEnvelope,
  type EventEnvelope,
  EventKind,
  MAX_REPAIR_RANGES,
  MAX_REPAIR_RANGE_SPAN,
  type NodeId,
  PacketClass,
  type RepairRequestMessage,
  type RepairResponseMessage,
  type SeqRange,
  decodeEnvelope,
} from '@elara/core';
import {
  type EvictionReport,
  type Outcome,
  type TokenBucket,
  digestFromRepairRequest,
  digestToRepairRequest,
  takeToken,
  tokenBucket,
} from '@elara/state';
import type { NetworkModel } from '@elara/time';
import { Rejection } from '../node-counters.ts';
import type { PeerLink } from '../peer-link.ts';
import { GapTracker } from './gap-tracker.ts';
import type { SessionHost } from './session-host.ts';
import type { SessionReplica } from './session-replica.ts';

/** Bytes of a repair response before its events: kind, type, request id, flags. */
const REPAIR_RESPONSE_HEADER = 7;
/** Bytes a repaired event costs in a response beside its own: its length. */
const REPAIR_EVENT_OVERHEAD = 2;
/** Most bytes of events one answer carries (its events go in several frames). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** What repair sends through: a control message to a peer, returning the bytes sent. */
export type ControlSender = (
  link: PeerLink,
  message: ControlMessage,
  now: number,
  packetClass: PacketClass,
) => number;

/**
 * Repair of one session on this node: it finds the durable events this replica lacks and asks
 * one peer for them, and it answers its peers' requests with events from the store, with their
 * authors' signatures (so a member forwards what another cannot get from the author).
 *
 * Two kinds of requests, both core's `repair-request`:
 * - a **digest** (state's `digestToRepairRequest`: heads and gaps of the whole store), sent on
 *   a new channel and to one peer per heartbeat interval in turn. The peer records it as
 *   acknowledgements, learns from its heads what it lacks itself, and answers with one page of
 *   what the digest lacks;
 * - a **targeted** request: ranges of missing seqs with an empty version vector (a digest always
 *   has heads once its replica holds anything, and a replica holding nothing has no gaps, so the
 *   two cannot be confused). The peer answers with exactly the events of those ranges it holds.
 *
 * Gaps ({@link GapTracker}) are asked for after a short hold (reordered events arrive
 * meanwhile), from the author first and then from other peers; only the seqs the store does not
 * hold (quarantined events are held) are named. Ephemeral events are never repaired.
 * Each peer's requests are answered at most `limits.repairAnswerRate` per second (bursts of
 * `limits.repairAnswerBurst`): beyond, `RepairRateLimited`. Gaps are bounded by
 * `limits.maxGapAhead` and dropped after `limits.maxGapTries` fruitless requests.
 */
export class SessionRepair {
  readonly gaps: GapTracker;
  private requestIds = 0;
  private digestTurn = 0;
  private readonly buckets = new Map<NodeId, TokenBucket>();
  /**
   * Each author's processed frontier as it was one to two `recentUs` ago (and the newer one that
   * takes its place next): events above it are recent, probably still in flight to the peer
   * whose digest lacks them, and are left out of digest answers.
   */
  private older = new Map<NodeId, number>();
  private newer = new Map<NodeId, number>();
  private nextFrontierAt = 0;

  constructor(
    private readonly host: SessionHost,
    private readonly replica: SessionReplica,
    private readonly links: ReadonlyMap<NodeId, PeerLink>,
    private readonly network: NetworkModel,
    private readonly send: ControlSender,
  ) {
    this.gaps = new GapTracker({
      maxAuthors: replica.field.limits.maxAuthors,
      maxAhead: host.config.limits.maxGapAhead,
      maxTries: host.config.limits.maxGapTries,
    });
  }

  // Learning what is missing ------------------------------------------------------------------

  /** An event from `from` was quarantined: its author's earlier seqs or a dependency are missing. */
  quarantined(raw: Uint8Array | EventEnvelope, from: NodeId, now: number): void {
    let event: EventEnvelope;
    try {
      event = raw instanceof Uint8Array ? decodeEnvelope(raw) : raw;
    } catch {
      return; // The field refused it already as Malformed.
    }
    if (event.kind !== EventKind.Durable) return;
    const hold = this.holdUs(from);
    this.learn(event.author, event.seq - 1, from, now, hold);
    for (const d of event.dependencies) this.learn(d.author, d.seq, from, now, hold);
  }

  /** A peer's heartbeat: its latest durable seq. */
  heartbeat(peer: NodeId, lastSeq: number, now: number): void {
    this.learn(peer, lastSeq, peer, now, this.holdUs(peer));
  }

  /** The field evicted a quarantined event: it, and what it waited for, must come again. */
  evicted(report: EvictionReport, now: number): void {
    if (report.kind !== EventKind.Durable) return;
    this.learn(report.author, report.number, undefined, now, 0);
    const m = report.missing;
    if (m !== undefined) this.learn(m.author, m.seq, undefined, now, 0);
  }

  /** A member left: stop asking for its events and answering it. */
  forget(peer: NodeId): void {
    this.buckets.delete(peer);
    this.gaps.forget(peer);
  }

  /** The log changed: authors that left it (with a channel here or not) are asked for no more. */
  membersChanged(): void {
    this.gaps.retain((author) => this.replica.inSession(author));
  }

  /**
   * Events of `author` up to `seq` exist: a gap, if `author` is another member (whoever sent the
   * claim may name any author and any seq; the tracker bounds how far above what is processed).
   */
  private learn(
    author: NodeId,
    seq: number,
    source: NodeId | undefined,
    now: number,
    holdUs: number,
  ): void {
    if (author === this.host.identity.nodeId || !this.replica.inSession(author)) return;
    this.gaps.learn(author, seq, this.replica.field.processedOf(author), source, now, holdUs);
  }

  // Asking -----------------------------------------------------------------------------------

  /** Sends this node's digest to `link` (a full repair request). */
  sendDigest(link: PeerLink, now: number): void {
    link.digestDue = false;
    this.host.counters.repairRequestsOut++;
    this.send(
      link,
      digestToRepairRequest(this.nextRequestId(), this.replica.store.digest()),
      now,
      PacketClass.Repair,
    );
  }

  /** Picks the next peer in turn for this heartbeat interval's digest. */
  digestPeer(): PeerLink | undefined {
    const live = this.liveLinks();
    if (live.length === 0) return undefined;
    this.digestTurn = (this.digestTurn + 1) % live.length;
    return live[this.digestTurn];
  }

  /** Moves the frontiers that tell recent events apart (on the tick). */
  ageFrontiers(now: number): void {
    if (now < this.nextFrontierAt) return;
    this.nextFrontierAt = now + this.recentUs();
    this.older = this.newer;
    this.newer = this.replica.field.frontier();
  }

  /** Asks for the gaps whose time has come (on the tick). */
  requestGaps(now: number): void {
    if (this.gaps.size === 0) return;
    const store = this.replica.store;
    const field = this.replica.field;
    const requests = new Map<PeerLink, SeqRange[]>();
    this.gaps.due(
      now,
      (author) => field.processedOf(author),
      (author, from, to, source, tries) => {
        const link = this.choose(author, source, tries);
        if (link === undefined) return undefined;
        let ranges = requests.get(link);
        if (ranges === undefined) requests.set(link, (ranges = []));
        const end = Math.min(to, from + MAX_REPAIR_RANGE_SPAN - 1);
        let start = 0;
        for (let s = from; s <= end + 1 && ranges.length < MAX_REPAIR_RANGES; s++) {
          const held = s <= end && store.has(author, s);
          if (s <= end && !held) {
            if (start === 0) start = s;
          } else if (start !== 0) {
            ranges.push({ author, from: start, to: s - 1 });
            start = 0;
          }
        }
        return this.retryUs(link);
      },
    );
    for (const [link, ranges] of requests) {
      if (ranges.length === 0) continue;
      this.host.counters.repairRequestsOut++;
      const request: RepairRequestMessage = {
        type: 'repair-request',
        requestId: this.nextRequestId(),
        ranges,
        digest: new Map(),
      };
      this.send(link, request, now, PacketClass.Repair);
    }
  }

  // Answering --------------------------------------------------------------------------------

  /**
   * A peer's repair request: a digest (recorded as acknowledgements, its heads learned, one
   * page of what it lacks sent) or a targeted request (the events of its ranges held here).
   * A malformed digest throws state's `MalformedDigestError` (the node counts it).
   */
  answer(link: PeerLink, request: RepairRequestMessage, now: number): void {
    const limits = this.host.config.limits;
    let bucket = this.buckets.get(link.nodeId);
    if (bucket === undefined)
      this.buckets.set(link.nodeId, (bucket = tokenBucket(limits.repairAnswerBurst, now)));
    if (!takeToken(bucket, now, limits.repairAnswerRate, limits.repairAnswerBurst)) {
      this.host.counters.reject(Rejection.RepairRateLimited);
      return;
    }
    const { store, acks } = this.replica;
    const maxEvents = limits.repairEvents;
    let events: Uint8Array[];
    let final = true;
    if (request.digest.size === 0 && request.ranges.length > 0) {
      events = [];
      let bytes = 0;
      outer: for (const r of request.ranges) {
        for (let s = r.from; s <= r.to; s++) {
          const e = store.get(r.author, s);
          if (e === undefined) continue;
          if (events.length >= maxEvents || bytes + e.length > MAX_ANSWER_BYTES) {
            final = false;
            break outer;
          }
          events.push(e);
          bytes += e.length;
        }
      }
    } else {
      const digest = digestFromRepairRequest(request);
      const page = store.missing(digest, { maxEvents, maxBytes: MAX_ANSWER_BYTES });
      acks.recordDigest(link.nodeId, digest);
      const hold = this.holdUs(link.nodeId);
      for (const [author, head] of digest.heads) this.learn(author, head, link.nodeId, now, hold);
      events = page.events;
      final = page.next === undefined;
    }
    const older = request.digest.size === 0 ? undefined : this.older;
    this.host.counters.repairRequestsIn++;
    this.sendEvents(link, request.requestId, events, final, now, older);
  }

  /**
   * A peer's answer: its events go to the field like any other, until one of them ends the
   * session (`ended`: this node's removal).
   */
  received(
    link: PeerLink,
    message: RepairResponseMessage,
    now: number,
    count: (o: Outcome) => void,
    ended: () => boolean,
  ): void {
    const field = this.replica.field;
    this.host.counters.repairEventsIn += message.events.length;
    for (const e of message.events) {
      if (ended()) return;
      const outcome = field.receive(e, { from: link.nodeId });
      if (outcome.status === 'quarantined') this.quarantined(e, link.nodeId, now);
      count(outcome);
    }
  }

  /**
   * Sends `events` in repair responses that each fit one frame; with `older`, leaves out the
   * events above it (recent ones, see {@link older}).
   */
  private sendEvents(
    link: PeerLink,
    requestId: number,
    events: readonly Uint8Array[],
    final: boolean,
    now: number,
    older: ReadonlyMap<NodeId, number> | undefined,
  ): void {
    const budget = this.host.sender.payloadBudget;
    let batch: DurableEnvelope[] = [];
    let size = REPAIR_RESPONSE_HEADER;
    const flush = (last: boolean): void => {
      this.host.counters.repairEventsOut += batch.length;
      this.send(
        link,
        { type: 'repair-response', requestId, final: last, events: batch },
        now,
        PacketClass.Repair,
      );
      batch = [];
      size = REPAIR_RESPONSE_HEADER;
    };
    for (const bytes of events) {
      const event = decodeEnvelope(bytes) as DurableEnvelope;
      if (older !== undefined && event.seq > (older.get(event.author) ?? 0)) continue;
      if (batch.length > 0 && size + REPAIR_EVENT_OVERHEAD + bytes.length > budget) flush(false);
      batch.push(event);
      size += REPAIR_EVENT_OVERHEAD + bytes.length;
    }
    if (batch.length > 0 || final) flush(final);
  }

  // Choices ----------------------------------------------------------------------------------

  private liveLinks(): PeerLink[] {
    const live: PeerLink[] = [];
    for (const link of this.links.values()) if (!link.stale) live.push(link);
    return live;
  }

  /** Whom to ask: the author first, then the peer known to hold the events, then the others. */
  private choose(author: NodeId, source: NodeId | undefined, tries: number): PeerLink | undefined {
    const order: PeerLink[] = [];
    const first = this.links.get(author);
    if (first !== undefined && !first.stale) order.push(first);
    const second = source === undefined ? undefined : this.links.get(source);
    if (second !== undefined && second !== first && !second.stale) order.push(second);
    for (const link of this.links.values()) {
      if (link !== first && link !== second && !link.stale) order.push(link);
    }
    return order.length === 0 ? undefined : order[tries % order.length];
  }

  /** How long an event may stay in flight: a round trip and jitter, at least a heartbeat. */
  private recentUs(): number {
    return this.host.config.heartbeatIntervalUs;
  }

  /** How long a reordered event may trail its successor from `peer`: about three jitters. */
  private holdUs(peer: NodeId): number {
    const c = this.network.conditions(peer);
    const tick = this.host.config.tickIntervalUs;
    const jitter = c === undefined || !(c.jitterUs >= 0) ? 0 : c.jitterUs;
    return Math.min(Math.max(3 * jitter, tick), this.host.config.heartbeatIntervalUs / 2);
  }

  /** How long an answer from `link` may take before asking again: a round trip and jitter. */
  private retryUs(link: PeerLink): number {
    const c = this.network.conditions(link.nodeId);
    const tick = this.host.config.tickIntervalUs;
    const rtt = c === undefined || !(c.rttUs > 0) ? 0 : c.rttUs;
    const jitter = c === undefined || !(c.jitterUs >= 0) ? 0 : c.jitterUs;
    return Math.min(Math.max(2 * rtt + 4 * jitter, 4 * tick), this.host.config.heartbeatIntervalUs);
  }

  private nextRequestId(): number {
    this.requestIds = (this.requestIds + 1) >>> 0;
    return this.requestIds;
  }
}
