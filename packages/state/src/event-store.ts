import {
  decodeEnvelope,
  type DurableEnvelope,
  ElaraError,
  type EventEnvelope,
  EventKind,
  MAX_REPAIR_RANGE_SPAN,
  MAX_REPAIR_RANGES,
  type NodeId,
  OutOfRangeError,
  type SeqRange,
  SIGNATURE_LENGTH,
} from '@elara/core';
import type { AckTable } from './ack-table.ts';
import { compareAscending } from './compare-ascending.ts';
import { encodingOf } from './envelope-encoding.ts';
import { checkDigest, type Digest, type DigestLimits } from './digest.ts';
import type { DurableObserver, PastQuery } from './durable-observer.ts';
import type { EquivocationReport } from './equivocation-report.ts';
import { sameSignedContent } from './signed-content.ts';
import type { SignatureCheck } from './stages/signature-check.ts';

/** Bounds of an {@link EventStore} (bytes are charged bytes: encoded size + overhead). */
export interface EventStoreLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
  /** Events of one author, so one author's flood cannot push everyone else's out. */
  readonly maxEventsPerAuthor: number;
  readonly maxBytesPerAuthor: number;
  /** Authors tracked (each keeps its contiguous frontier even when its events are evicted). */
  readonly maxAuthors: number;
}

/** The defaults. */
export const DEFAULT_EVENT_STORE_LIMITS: EventStoreLimits = {
  maxEvents: 100_000,
  maxBytes: 64 * 1024 * 1024,
  maxEventsPerAuthor: 50_000,
  maxBytesPerAuthor: 32 * 1024 * 1024,
  maxAuthors: 4_096,
};

/**
 * Bytes charged per stored event besides its encoded size: its Uint8Array object and its
 * slots in the per-author and eviction arrays (about what V8 holds on Node 20).
 */
export const STORE_EVENT_OVERHEAD = 128;

/** Why the store let an event go. */
export const StoreEvictionReason = {
  /** Its author held `maxEventsPerAuthor` events or `maxBytesPerAuthor` bytes. */
  AuthorShare: 'author-share',
  /** The store held `maxEvents` events. */
  Count: 'count',
  /** The store held `maxBytes` bytes. */
  Bytes: 'bytes',
} as const;
export type StoreEvictionReason = (typeof StoreEvictionReason)[keyof typeof StoreEvictionReason];

/** An event the store no longer holds (peers that still lack it must get it elsewhere). */
export interface StoreEviction {
  readonly author: NodeId;
  readonly seq: number;
  readonly reason: StoreEvictionReason;
  /** True when every member had acknowledged it (nobody needed it from us). */
  readonly acknowledged: boolean;
}

/** What `add` did. */
export type StoreOutcome =
  | 'stored'
  | 'duplicate'
  /** Ephemeral events are never stored (they are never repaired). */
  | 'ephemeral'
  /** Larger than a whole author share or the whole store. */
  | 'oversized'
  /** A new author beyond `maxAuthors`. */
  | 'too-many-authors'
  /**
   * A second, different, authentic event with an (author, seq) held: the author equivocated
   * (see {@link EventStore.onEquivocation}); the first stays.
   */
  | 'equivocation'
  /**
   * A different event with an (author, seq) held whose signature fails (or `verify` throws):
   * not the author's. Also any durable event without a 64-byte signature.
   */
  | 'forged';

/** Counters of an {@link EventStore}. */
export interface StoreCounters {
  stored: number;
  duplicates: number;
  ephemeral: number;
  oversized: number;
  tooManyAuthors: number;
  /** (author, seq) pairs found with a second, different, authentic event (each counted once). */
  equivocations: number;
  /**
   * Copies refused as `forged`, and held copies found forged and replaced by an authentic one
   * (see {@link EventStore.add}).
   */
  forged: number;
  evicted: Record<StoreEvictionReason, number>;
  /** Of those evicted, how many every member had acknowledged. */
  evictedAcknowledged: number;
  /**
   * Of those evicted, how many were this node's own and unacknowledged (only when the store
   * held nothing else: give it larger bounds than the local log).
   */
  evictedUnacknowledgedOwn: number;
  /** Dropped by `forget` (the field let them go), not evictions of the store. */
  forgotten: number;
  listenerErrors: number;
}

/** Paging of {@link EventStore.missing}. */
export interface MissingOptions {
  /** Events per page; default 1 024. */
  readonly maxEvents?: number;
  /** Encoded bytes per page (one event is always returned, whatever its size); default 1 MiB. */
  readonly maxBytes?: number;
  /** The `next` of the previous page: resume after it. */
  readonly after?: ReadonlyMap<NodeId, number>;
  /** Bounds of the digest (a receiver may lower the wire's). */
  readonly limits?: Partial<DigestLimits>;
}

/** One page of {@link EventStore.missing}. */
export interface MissingPage {
  /** Encoded durable envelopes, each author's in seq order, authors interleaved as stored. */
  readonly events: Uint8Array[];
  /** Pass as `after` for the next page; undefined when this page was the last. */
  readonly next: ReadonlyMap<NodeId, number> | undefined;
}

/** Bounds of {@link EventStore.digest}. */
export interface DigestOptions {
  /** Gaps listed; default {@link MAX_REPAIR_RANGES}. */
  readonly maxGaps?: number;
  /** Events per gap; default {@link MAX_REPAIR_RANGE_SPAN}. */
  readonly maxGapSpan?: number;
}

/** One author's stored events: parallel arrays sorted by seq, live from `start`. */
interface AuthorEvents {
  readonly author: NodeId;
  seqs: number[];
  data: Uint8Array[];
  /** Insertion order (a global counter): the eviction and paging order. */
  stamps: number[];
  start: number;
  bytes: number;
  /** Every seq ≤ it was stored at some point (evicted ones included). */
  contiguous: number;
  /** Every member holds every seq ≤ it. */
  acked: number;
  /**
   * The field processed every seq ≤ it (fed as an observer): claimed as held in the digest
   * even when not stored (evicted, or refused as oversized), so peers never resend it.
   */
  processed: number;
  /** Held seqs already reported as equivocated (made on the first; dropped with the event). */
  equivocated: Set<number> | undefined;
}

function count(a: AuthorEvents): number {
  return a.seqs.length - a.start;
}

/** First index ≥ a.start whose seq is ≥ seq. */
function lowerBound(a: AuthorEvents, seq: number): number {
  let lo = a.start;
  let hi = a.seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a.seqs[mid] as number) < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of `seq` in `a`, or -1 when it is not stored. */
function indexOf(a: AuthorEvents, seq: number): number {
  const at = lowerBound(a, seq);
  return at < a.seqs.length && a.seqs[at] === seq ? at : -1;
}

/** The last index of the run of consecutive seqs that starts at `i`. */
function runEnd(a: AuthorEvents, i: number): number {
  const key = (a.seqs[i] as number) - i;
  let lo = i;
  let hi = a.seqs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((a.seqs[mid] as number) - mid === key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A per-author walk over the stored seqs a digest lacks (ranges ascending). */
interface MissingCursor {
  readonly events: AuthorEvents;
  /** Lacking ranges, flattened [from, to, from, to, ...], ascending, disjoint. */
  readonly ranges: number[];
  range: number;
  index: number;
}

/**
 * The store of the session's durable events, per (session, author), for repair and
 * anti-entropy: `digest()` summarises what this replica holds, `missing(peerDigest)` returns
 * exactly the stored events the peer lacks. Ephemeral events are never stored.
 *
 * Feed it as a {@link DurableObserver} of the field: it then holds every durable event whose
 * seq the field consumed (applied, or authentic and refused: peers need those to walk the
 * chain), local ones included, and every authentic one waiting in the field's quarantine
 * (dropped again if the quarantine evicts it), mostly in processing order (a causal order).
 * So two replicas exchanging digests each get the union of what both hold in one round. Any
 * durable event can also be `add`ed directly (e.g. in tests); the store verifies only a second,
 * different copy of a seq it holds (an equivocation, or a forgery: {@link onEquivocation}),
 * and then, once, the copy it holds (a forgery `add`ed first is replaced).
 *
 * **Bounds and eviction**: count and (charged) bytes in all and per author. The newest
 * event's author over its share loses its own oldest (lowest seq) first; then, while the store
 * is over its bounds, an author's oldest event that every member acknowledged goes first
 * (nobody needs it from us: {@link acknowledged}), and failing that the event stored longest
 * ago. This node's own events (`self`) that some member has not acknowledged are evicted only
 * when nothing else is left (the local log holds them too, and peers can get them from nobody
 * else): give the store larger bounds than the local log and they never are. Every eviction
 * is reported (`onEviction`) and counted. The digest claims what is stored, what the field
 * processed, and what was stored below the author's contiguous frontier (evicted since); an
 * event `forget` drops is claimed no more.
 *
 * Cost: per-author sorted arrays; `add` in seq order O(1) (out of order: a binary search and
 * an array insert); `digest()` O(authors + gaps × log n) (plus sorting the authors once after
 * a new one came); `missing()` O(authors × log n + returned × log authors).
 *
 * @example
 * const store = new EventStore({ acks, self });
 * const field = new StateField({ ...config, observers: [log, store] });
 * send(peer, digestToRepairRequest(id, store.digest()));     // ask
 * const page = peerStore.missing(digestFromRepairRequest(request)); // answer
 */
export class EventStore implements DurableObserver {
  readonly limits: EventStoreLimits;
  private self: NodeId | undefined;
  private readonly acks: AckTable | undefined;
  private readonly authors = new Map<NodeId, AuthorEvents>();
  /** The authors in id order (the digest's order), rebuilt after a new author came. */
  private sorted: AuthorEvents[] | undefined = [];
  /** Authors whose oldest stored event every member acknowledged. */
  private readonly ackedAuthors = new Set<AuthorEvents>();
  /** Insertion order, for "stored longest ago" (entries of evicted events are skipped). */
  private fifoAuthors: AuthorEvents[] = [];
  private fifoSeqs: number[] = [];
  private fifoStamps: number[] = [];
  private fifoStart = 0;
  private stamp = 0;
  private eventCount = 0;
  private byteCount = 0;
  private readonly stats: StoreCounters = {
    stored: 0,
    duplicates: 0,
    ephemeral: 0,
    oversized: 0,
    tooManyAuthors: 0,
    equivocations: 0,
    forged: 0,
    evicted: { 'author-share': 0, count: 0, bytes: 0 },
    evictedAcknowledged: 0,
    evictedUnacknowledgedOwn: 0,
    forgotten: 0,
    listenerErrors: 0,
  };
  private readonly evictions: StoreEviction[] = [];
  private readonly listeners = new Set<(eviction: StoreEviction) => void>();
  private readonly equivocationListeners = new Set<(report: EquivocationReport) => void>();
  private verify: SignatureCheck | undefined;

  /**
   * `acks`, when given, tells the store what every member acknowledged (it evicts those
   * first); {@link acknowledged} does the same by hand. `self` is this node (by default the
   * field's it observes): its events some member has not acknowledged are evicted last.
   * `verify` (by default the field's it observes) tells a second, different event with a held
   * (author, seq) that is authentic (an equivocation) from a forgery; without one, `add`
   * trusts its caller that a different copy is signed by its author. A `verify` that throws
   * refuses the copy (`forged`).
   */
  constructor(
    config: {
      limits?: Partial<EventStoreLimits>;
      acks?: AckTable;
      self?: NodeId;
      verify?: SignatureCheck;
    } = {},
  ) {
    this.limits = { ...DEFAULT_EVENT_STORE_LIMITS, ...config.limits };
    this.self = config.self;
    this.verify = config.verify;
    this.acks = config.acks;
    config.acks?.onAdvance((author, upTo) => this.acknowledged(author, upTo));
  }

  // ---- adding --------------------------------------------------------------------------

  /**
   * @internal Called by the field: its node is this store's `self`, and its signature check
   * this store's `verify`, unless given.
   */
  attach(_past: PastQuery, self: NodeId, verify?: SignatureCheck): void {
    this.self ??= self;
    this.verify ??= verify;
  }

  /**
   * @internal The field got another copy of an (author, seq) it consumed or holds: the store
   * compares it with the event it holds (never storing it: it was not verified). True for an
   * equivocation (reported here, now or before), undefined when the event is not held.
   */
  repeated(envelope: DurableEnvelope, raw?: Uint8Array): boolean | undefined {
    const a = this.authors.get(envelope.author);
    if (a === undefined) return undefined;
    const at = indexOf(a, envelope.seq);
    return at < 0 ? undefined : this.again(a, at, envelope, raw) === 'equivocation';
  }

  /** @internal The field reported (author, seq): the store does not report it again. */
  equivocated(author: NodeId, seq: number): void {
    const a = this.authors.get(author);
    if (a !== undefined && indexOf(a, seq) >= 0) (a.equivocated ??= new Set()).add(seq);
  }

  /** @internal The field consumed this event's seq: store it, and claim it from now on. */
  processed(envelope: DurableEnvelope): void {
    const outcome = this.add(envelope);
    const a =
      this.authors.get(envelope.author) ??
      (outcome === 'oversized' ? this.newAuthor(envelope.author) : undefined);
    if (a !== undefined && envelope.seq === a.processed + 1) a.processed = envelope.seq;
  }

  /** @internal The field holds this authentic event in quarantine: store it (peers may lack it). */
  held(envelope: DurableEnvelope): void {
    this.add(envelope);
  }

  /** @internal The field dropped this event from quarantine unprocessed: so does the store. */
  evicted(envelope: DurableEnvelope): void {
    this.forget(envelope.author, envelope.seq);
  }

  /**
   * Drops (author, seq) and stops claiming it as held (the digest shows it missing again, so
   * a peer resends it), whether it is still stored or was evicted already: for an event this
   * replica no longer has, e.g. dropped from the field's quarantine (a seq the field processed
   * stays claimed: this replica applied it). Not reported as a store eviction. False when it
   * was not stored.
   */
  forget(author: NodeId, seq: number): boolean {
    const a = this.authors.get(author);
    if (a === undefined) return false;
    if (seq <= a.contiguous && seq > a.processed) a.contiguous = seq - 1;
    const at = indexOf(a, seq);
    if (at < 0) return false;
    const charged = (a.data[at] as Uint8Array).length + STORE_EVENT_OVERHEAD;
    this.remove(a, at);
    a.bytes -= charged;
    this.byteCount -= charged;
    this.eventCount--;
    this.stats.forgotten++;
    return true;
  }

  /**
   * Stores a durable event (its encoding: one `LocalEvents` made is shared, never modified);
   * an ephemeral one is refused and counted. A seq already held keeps its first copy: the same
   * event again (the same signed content) is a `duplicate`, a different one an `equivocation`
   * (counted and reported once per (author, seq)) or, when `verify` refuses its signature,
   * `forged`. A new seq is trusted, so when a different copy verifies, the held one is verified
   * too (once): if it fails, the authentic copy replaces it (`stored`, the held one counted as
   * forged, nobody reported). An envelope without a 64-byte signature is `forged` at once.
   * Evictions it causes are reported before it returns.
   */
  add(envelope: EventEnvelope): StoreOutcome {
    if (envelope.kind !== EventKind.Durable) {
      this.stats.ephemeral++;
      return 'ephemeral';
    }
    const signature: unknown = envelope.signature;
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) {
      this.stats.forged++; // nobody signed it
      return 'forged';
    }
    let a = this.authors.get(envelope.author);
    const seq = envelope.seq;
    let at = 0;
    if (a !== undefined) {
      at = lowerBound(a, seq);
      if (at < a.seqs.length && a.seqs[at] === seq) return this.again(a, at, envelope);
    }
    const bytes = encodingOf(envelope);
    const charged = bytes.length + STORE_EVENT_OVERHEAD;
    if (charged > this.limits.maxBytesPerAuthor || charged > this.limits.maxBytes) {
      this.stats.oversized++;
      return 'oversized';
    }
    if (a === undefined) {
      a = this.newAuthor(envelope.author);
      if (a === undefined) return 'too-many-authors';
    }
    const stamp = this.stamp++;
    if (at === a.seqs.length) {
      a.seqs.push(seq);
      a.data.push(bytes);
      a.stamps.push(stamp);
    } else {
      a.seqs.splice(at, 0, seq);
      a.data.splice(at, 0, bytes);
      a.stamps.splice(at, 0, stamp);
    }
    if (seq === a.contiguous + 1) {
      let i = at;
      while (i < a.seqs.length && a.seqs[i] === a.contiguous + 1) {
        a.contiguous++;
        i++;
      }
    }
    a.bytes += charged;
    this.byteCount += charged;
    this.eventCount++;
    this.stats.stored++;
    this.fifoAuthors.push(a);
    this.fifoSeqs.push(seq);
    this.fifoStamps.push(stamp);
    if (at === a.start && seq <= a.acked) this.ackedAuthors.add(a);
    this.makeRoom(a);
    this.report();
    return 'stored';
  }

  /**
   * Another copy of the event held at `a[at]`. An event is its signed content (ARCHITECTURE.md
   * "event identity": every field is signed; the encoding is those fields in a fixed layout,
   * then the signature): equal signatures settle it without allocating; different ones are
   * compared by content (a same event re-signed is no second event) and only then verified.
   */
  private again(
    a: AuthorEvents,
    at: number,
    envelope: DurableEnvelope,
    raw?: Uint8Array,
  ): StoreOutcome {
    const held = a.data[at] as Uint8Array;
    if (sameSignature(held, envelope.signature)) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    let other: Uint8Array;
    if (raw !== undefined) other = raw;
    else {
      try {
        other = encodingOf(envelope);
      } catch (e) {
        if (!refusedInput(e)) throw e;
        // the codec refuses the value: nobody can have signed it as is
        this.stats.forged++;
        return 'forged';
      }
    }
    if (sameSignedContent(held, other)) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    if (this.authentic(envelope, other) !== true) {
      this.stats.forged++;
      return 'forged';
    }
    const seq = envelope.seq;
    if (a.equivocated?.has(seq) === true) return 'equivocation';
    // add trusts a new seq: the held copy may be a forgery given first (checked once, here)
    if (this.verify !== undefined && !this.heldAuthentic(held)) {
      this.replace(a, at, raw === undefined ? other : raw.slice()); // raw: a datagram's view
      return 'stored';
    }
    (a.equivocated ??= new Set()).add(seq);
    this.stats.equivocations++;
    this.notify(this.equivocationListeners, { author: a.author, seq });
    return 'equivocation';
  }

  /**
   * `verify`'s verdict on `envelope` (its encoding `raw`): true without one, undefined when it
   * throws (a check must not throw; one that does vouches for nothing, and must not break the
   * field feeding the store: a copy it throws on is refused, a held event it throws on stays).
   */
  private authentic(envelope: DurableEnvelope, raw: Uint8Array): boolean | undefined {
    if (this.verify === undefined) return true;
    try {
      return this.verify(envelope, raw) === undefined;
    } catch {
      return undefined;
    }
  }

  /** False when `verify` refuses the held encoding's signature (one that throws: the first stays). */
  private heldAuthentic(held: Uint8Array): boolean {
    let envelope: EventEnvelope;
    try {
      envelope = decodeEnvelope(held);
    } catch (e) {
      if (!refusedInput(e)) throw e;
      return false;
    }
    return envelope.kind === EventKind.Durable && this.authentic(envelope, held) !== false;
  }

  /**
   * Replaces the forged event held at `a[at]` with the authentic `bytes` (same seq, same place
   * in the eviction order): the forgery is counted as such, the new one as stored.
   */
  private replace(a: AuthorEvents, at: number, bytes: Uint8Array): void {
    const delta = bytes.length - (a.data[at] as Uint8Array).length;
    a.data[at] = bytes;
    a.bytes += delta;
    this.byteCount += delta;
    this.stats.forged++;
    this.stats.stored++;
    this.makeRoom(a);
    this.report();
  }

  /** A new author's record, or undefined (counted) beyond `maxAuthors`. */
  private newAuthor(author: NodeId): AuthorEvents | undefined {
    if (this.authors.size >= this.limits.maxAuthors) {
      this.stats.tooManyAuthors++;
      return undefined;
    }
    const a: AuthorEvents = {
      author,
      seqs: [],
      data: [],
      stamps: [],
      start: 0,
      bytes: 0,
      contiguous: 0,
      acked: this.acks?.ackedByAll(author) ?? 0,
      processed: 0,
      equivocated: undefined,
    };
    this.authors.set(author, a);
    this.sorted = undefined;
    return a;
  }

  /** True for an event of this node some member has not acknowledged (evicted last). */
  private isOwnPending(a: AuthorEvents, seq: number): boolean {
    if (a.author !== this.self) return false;
    return seq > (this.acks === undefined ? a.acked : this.acks.ackedByAll(a.author));
  }

  private makeRoom(newest: AuthorEvents): void {
    const l = this.limits;
    while (count(newest) > l.maxEventsPerAuthor || newest.bytes > l.maxBytesPerAuthor) {
      this.evictAt(newest, newest.start, StoreEvictionReason.AuthorShare);
    }
    while (this.eventCount > l.maxEvents || this.byteCount > l.maxBytes) {
      const reason =
        this.eventCount > l.maxEvents ? StoreEvictionReason.Count : StoreEvictionReason.Bytes;
      if (!this.evictAcknowledged(reason)) this.evictOldest(reason);
    }
    this.compactFifo();
  }

  /** Evicts the oldest event of an author whose oldest every member acknowledged. */
  private evictAcknowledged(reason: StoreEvictionReason): boolean {
    for (const a of this.ackedAuthors) {
      if (count(a) > 0 && (a.seqs[a.start] as number) <= a.acked) {
        this.evictAt(a, a.start, reason);
        return true;
      }
      this.ackedAuthors.delete(a);
    }
    return false;
  }

  /**
   * Evicts the event stored longest ago (skipping entries of events already gone). This
   * node's unacknowledged events are passed over (moved to the back of the queue, once per
   * call): one of them goes only when nothing else is left.
   */
  private evictOldest(reason: StoreEvictionReason): void {
    const end = this.fifoAuthors.length;
    while (this.fifoStart < this.fifoAuthors.length) {
      const i = this.fifoStart++;
      const a = this.fifoAuthors[i] as AuthorEvents;
      const seq = this.fifoSeqs[i] as number;
      const stamp = this.fifoStamps[i] as number;
      const at = lowerBound(a, seq);
      if (at >= a.seqs.length || a.seqs[at] !== seq || a.stamps[at] !== stamp) continue;
      if (i < end && this.self !== undefined && this.isOwnPending(a, seq)) {
        this.fifoAuthors.push(a);
        this.fifoSeqs.push(seq);
        this.fifoStamps.push(stamp);
        continue;
      }
      this.evictAt(a, at, reason);
      return;
    }
  }

  private evictAt(a: AuthorEvents, at: number, reason: StoreEvictionReason): void {
    const seq = a.seqs[at] as number;
    const charged = (a.data[at] as Uint8Array).length + STORE_EVENT_OVERHEAD;
    const acknowledged = seq <= a.acked;
    if (this.self !== undefined && this.isOwnPending(a, seq)) {
      this.stats.evictedUnacknowledgedOwn++;
    }
    this.remove(a, at);
    a.bytes -= charged;
    this.byteCount -= charged;
    this.eventCount--;
    this.stats.evicted[reason]++;
    if (acknowledged) this.stats.evictedAcknowledged++;
    this.evictions.push({ author: a.author, seq, reason, acknowledged });
  }

  /** Takes index `at` out of `a`'s arrays. */
  private remove(a: AuthorEvents, at: number): void {
    a.equivocated?.delete(a.seqs[at] as number);
    if (at === a.start) {
      a.data[at] = EMPTY; // let the bytes go now; the slot goes at the next compaction
      a.start++;
      if (a.start > 64 && a.start * 2 > a.seqs.length) {
        a.seqs = a.seqs.slice(a.start);
        a.data = a.data.slice(a.start);
        a.stamps = a.stamps.slice(a.start);
        a.start = 0;
      }
    } else {
      a.seqs.splice(at, 1);
      a.data.splice(at, 1);
      a.stamps.splice(at, 1);
    }
    if (count(a) === 0 || (a.seqs[a.start] as number) > a.acked) this.ackedAuthors.delete(a);
  }

  /** Keeps the eviction queue within twice what is stored (it holds stale entries too). */
  private compactFifo(): void {
    const held = this.fifoAuthors.length - this.fifoStart;
    if (held <= 2 * this.eventCount + 1024) return;
    const authors: AuthorEvents[] = [];
    const seqs: number[] = [];
    const stamps: number[] = [];
    for (let i = this.fifoStart; i < this.fifoAuthors.length; i++) {
      const a = this.fifoAuthors[i] as AuthorEvents;
      const seq = this.fifoSeqs[i] as number;
      const at = lowerBound(a, seq);
      if (at < a.seqs.length && a.seqs[at] === seq && a.stamps[at] === this.fifoStamps[i]) {
        authors.push(a);
        seqs.push(seq);
        stamps.push(this.fifoStamps[i] as number);
      }
    }
    this.fifoAuthors = authors;
    this.fifoSeqs = seqs;
    this.fifoStamps = stamps;
    this.fifoStart = 0;
  }

  private report(): void {
    if (this.evictions.length === 0) return;
    for (const e of this.evictions.splice(0)) this.notify(this.listeners, e);
  }

  /** Calls each listener with `value`; one that throws is counted and does not stop the others. */
  private notify<T>(listeners: ReadonlySet<(value: T) => void>, value: T): void {
    for (const l of listeners) {
      try {
        l(value);
      } catch {
        this.stats.listenerErrors++;
      }
    }
  }

  /**
   * Every member holds `author`'s events up to `upTo` (from an {@link AckTable}, or by hand):
   * those are evicted first when the store is full.
   */
  acknowledged(author: NodeId, upTo: number): void {
    const a = this.authors.get(author);
    if (a === undefined || upTo <= a.acked) return;
    a.acked = upTo;
    if (count(a) > 0 && (a.seqs[a.start] as number) <= upTo) this.ackedAuthors.add(a);
  }

  /**
   * Calls `listener` once per (author, seq) held with a second, different, authentic event
   * offered (by `add`, or by the field it observes: any copy of a seq the store holds, which
   * the field then does not report itself: see {@link EquivocationReport}), synchronously,
   * before that call returns: when fed by a field it must not call back into the field. An
   * event the store no longer holds (evicted, forgotten, refused as oversized) cannot be
   * compared: a second version of it is not detected here. Returns its remover.
   *
   * @example
   * store.onEquivocation(({ author, seq }) => counters.equivocations++);
   */
  onEquivocation(listener: (report: EquivocationReport) => void): () => void {
    this.equivocationListeners.add(listener);
    return () => this.equivocationListeners.delete(listener);
  }

  /** Calls `listener` with every eviction. Returns its remover. */
  onEviction(listener: (eviction: StoreEviction) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- queries -------------------------------------------------------------------------

  /** The encoded event (author, seq), if stored (a view: copy it to keep it). */
  get(author: NodeId, seq: number): Uint8Array | undefined {
    const a = this.authors.get(author);
    if (a === undefined) return undefined;
    const at = indexOf(a, seq);
    return at < 0 ? undefined : a.data[at];
  }

  /** True when (author, seq) is stored. */
  has(author: NodeId, seq: number): boolean {
    return this.get(author, seq) !== undefined;
  }

  /** The seqs of `author` stored now, ascending. */
  seqsOf(author: NodeId): number[] {
    const a = this.authors.get(author);
    return a === undefined ? [] : a.seqs.slice(a.start);
  }

  /** Events stored. */
  get size(): number {
    return this.eventCount;
  }

  /** Charged bytes stored (encoded sizes + {@link STORE_EVENT_OVERHEAD} each). */
  get bytes(): number {
    return this.byteCount;
  }

  /** A copy of the counters. */
  counters(): StoreCounters {
    return { ...this.stats, evicted: { ...this.stats.evicted } };
  }

  /**
   * What this replica holds (see {@link Digest}): per author the highest seq held, and the
   * holes below it; authors in id order, so the same holdings give the same digest. The gap
   * budget (`maxGaps` ranges) is shared fairly between the authors with holes (max-min: an
   * equal share each, what one needs less going to the others); an author whose holes need
   * more than its share lists those that fit and has its head lowered to just below the first
   * seq left out (it then claims less than it holds, never more: a peer resends a little).
   * Non-integer or out-of-range options are an `OutOfRangeError`.
   */
  digest(options: DigestOptions = {}): Digest {
    const maxGapSpan = options.maxGapSpan ?? MAX_REPAIR_RANGE_SPAN;
    const maxGaps = options.maxGaps ?? MAX_REPAIR_RANGES;
    if (!Number.isSafeInteger(maxGapSpan) || maxGapSpan < 1) {
      throw new OutOfRangeError(`maxGapSpan ${maxGapSpan} is not a positive integer`);
    }
    if (!Number.isSafeInteger(maxGaps) || maxGaps < 0) {
      throw new OutOfRangeError(`maxGaps ${maxGaps} is not a non-negative integer`);
    }
    const authors = this.sortedAuthors();
    // Holes are counted up to an even share first; again, fully, only for an author whose
    // share might go beyond it (others needed less).
    const even = Math.ceil(maxGaps / Math.max(1, authors.length)) + 1;
    const needs = authors.map((a) => holeRanges(a, maxGapSpan, even, undefined));
    let shares = fairShares(needs, maxGaps);
    let recount = false;
    for (let i = 0; i < authors.length; i++) {
      if (needs[i] === even && shares[i] === even) {
        needs[i] = holeRanges(authors[i] as AuthorEvents, maxGapSpan, maxGaps + 1, undefined);
        recount = true;
      }
    }
    if (recount) shares = fairShares(needs, maxGaps);
    const heads = new Map<NodeId, number>();
    const gaps: SeqRange[] = [];
    for (let i = 0; i < authors.length; i++) {
      const a = authors[i] as AuthorEvents;
      const last = count(a) > 0 ? (a.seqs[a.seqs.length - 1] as number) : 0;
      const head = Math.max(a.contiguous, a.processed, last);
      if (head === 0) continue;
      const share = shares[i] as number;
      if ((needs[i] as number) <= share) {
        if (share > 0) holeRanges(a, maxGapSpan, share, gaps);
        heads.set(a.author, head);
      } else {
        // below the first seq its share leaves out
        heads.set(a.author, holeRanges(a, maxGapSpan, share, gaps) - 1);
      }
    }
    return { heads, gaps };
  }

  /** The authors in id order (sorted again only after a new author came). */
  private sortedAuthors(): AuthorEvents[] {
    if (this.sorted === undefined) {
      this.sorted = [...this.authors.values()].sort((x, y) => compareAscending(x.author, y.author));
    }
    return this.sorted;
  }

  /**
   * Exactly the stored events the digest's sender lacks (above its head for each author, or
   * in one of its gaps), a page at a time: each author's in seq order, authors interleaved in
   * the order they were stored (processing order when fed by the field, so the receiver can
   * apply them without waiting): the page takes the lacking event stored earliest next. A
   * malformed digest is a `MalformedDigestError`; `maxEvents` below 1, `maxBytes` not a
   * positive number or an `after` that is not a Map of seqs is an `OutOfRangeError`.
   *
   * @example
   * let page = store.missing(digest, { maxEvents: 256 });
   * send(page.events);
   * while (page.next) { page = store.missing(digest, { maxEvents: 256, after: page.next }); send(page.events); }
   */
  missing(digest: Digest, options: MissingOptions = {}): MissingPage {
    const d = checkDigest(digest, options.limits);
    const maxEvents = options.maxEvents ?? 1024;
    const maxBytes = options.maxBytes ?? 1024 * 1024;
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) {
      throw new OutOfRangeError(`maxEvents ${maxEvents} is not a positive integer`);
    }
    if (!(maxBytes >= 1) || !Number.isFinite(maxBytes)) {
      throw new OutOfRangeError(`maxBytes ${maxBytes} is not a positive number`);
    }
    const after = options.after;
    if (after !== undefined) checkAfter(after);
    const gapsByAuthor = new Map<NodeId, SeqRange[]>();
    for (const g of d.gaps) {
      if (!this.authors.has(g.author)) continue;
      let list = gapsByAuthor.get(g.author);
      if (list === undefined) gapsByAuthor.set(g.author, (list = []));
      list.push(g);
    }
    const heap: MissingCursor[] = [];
    for (const a of this.authors.values()) {
      if (count(a) === 0) continue;
      const head = d.heads.get(a.author) ?? 0;
      const ranges = lackingRanges(gapsByAuthor.get(a.author), head, after?.get(a.author) ?? 0);
      const cursor: MissingCursor = { events: a, ranges, range: 0, index: a.start };
      if (seek(cursor)) heapPush(heap, cursor);
    }
    const events: Uint8Array[] = [];
    const next = new Map<NodeId, number>(after ?? []);
    let bytes = 0;
    while (heap.length > 0 && events.length < maxEvents) {
      const c = heap[0] as MissingCursor;
      const data = c.events.data[c.index] as Uint8Array;
      if (events.length > 0 && bytes + data.length > maxBytes) break;
      events.push(data);
      bytes += data.length;
      next.set(c.events.author, c.events.seqs[c.index] as number);
      c.index++;
      if (seek(c)) heapSiftDown(heap, 0);
      else heapPop(heap);
    }
    return { events, next: heap.length > 0 ? next : undefined };
  }
}

const EMPTY = new Uint8Array(0);

/** True when `encoded` (a durable envelope's encoding) ends with `signature`. */
function sameSignature(encoded: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH) return false;
  const from = encoded.length - SIGNATURE_LENGTH;
  for (let i = 0; i < SIGNATURE_LENGTH; i++) if (encoded[from + i] !== signature[i]) return false;
  return true;
}

/**
 * Walks `a`'s holes above what it claims contiguously (stored, processed, or stored once
 * below the contiguous frontier), in ranges of at most `span` seqs. Without `out` it counts
 * the ranges, stopping at `limit`. With `out` it appends up to `limit` ranges and returns the
 * first seq it left out (Infinity when none).
 */
function holeRanges(
  a: AuthorEvents,
  span: number,
  limit: number,
  out: SeqRange[] | undefined,
): number {
  let n = 0;
  let expected = Math.max(a.contiguous, a.processed) + 1;
  let i = lowerBound(a, expected);
  while (i < a.seqs.length) {
    const s = a.seqs[i] as number;
    for (let from = expected; from < s; from += span) {
      if (n === limit) return out === undefined ? n : from;
      n++;
      out?.push({ author: a.author, from, to: Math.min(s - 1, from + span - 1) });
    }
    const end = runEnd(a, i);
    expected = (a.seqs[end] as number) + 1;
    i = end + 1;
  }
  return out === undefined ? n : Number.POSITIVE_INFINITY;
}

/**
 * Max-min fair shares of `budget` between `needs`: equal shares, what an author needs less
 * going to the others; units left when fewer than the authors still wanting go in order.
 */
function fairShares(needs: readonly number[], budget: number): number[] {
  const shares = needs.map(() => 0);
  let left = budget;
  let open = needs.reduce((n, x) => n + (x > 0 ? 1 : 0), 0);
  while (open > 0 && left > 0) {
    const each = Math.floor(left / open);
    for (let i = 0; i < needs.length && left > 0; i++) {
      const want = (needs[i] as number) - (shares[i] as number);
      if (want <= 0) continue;
      const give = Math.min(want, Math.max(each, 1));
      shares[i] = (shares[i] as number) + give;
      left -= give;
      if (give === want) open--;
    }
  }
  return shares;
}

/** `missing`'s `after`: a Map of seqs (each a page's `next`); anything else is an `OutOfRangeError`. */
function checkAfter(after: ReadonlyMap<NodeId, number>): void {
  if (!(after instanceof Map)) throw new OutOfRangeError("after must be a Map (a page's next)");
  for (const seq of after.values() as IterableIterator<unknown>) {
    if (!Number.isSafeInteger(seq) || (seq as number) < 0) {
      throw new OutOfRangeError(`after seq ${String(seq)} is not a seq`);
    }
  }
}

/**
 * The seq ranges a digest lacks for one author, above `after`: its gaps below its head
 * (sorted and merged), then everything above the head. Flattened [from, to, ...].
 */
function lackingRanges(gaps: SeqRange[] | undefined, head: number, after: number): number[] {
  const out: number[] = [];
  if (gaps !== undefined) {
    gaps.sort((x, y) => x.from - y.from);
    for (const g of gaps) {
      const from = Math.max(g.from, after + 1);
      const to = Math.min(g.to, head);
      if (from > to) continue;
      const n = out.length;
      if (n > 0 && from <= (out[n - 1] as number) + 1) {
        out[n - 1] = Math.max(out[n - 1] as number, to);
      } else out.push(from, to);
    }
  }
  out.push(Math.max(head, after) + 1, Number.MAX_SAFE_INTEGER);
  return out;
}

/** Moves the cursor to its next stored seq inside a lacking range; false when none is left. */
function seek(c: MissingCursor): boolean {
  const a = c.events;
  while (c.range < c.ranges.length) {
    const from = c.ranges[c.range] as number;
    const to = c.ranges[c.range + 1] as number;
    if (c.index >= a.seqs.length) return false;
    if ((a.seqs[c.index] as number) < from) c.index = lowerBound(a, from);
    if (c.index < a.seqs.length && (a.seqs[c.index] as number) <= to) return true;
    c.range += 2;
  }
  return false;
}

function stampOf(c: MissingCursor): number {
  return c.events.stamps[c.index] as number;
}

function heapPush(heap: MissingCursor[], c: MissingCursor): void {
  heap.push(c);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (stampOf(heap[parent] as MissingCursor) <= stampOf(c)) break;
    heap[i] = heap[parent] as MissingCursor;
    i = parent;
  }
  heap[i] = c;
}

function heapSiftDown(heap: MissingCursor[], i: number): void {
  const c = heap[i] as MissingCursor;
  const key = stampOf(c);
  for (;;) {
    const l = 2 * i + 1;
    if (l >= heap.length) break;
    const r = l + 1;
    const child =
      r < heap.length && stampOf(heap[r] as MissingCursor) < stampOf(heap[l] as MissingCursor)
        ? r
        : l;
    if (stampOf(heap[child] as MissingCursor) >= key) break;
    heap[i] = heap[child] as MissingCursor;
    i = child;
  }
  heap[i] = c;
}

function heapPop(heap: MissingCursor[]): void {
  const last = heap.pop() as MissingCursor;
  if (heap.length === 0) return;
  heap[0] = last;
  heapSiftDown(heap, 0);
}

/** A codec's refusal of its input (named, or a value of the wrong type), not a programming error. */
function refusedInput(e: unknown): boolean {
  return ElaraError.isInstance(e) || e instanceof TypeError;
}
