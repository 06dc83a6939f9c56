import {
  decodeEnvelope,
  type DurableEnvelope,
  ElaraError,
  type EphemeralEnvelope,
  envelopeSize,
  type EventEnvelope,
  type EventId,
  EventKind,
  type EventVerifier,
  MAX_DEPENDENCIES,
  type NodeId,
  nodeIdToHex,
  profileForEvent,
  type SessionId,
  type StateId,
  StateType,
} from '@elara/core';
import type { TimeView } from '@elara/time';
import { type AtomChange, ChangeCause } from './atom-change.ts';
import type { AtomSnapshot, FieldSnapshot } from './atom-snapshot.ts';
import type { AtomResolver, AtomSpec } from './atom-spec.ts';
import { AtomTable } from './atom-table.ts';
import type { AtomView } from './atom-view.ts';
import { decodeAuthorityChange, isAuthorityEventType } from './authority-change.ts';
import { scopeAllows } from './authority-scope.ts';
import type { CausalContext } from './causal-context.ts';
import { CausalTracker } from './causal-tracker.ts';
import { ChangeFeed } from './change-feed.ts';
import { compareAscending } from './compare-ascending.ts';
import { copyEnvelope, mutationValueLength } from './copy-envelope.ts';
import { LawKind } from './delta-law.ts';
import type { DurableObserver } from './durable-observer.ts';
import { encodingOf } from './envelope-encoding.ts';
import { isWellFormedEnvelope } from './envelope-shape.ts';
import type { EquivocationReport } from './equivocation-report.ts';
import type { EventStamp } from './event-stamp.ts';
import type { EvictionReport } from './eviction-report.ts';
import { FieldAtom } from './field-atom.ts';
import { fieldCounters, type FieldCounters } from './field-counters.ts';
import { DEFAULT_FIELD_LIMITS, type FieldLimits } from './field-limits.ts';
import { DurableLawContext, type EphemeralLawContext } from './law-contexts.ts';
import type { LawDelta } from './laws/law-delta.ts';
import { ObservedSet } from './laws/observed-set.ts';
import type { MembershipSource } from './membership-source.ts';
import { Outcome, rejected } from './outcome.ts';
import { type Eviction, Quarantine, type QuarantinedEvent } from './quarantine.ts';
import { takeToken, type TokenBucket, tokenBucket } from './rate-limiter.ts';
import { RejectionReason } from './rejection-reason.ts';
import { sameBytes } from './same-bytes.ts';
import { sameSignedContent } from './signed-content.ts';
import { seenMark, seenStatus } from './seen-window.ts';
import { decodeSetOp, type SetOp } from './set-op.ts';
import { dependencyProblem, firstMissing } from './stages/causality.ts';
import {
  agedEntropy,
  CORE_ENTROPY_STEP,
  DivergenceAction,
  divergenceAction,
} from './stages/divergence-control.ts';
import { type SignatureCheck, signatureCheck } from './stages/signature-check.ts';
import { durableTooEarly, Placement, placeEphemeral } from './stages/temporal-placement.ts';
import { LocalEventRejectedError, LocalSequenceError } from './state-errors.ts';

/** What a {@link StateField} is built from; the runtime composes it. */
export interface StateFieldConfig {
  /** The session whose events this field holds (bound into every signature). */
  readonly session: SessionId;
  /** This node: the author of local events. */
  readonly self: NodeId;
  /** τs, the reality window and correction weights (`TimeEngine`, or a fixed view in tests). */
  readonly time: TimeView;
  /** Checks durable events' signatures; state never imports crypto. */
  readonly verifier: EventVerifier;
  /** Declares atoms on demand (atoms can also be declared with `define`). */
  readonly resolve?: AtomResolver;
  /** Who is a member, for atoms whose policy lets members write. */
  readonly membership?: MembershipSource;
  /**
   * Components that follow durable events as the field processes them (the membership log,
   * the event store): see {@link DurableObserver}.
   */
  readonly observers?: readonly DurableObserver[];
  readonly limits?: Partial<FieldLimits>;
}

/** Where an event came from, when the runtime knows. */
export interface ReceiveContext {
  /** The member whose channel delivered it (ephemeral events must come from their author). */
  readonly from?: NodeId;
}

/** What one `expire` call did. */
export interface ExpireReport {
  /** Ephemeral entries whose TTL passed. */
  readonly expired: number;
  /** Held events released (applied or refused). */
  readonly released: number;
  /** Events evicted from quarantine for their age. */
  readonly evicted: number;
}

interface AuthorRecord {
  readonly id: NodeId;
  /** Highest seq processed contiguously from 1. */
  processed: number;
  /** Effective τs of the latest processed event. */
  time: number;
  bucket: TokenBucket | undefined;
  /** Signature of the latest processed durable event (to detect equivocation at it). */
  signature: Uint8Array | undefined;
  /**
   * The seq last reported as equivocated while it was the latest processed one (by the field
   * or an observer), -1 for none: it still counts while it equals `processed`.
   */
  equivocated: number;
}

interface MutableStamp {
  author: NodeId;
  number: number;
  time: number;
  kind: EventKind;
  weight: number;
}

/**
 * The state field of one session: its atoms, and the reconciliation of events into them.
 *
 * Every event passes the stages in order: authority (signature for durable events, through the
 * injected verifier; then owner / delegate scope / membership, judged against the event's
 * causal past), causality (durable events wait in quarantine for their author's previous event
 * and their dependencies, and are released the moment those are processed), temporal
 * placement (ephemeral events only: too early waits, late within the correction horizon
 * merges, too old is dropped; durable events are placed causally whatever their age), the
 * atom's delta law, and divergence control (at `expire`). Local events apply at once
 * (`applyLocal`). Changes are delivered to listeners synchronously after each call.
 *
 * Synchronous and RxJS-free; time comes from the {@link TimeView}. Bad input is refused with a
 * named reason and counted, never thrown; the field's tables are bounded by {@link FieldLimits},
 * each atom's content by its law's bounds (see the README for the memory this amounts to).
 *
 * @example
 * const field = new StateField({ session, self: me, time, verifier });
 * field.define(chat, { stateType: StateType.Core, law: DeltaLaw.appendLog(),
 *   authority: { owners: [me], members: AuthorityScope.Append } });
 * field.onChange((c) => render(c));
 * field.receiveBytes(envelopeBytes, { from: peer }); // { status: 'applied' } | ...
 * field.expire(); // each tick: TTLs, held events, quarantine age, divergence
 */
export class StateField {
  readonly session: SessionId;
  readonly self: NodeId;
  readonly limits: FieldLimits;
  private readonly time: TimeView;
  private readonly membership: MembershipSource | undefined;
  private readonly observers: readonly DurableObserver[];
  private readonly checkSignature: SignatureCheck;
  private readonly table: AtomTable;
  private readonly durableContext = new DurableLawContext((author) => this.processedOf(author));
  private readonly authors = new Map<NodeId, AuthorRecord>();
  private readonly tracker: CausalTracker;
  /** Grants and revocations watched (observers' watched events have their own budgets). */
  private authorityWatched = 0;
  /** Held durable events whose author's key is not known yet: verified when released. */
  private readonly unverified = new Set<EventEnvelope>();
  /** Quarantined copies whose (author, seq) was reported as equivocated (they go with them). */
  private readonly equivocatedHeld = new WeakSet<EventEnvelope>();
  private readonly quarantine: Quarantine;
  private readonly stats = fieldCounters();
  private readonly feed = new ChangeFeed(() => this.stats.listenerErrors++);
  /** Durable events processed since the quarantine was last consulted (author, seq pairs). */
  private readonly processedAuthors: NodeId[] = [];
  private readonly processedSeqs: number[] = [];
  private draining = false;
  private lastExpire: number | undefined = undefined;
  /**
   * The latest `now` TTLs were expired at (it may run ahead of `time.now()`): an ephemeral
   * event whose TTL passed by then is refused, or it would come back after its entry expired.
   */
  private expiredAt = Number.NEGATIVE_INFINITY;
  /** `processedOf` as a value, made once (the causality stage calls it for every event). */
  private readonly processedFn = (author: NodeId): number => this.processedOf(author);
  private readonly stamp: MutableStamp = {
    author: 0n as NodeId,
    number: 0,
    time: 0,
    kind: EventKind.Durable,
    weight: 1,
  };

  constructor(config: StateFieldConfig) {
    this.session = config.session;
    this.self = config.self;
    this.time = config.time;
    this.membership = config.membership;
    this.limits = { ...DEFAULT_FIELD_LIMITS, ...config.limits };
    this.table = new AtomTable(
      this.limits,
      config.resolve,
      (id, spec, defined) => new FieldAtom(id, spec, defined, this.durableContext, this.time.now()),
    );
    this.checkSignature = signatureCheck(config.session, config.verifier);
    this.observers = config.observers ?? [];
    let budget = this.limits.maxAuthorityChanges;
    for (const o of this.observers) budget += o.watchBudget ?? 0;
    this.tracker = new CausalTracker(budget);
    for (const o of this.observers) {
      o.attach?.((a, s, id) => this.tracker.contains(a, s, id), this.self, this.checkSignature);
    }
    this.quarantine = new Quarantine({
      maxEvents: this.limits.quarantineEvents,
      maxBytes: this.limits.quarantineBytes,
      maxAgeUs: this.limits.quarantineAgeUs,
      maxPerAuthor: this.limits.quarantinePerAuthor,
      // never above the whole quarantine (a test may shrink quarantineBytes alone)
      maxPerAuthorBytes: Math.min(
        this.limits.quarantinePerAuthorBytes,
        this.limits.quarantineBytes,
      ),
    });
  }

  // ---- atoms ---------------------------------------------------------------------------

  /**
   * Declares an atom (do the same on every replica). A spec that cannot be used, an atom
   * already held, or one past `maxAtoms` is an {@link AtomDefinitionError}.
   */
  define(id: StateId, spec: AtomSpec): AtomView {
    const atom = this.table.define(id, spec);
    // Durable events for it may be waiting in quarantine.
    if (atom.waiting > 0) {
      this.releaseTimed(this.time.now());
      this.settle();
    }
    return atom;
  }

  /** The atom `id`, if the field holds it. */
  atom(id: StateId): AtomView | undefined {
    return this.table.get(id);
  }

  /** Every atom held, by id. */
  atomIds(): StateId[] {
    return this.table.ids();
  }

  // ---- events --------------------------------------------------------------------------

  /**
   * Reconciles one event from another node. Its bytes may be views into a datagram: what
   * the field keeps is copied. Never throws on bad input: an object that is not a well-formed
   * envelope (fields out of range, a mutation the codec would not encode) is `Malformed`.
   */
  receive(envelope: EventEnvelope, context?: ReceiveContext): Outcome {
    this.stats.received++;
    if (!isWellFormedEnvelope(envelope)) return this.reject(RejectionReason.Malformed);
    return this.reconcile(envelope, undefined, context);
  }

  /**
   * Decodes one encoded v1 envelope (exactly its bytes) and reconciles it; bytes that do not
   * decode are refused as `Malformed`. A durable event's signature is checked over these very
   * bytes.
   */
  receiveBytes(bytes: Uint8Array, context?: ReceiveContext): Outcome {
    this.stats.received++;
    let envelope: EventEnvelope;
    try {
      envelope = decodeEnvelope(bytes);
    } catch (e) {
      if (!ElaraError.isInstance(e)) throw e;
      return this.reject(RejectionReason.Malformed);
    }
    return this.reconcile(envelope, bytes, context);
  }

  private reconcile(
    envelope: EventEnvelope,
    raw: Uint8Array | undefined,
    context: ReceiveContext | undefined,
  ): Outcome {
    const outcome =
      envelope.kind === EventKind.Durable
        ? this.receiveDurable(envelope, raw)
        : this.receiveEphemeral(envelope, context?.from, false);
    this.settle();
    return outcome;
  }

  /**
   * Applies one of this node's own events at once (local-first), before it is sent: no
   * signature check, no waiting, no temporal placement. A durable one must carry the next seq
   * of `self` and name only processed dependencies ({@link LocalSequenceError} otherwise); an
   * event the field refuses is a {@link LocalEventRejectedError} and changes nothing.
   */
  applyLocal(envelope: EventEnvelope): Outcome {
    if (!isWellFormedEnvelope(envelope)) {
      throw new LocalEventRejectedError(RejectionReason.Malformed);
    }
    if (envelope.author !== this.self) {
      throw new LocalSequenceError(`a local event must be authored by ${nodeIdToHex(this.self)}`);
    }
    let outcome: Outcome;
    if (envelope.kind === EventKind.Durable) {
      const rec = this.authorRecord(envelope.author);
      if (rec === undefined) throw new LocalEventRejectedError(RejectionReason.TooManyAuthors);
      if (envelope.seq !== rec.processed + 1) {
        throw new LocalSequenceError(`local seq ${envelope.seq}, expected ${rec.processed + 1}`);
      }
      for (const d of envelope.dependencies) {
        if (this.processedOf(d.author) < d.seq) {
          throw new LocalSequenceError(`dependency ${nodeIdToHex(d.author)}#${d.seq} not applied`);
        }
      }
      outcome = this.processDurable(envelope, rec, true);
    } else {
      outcome = this.receiveEphemeral(envelope, undefined, true);
    }
    this.stats.local++;
    this.settle();
    return outcome;
  }

  /**
   * Housekeeping at τs `now` (the runtime calls it every tick): ephemeral entries whose TTL
   * passed disappear; held events whose time came are released; quarantined events older
   * than `quarantineAgeUs` are evicted and reported; entropy ages and divergence control runs.
   */
  expire(now: number = this.time.now()): ExpireReport {
    let expired = 0;
    if (now > this.expiredAt) this.expiredAt = now;
    for (const atom of this.table.values()) {
      if (atom.state instanceof ObservedSet && atom.state.pendingCount > 0) {
        atom.state.prune(atom.context);
      }
      if (atom.state.kind !== LawKind.Ephemeral) continue;
      for (const delta of atom.state.expire(now)) {
        expired++;
        this.emit(atom, ChangeCause.Expired, undefined, false, delta);
      }
    }
    this.stats.expired += expired;
    const released = this.releaseTimed(now);
    const aged = this.quarantine.evictAged(now);
    this.reportEvictions(aged);
    this.controlDivergence(now);
    this.settle();
    return { expired, released, evicted: aged.length };
  }

  // ---- listeners -----------------------------------------------------------------------

  /**
   * Calls `listener` with every change, after the call that caused it. Returns a function that
   * removes it. A listener that throws is counted (`listenerErrors`) and does not disturb the
   * field.
   */
  onChange(listener: (change: AtomChange) => void): () => void {
    return this.feed.onChange(listener);
  }

  /** Calls `listener` with every eviction from quarantine (request a repair for it). */
  onEviction(listener: (report: EvictionReport) => void): () => void {
    return this.feed.onEviction(listener);
  }

  /**
   * Calls `listener` once per (author, seq) seen signed by its author as two different durable
   * events (the first kept; see {@link EquivocationReport}), against a copy held in quarantine
   * or the author's latest processed event, when no observer compares it: an event store
   * observing the field compares what it holds and reports it itself
   * (`EventStore.onEquivocation`), never both.
   */
  onEquivocation(listener: (report: EquivocationReport) => void): () => void {
    return this.feed.onEquivocation(listener);
  }

  // ---- queries -------------------------------------------------------------------------

  /** A copy of the counters. */
  counters(): FieldCounters {
    let dropped = 0;
    for (const atom of this.table.values()) dropped += atom.state.dropped;
    return { ...this.stats, dropped, rejected: { ...this.stats.rejected } };
  }

  /** The highest seq of `author` processed contiguously from 1 (0 when none). */
  processedOf(author: NodeId): number {
    return this.authors.get(author)?.processed ?? 0;
  }

  /** Highest processed seq per author (a digest of what this replica has). */
  frontier(): Map<NodeId, number> {
    const out = new Map<NodeId, number>();
    for (const r of this.authors.values()) if (r.processed > 0) out.set(r.id, r.processed);
    return out;
  }

  /**
   * Dependencies for this node's next durable event: the latest processed event of up to
   * `max` other authors, most recent first.
   */
  heads(max: number = MAX_DEPENDENCIES): EventId[] {
    return [...this.authors.values()]
      .filter((r) => r.processed > 0 && r.id !== this.self)
      .sort((a, b) => b.time - a.time || compareAscending(a.id, b.id))
      .slice(0, Math.max(0, max))
      .map((r) => ({ author: r.id, seq: r.processed }));
  }

  /** What waits in quarantine: events, bytes, and those waiting for their time. */
  quarantineStats(): { readonly events: number; readonly bytes: number; readonly timed: number } {
    return {
      events: this.quarantine.size,
      bytes: this.quarantine.bytes,
      timed: this.quarantine.timedCount,
    };
  }

  /** The canonical form of one atom (undefined when not held). */
  snapshotAtom(id: StateId): AtomSnapshot | undefined {
    const atom = this.table.get(id);
    if (atom === undefined) return undefined;
    const version = [...atom.version.entries()]
      .sort(([a], [b]) => compareAscending(a, b))
      .map(([a, seq]) => [nodeIdToHex(a), seq] as const);
    return {
      id: `0x${id.toString(16).padStart(16, '0')}`,
      stateType: atom.spec.stateType,
      law: atom.state.kind,
      version,
      authority: atom.authority.snapshot(),
      value: atom.state.snapshot(),
    };
  }

  /**
   * The canonical form of the field: every atom defined here or written to, by id. Two
   * replicas that applied the same events have equal snapshots.
   */
  snapshot(): FieldSnapshot {
    const atoms: AtomSnapshot[] = [];
    for (const id of this.atomIds()) {
      const atom = this.table.get(id) as FieldAtom;
      if (atom.defined || atom.applied > 0) atoms.push(this.snapshotAtom(id) as AtomSnapshot);
    }
    return { atoms };
  }

  // ---- durable events ------------------------------------------------------------------

  private receiveDurable(envelope: DurableEnvelope, raw: Uint8Array | undefined): Outcome {
    let rec = this.authors.get(envelope.author);
    const held =
      this.quarantine.size > 0
        ? this.quarantine.heldDurable(envelope.author, envelope.seq)
        : undefined;
    if (held !== undefined && this.unverified.has(held.envelope)) {
      const outcome = this.againUnverified(held, envelope, raw);
      if (outcome !== undefined) return outcome;
      // authentic (verified there), and the forgery it replaces is gone
      if (rec !== undefined && envelope.seq <= rec.processed) {
        this.stats.duplicates++;
        return Outcome.Duplicate;
      }
    } else {
      if ((rec !== undefined && envelope.seq <= rec.processed) || held !== undefined) {
        this.again(envelope, raw, rec, held);
        this.stats.duplicates++;
        return Outcome.Duplicate;
      }
      const bad = this.checkSignature(envelope, raw);
      if (bad !== undefined) return this.holdUnverified(envelope, bad) ?? this.reject(bad);
    }
    rec ??= this.authorRecord(envelope.author);
    if (rec === undefined) return this.reject(RejectionReason.TooManyAuthors);
    if (durableTooEarly(envelope.time, this.time.now(), this.limits.maxClockLeadUs)) {
      return this.hold(envelope, undefined);
    }
    const missing = firstMissing(envelope, this.processedFn) ?? this.observedMissing(envelope);
    if (missing !== undefined) return this.hold(envelope, missing);
    // An atom not declared yet may be declared soon (define): the event waits (bounded, its
    // eviction reported) instead of consuming its seq for good.
    if (this.table.lookup(envelope.target) === RejectionReason.UnknownAtom) {
      return this.hold(envelope, undefined);
    }
    return this.processDurable(envelope, rec, false);
  }

  /**
   * An event whose signature fails because no observer knows its author's key yet (a joiner's
   * first event may arrive before the entry that adds it) waits, unverified, for the
   * dependency it lacks, within one author's quarantine share for all such events; it is
   * verified when released. Undefined when it may not wait.
   */
  private holdUnverified(envelope: DurableEnvelope, bad: RejectionReason): Outcome | undefined {
    if (bad !== RejectionReason.BadSignature || !this.signerUnknown(envelope.author)) return;
    if (this.unverified.size >= this.limits.quarantinePerAuthor) return;
    const missing = firstMissing(envelope, this.processedFn);
    if (missing === undefined) return;
    return this.hold(envelope, missing, true);
  }

  private signerUnknown(author: NodeId): boolean {
    return this.observers.some((o) => o.knowsSigner?.(author) === false);
  }

  /**
   * Another copy of an event waiting unverified (its author's key was unknown): never compared
   * with it, which may be a forgery. The new copy is verified; when authentic, the held one is
   * verified now too: a forgery is dropped (refused, counted) and the authentic copy goes on in
   * its place (undefined: the caller holds or processes it); an authentic one stays (the first
   * is kept), held by the observers from now on, and the two are compared as usual.
   */
  private againUnverified(
    held: QuarantinedEvent,
    envelope: DurableEnvelope,
    raw: Uint8Array | undefined,
  ): Outcome | undefined {
    const copy = held.envelope as DurableEnvelope;
    if (
      sameBytes(copy.signature, envelope.signature) ||
      this.checkSignature(envelope, raw) !== undefined
    ) {
      this.stats.duplicates++;
      return Outcome.Duplicate;
    }
    this.unverified.delete(copy);
    const bad =
      this.checkSignature(copy, undefined) ??
      (this.authorRecord(copy.author) === undefined ? RejectionReason.TooManyAuthors : undefined);
    if (bad !== undefined) {
      this.unquarantine(held);
      this.reject(bad);
      return undefined;
    }
    for (const o of this.observers) o.held?.(copy);
    this.again(envelope, raw, this.authors.get(envelope.author), held);
    this.stats.duplicates++;
    return Outcome.Duplicate;
  }

  /**
   * Another copy of a durable event whose seq is processed, or held (authentic) in quarantine.
   * An observer holding that event (the event store) compares it first, by content, and
   * reports an equivocation itself; failing that the field does, against the held copy or the
   * author's latest processed signature (an older seq: nobody can). Each (author, seq) is
   * reported once between them: the field marks the held copy or the author's latest seq, and
   * tells the observers ({@link DurableObserver.equivocated}).
   */
  private again(
    envelope: DurableEnvelope,
    raw: Uint8Array | undefined,
    rec: AuthorRecord | undefined,
    held: QuarantinedEvent | undefined,
  ): void {
    const latest = held === undefined && rec !== undefined && envelope.seq === rec.processed;
    const known =
      held !== undefined
        ? (held.envelope as DurableEnvelope).signature
        : latest
          ? rec.signature
          : undefined;
    if (known !== undefined && sameBytes(known, envelope.signature)) return; // the same event
    if (
      held !== undefined
        ? this.equivocatedHeld.has(held.envelope)
        : latest && rec.equivocated === rec.processed
    ) {
      return; // reported already
    }
    let verdict: boolean | undefined;
    for (const o of this.observers) {
      const v = o.repeated?.(envelope, raw);
      if (v !== undefined) verdict = verdict === true || v;
    }
    if (verdict === undefined && known !== undefined) {
      verdict = this.checkEquivocation(envelope, raw, held);
    }
    if (verdict !== true) return;
    if (held !== undefined) this.equivocatedHeld.add(held.envelope);
    else if (latest) rec.equivocated = rec.processed;
  }

  /**
   * A copy with another signature of an (author, seq) the field holds or just processed,
   * compared by the field itself: the same event when its content is that of the held copy
   * (the latest seq's content is not kept: only its signature), else an equivocation
   * (reported) if it is signed.
   */
  private checkEquivocation(
    envelope: DurableEnvelope,
    raw: Uint8Array | undefined,
    held: QuarantinedEvent | undefined,
  ): boolean {
    if (
      held !== undefined &&
      sameSignedContent(encodingOf(held.envelope), raw ?? encodingOf(envelope))
    ) {
      return false;
    }
    if (this.checkSignature(envelope, raw) !== undefined) return false; // a forgery, not the author
    this.stats.equivocations++;
    this.feed.equivocation({ author: envelope.author, seq: envelope.seq });
    for (const o of this.observers) o.equivocated?.(envelope.author, envelope.seq);
    return true;
  }

  /**
   * Processes a causally ready durable event: judges it, applies it or refuses it, and in
   * either case (unless local) consumes its seq, so every replica walks the author's chain
   * alike. A local event that is refused throws and consumes nothing.
   */
  private processDurable(envelope: DurableEnvelope, rec: AuthorRecord, local: boolean): Outcome {
    const verdict = this.judgeDurable(envelope, rec);
    if (typeof verdict === 'string') {
      if (local) throw new LocalEventRejectedError(verdict);
      this.advance(envelope, rec);
      return this.reject(verdict);
    }
    const atom = verdict;
    const stamp = this.stamp;
    stamp.author = rec.id;
    stamp.number = envelope.seq;
    stamp.time = envelope.time > rec.time ? envelope.time : rec.time;
    stamp.kind = EventKind.Durable;
    stamp.weight = 1;
    let delta: LawDelta | undefined;
    let cause: ChangeCause = ChangeCause.Event;
    if (isAuthorityEventType(envelope.eventType)) {
      const id = { author: rec.id, seq: envelope.seq };
      if (this.tracker.watch(id)) this.authorityWatched++;
      atom.authority.record(id, decodeAuthorityChange(envelope.eventType, envelope.mutation));
      cause = ChangeCause.Authority;
    } else {
      const report = this.feed.reporting;
      const result = atom.state.apply(stamp, envelope.mutation, atom.context, report);
      if (typeof result === 'string') {
        if (local) throw new LocalEventRejectedError(result);
        this.advance(envelope, rec);
        return this.reject(result);
      }
      delta = result;
      for (const o of this.observers) {
        if (o.watches?.(atom.id) !== true) continue;
        this.tracker.watch({ author: rec.id, seq: envelope.seq });
        o.applied?.(envelope);
      }
    }
    this.advance(envelope, rec);
    atom.version.set(rec.id, envelope.seq);
    this.touch(atom, stamp.time);
    this.stats.applied++;
    if (delta !== undefined || cause === ChangeCause.Authority) {
      this.emit(atom, cause, stamp, local, delta);
    }
    return Outcome.Applied;
  }

  /** The authority stage (and the checks of the atom and law): the atom, or why not. */
  private judgeDurable(envelope: DurableEnvelope, rec: AuthorRecord): FieldAtom | RejectionReason {
    const atom = this.table.lookup(envelope.target);
    if (typeof atom === 'string') return atom;
    const future = dependencyProblem(envelope);
    if (future !== undefined) return future;
    // Authority changes are durable whatever the atom's kind: they are how a Perceptual
    // atom's delegates are granted and revoked.
    if (isAuthorityEventType(envelope.eventType)) {
      if (!atom.authority.isOwner(rec.id)) return RejectionReason.Unauthorized;
      try {
        decodeAuthorityChange(envelope.eventType, envelope.mutation);
      } catch (e) {
        if (!ElaraError.isInstance(e)) throw e;
        return RejectionReason.MalformedPayload;
      }
      if (this.authorityWatched >= this.limits.maxAuthorityChanges) {
        return RejectionReason.TooManyAuthorityChanges;
      }
      return this.observerVerdict(envelope) ?? this.table.admit(atom, rec.id);
    }
    if (atom.kind !== EventKind.Durable) return RejectionReason.KindMismatch;
    const context = this.tracker.context(rec.id, envelope.seq, envelope.dependencies);
    const judged = this.judgeWrite(atom, rec.id, envelope, context);
    if (typeof judged === 'string') return judged;
    return this.observerVerdict(envelope) ?? this.table.admit(judged, rec.id);
  }

  /** The observers' part of the authority stage (see {@link DurableObserver.judge}). */
  private observerVerdict(envelope: DurableEnvelope): RejectionReason | undefined {
    if (this.observers.length === 0) return undefined;
    const { author, seq, dependencies } = envelope;
    const context = this.tracker.context(author, seq, dependencies);
    for (const o of this.observers) {
      const watched = o.watches?.(envelope.target) === true;
      if (watched && this.tracker.size >= this.tracker.maxWatched) {
        return RejectionReason.TooManyAuthorityChanges;
      }
      const reason = o.judge?.(envelope, context);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  /** Law, size and scope checks common to both kinds. */
  private judgeWrite(
    atom: FieldAtom,
    author: NodeId,
    envelope: EventEnvelope,
    context: CausalContext | undefined,
  ): FieldAtom | RejectionReason {
    const op = atom.state.opOf(envelope.mutation);
    if (op === 0) return RejectionReason.UnsupportedOp;
    if (mutationValueLength(envelope.mutation) > atom.maxValueBytes) {
      return RejectionReason.Oversized;
    }
    const scope = atom.authority.scopeOf(author, context, this.tracker, this.membership);
    if (scope === 0) return RejectionReason.Unauthorized;
    if (!scopeAllows(scope, op)) return RejectionReason.OutOfScope;
    return atom;
  }

  /** Consumes a durable event's seq (applied or refused) and notes it for the quarantine. */
  private advance(envelope: DurableEnvelope, rec: AuthorRecord): void {
    rec.processed = envelope.seq;
    // reused: one copy per author, not one allocation per event
    const sig = envelope.signature;
    if (rec.signature?.length === sig.length) rec.signature.set(sig);
    else rec.signature = sig.slice();
    if (envelope.time > rec.time) rec.time = envelope.time;
    this.tracker.record(rec.id, envelope.seq, envelope.dependencies);
    for (const o of this.observers) o.processed?.(envelope);
    if (this.quarantine.size > 0) {
      this.processedAuthors.push(rec.id);
      this.processedSeqs.push(envelope.seq);
    }
  }

  /**
   * For a durable set operation, the first operation it observed that is not processed yet:
   * observed operations are causal prerequisites, so the set never keeps a pending
   * retirement for a durable operation (one that may be refused, or never exist, on some
   * replicas). The author's own later seqs are left to the law (they follow in chain order).
   */
  private observedMissing(envelope: DurableEnvelope): EventId | undefined {
    const m = envelope.mutation;
    if (m.type !== 'merge') return undefined;
    const law = this.table.specOf(envelope.target)?.law;
    if (law?.kind !== LawKind.AddWinsSet && law?.kind !== LawKind.RemoveWinsSet) return undefined;
    let op: SetOp;
    try {
      op = decodeSetOp(m.data);
    } catch {
      return undefined; // the law refuses it
    }
    for (const t of op.observed) {
      if (t.author !== envelope.author && this.processedOf(t.author) < t.number) {
        return { author: t.author, seq: t.number };
      }
    }
    return undefined;
  }

  /** Releases quarantined events whose dependencies were just processed, transitively. */
  private drainReleases(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let i = 0; i < this.processedAuthors.length; i++) {
        const id = {
          author: this.processedAuthors[i] as NodeId,
          seq: this.processedSeqs[i] as number,
        };
        for (const q of this.quarantine.takeWaiting(id)) this.retry(q);
      }
    } finally {
      this.processedAuthors.length = 0;
      this.processedSeqs.length = 0;
      this.draining = false;
    }
  }

  /** Re-examines a released durable event: it waits again, or is processed now. */
  private retry(q: QuarantinedEvent): void {
    const envelope = q.envelope as DurableEnvelope;
    if (this.unverified.has(envelope) && !this.verifyReleased(q)) return;
    const missing = firstMissing(envelope, this.processedFn) ?? this.observedMissing(envelope);
    if (missing !== undefined) {
      this.quarantine.wait(q, missing);
      return;
    }
    if (this.table.lookup(envelope.target) === RejectionReason.UnknownAtom) {
      this.quarantine.wait(q, undefined);
      return;
    }
    this.unquarantine(q);
    const rec = this.authors.get(envelope.author) as AuthorRecord;
    if (envelope.seq <= rec.processed) {
      this.stats.duplicates++;
      return;
    }
    this.stats.released++;
    this.processDurable(envelope, rec, false);
    if (this.equivocatedHeld.has(envelope)) {
      // reported while it waited: its seq is the latest now, and observers hold it again
      rec.equivocated = envelope.seq;
      for (const o of this.observers) o.equivocated?.(rec.id, envelope.seq);
    }
  }

  /**
   * A released event that waited unverified: it waits again while its author's key is still
   * unknown and a dependency is missing; otherwise it is verified now (refused, and dropped,
   * when the signature fails). True when it goes on as an authentic event.
   */
  private verifyReleased(q: QuarantinedEvent): boolean {
    const envelope = q.envelope as DurableEnvelope;
    const missing = firstMissing(envelope, this.processedFn);
    if (missing !== undefined && this.signerUnknown(envelope.author)) {
      this.quarantine.wait(q, missing);
      return false;
    }
    this.unverified.delete(envelope);
    const bad =
      this.checkSignature(envelope, undefined) ??
      (this.authorRecord(envelope.author) === undefined
        ? RejectionReason.TooManyAuthors
        : undefined);
    if (bad !== undefined) {
      this.unquarantine(q);
      this.reject(bad);
      return false;
    }
    for (const o of this.observers) o.held?.(envelope);
    return true;
  }

  // ---- ephemeral events ----------------------------------------------------------------

  private receiveEphemeral(
    envelope: EphemeralEnvelope,
    from: NodeId | undefined,
    local: boolean,
  ): Outcome {
    const refuse = (reason: RejectionReason): Outcome => {
      if (local) throw new LocalEventRejectedError(reason);
      return this.reject(reason);
    };
    if (from !== undefined && from !== envelope.author) {
      return refuse(RejectionReason.NotFromAuthor);
    }
    const now = this.time.now();
    // A known author's flood is refused before anything is looked up or built.
    let rec = this.authors.get(envelope.author);
    if (!local && rec !== undefined && !this.takeEphemeralToken(rec, now)) {
      return refuse(RejectionReason.RateLimited);
    }
    const atom = this.table.lookup(envelope.target);
    if (typeof atom === 'string') return refuse(atom);
    if (atom.kind !== EventKind.Ephemeral) return refuse(RejectionReason.KindMismatch);
    const judged = this.judgeWrite(atom, envelope.author, envelope, undefined);
    if (typeof judged === 'string') return refuse(judged);
    if (rec === undefined) {
      rec = this.authorRecord(envelope.author);
      if (rec === undefined) return refuse(RejectionReason.TooManyAuthors);
      if (!local && !this.takeEphemeralToken(rec, now)) return refuse(RejectionReason.RateLimited);
    }
    const window = (atom.ephemeral as EphemeralLawContext).window(rec.id);
    const status = seenStatus(window, envelope.counter);
    if (status === 'duplicate') {
      if (local) throw new LocalSequenceError(`counter ${envelope.counter} already used`);
      this.stats.duplicates++;
      return Outcome.Duplicate;
    }
    if (status === 'stale') return refuse(RejectionReason.StaleCounter);
    const admitted = this.table.admit(atom, rec.id);
    if (typeof admitted === 'string') return refuse(admitted);
    if (local) {
      // Marked only once applied: a refused local event (it throws) leaves its counter free.
      const outcome = this.applyEphemeral(atom, rec, envelope, 1, now, true);
      seenMark(window, envelope.counter);
      return outcome;
    }
    seenMark(window, envelope.counter);
    const placed = placeEphemeral(envelope.time, profileForEvent(envelope.eventType), this.time);
    if (placed.placement === Placement.Drop) {
      this.settleEphemeral(atom, rec.id, envelope.counter, false);
      return this.reject(RejectionReason.TooLate);
    }
    if (placed.placement === Placement.Hold) {
      const outcome = this.hold(envelope, undefined);
      if (outcome.status === 'held') atom.ephemeral?.hold(rec.id, envelope.counter);
      else this.settleEphemeral(atom, rec.id, envelope.counter, false);
      return outcome;
    }
    return this.applyEphemeral(atom, rec, envelope, placed.weight, now, false);
  }

  /** Takes one of the author's ephemeral tokens (false: rate-limited). */
  private takeEphemeralToken(rec: AuthorRecord, now: number): boolean {
    const { ephemeralRatePerSecond: rate, ephemeralBurst: burst } = this.limits;
    rec.bucket ??= tokenBucket(burst, now);
    return takeToken(rec.bucket, now, rate, burst);
  }

  /**
   * An ephemeral event seen here is done with: no longer held, and when it was not applied,
   * no set keeps a pending retirement for it (it will never arrive).
   */
  private settleEphemeral(
    atom: FieldAtom,
    author: NodeId,
    counter: number,
    applied: boolean,
  ): void {
    atom.ephemeral?.release(author, counter);
    if (!applied && atom.state instanceof ObservedSet) atom.state.forget(author, counter);
  }

  private applyEphemeral(
    atom: FieldAtom,
    rec: AuthorRecord,
    envelope: EphemeralEnvelope,
    weight: number,
    now: number,
    local: boolean,
  ): Outcome {
    if (
      atom.state.kind === LawKind.Ephemeral &&
      envelope.time + atom.state.ttlUs <= Math.max(now, this.expiredAt)
    ) {
      if (local) throw new LocalEventRejectedError(RejectionReason.Expired);
      this.settleEphemeral(atom, rec.id, envelope.counter, false);
      return this.reject(RejectionReason.Expired);
    }
    const stamp = this.stamp;
    stamp.author = rec.id;
    stamp.number = envelope.counter;
    stamp.time = envelope.time;
    stamp.kind = EventKind.Ephemeral;
    stamp.weight = weight;
    const result = atom.state.apply(stamp, envelope.mutation, atom.context, this.feed.reporting);
    if (typeof result === 'string') {
      if (local) throw new LocalEventRejectedError(result);
      this.settleEphemeral(atom, rec.id, envelope.counter, false);
      return this.reject(result);
    }
    this.settleEphemeral(atom, rec.id, envelope.counter, true);
    this.touch(atom, now);
    this.stats.applied++;
    const late = weight < 1;
    if (late) this.stats.late++;
    if (result !== undefined) this.emit(atom, ChangeCause.Event, stamp, local, result);
    return late ? Outcome.Late : Outcome.Applied;
  }

  // ---- quarantine ----------------------------------------------------------------------

  /** Puts an event in quarantine, waiting for `missing` (or for its time). */
  private hold(envelope: EventEnvelope, missing: EventId | undefined, unverified = false): Outcome {
    const copy = copyEnvelope(envelope);
    const event: QuarantinedEvent = {
      envelope: copy,
      bytes: envelopeSize(copy),
      arrivedAt: this.time.now(),
      waitingOn: missing === undefined ? undefined : { author: missing.author, seq: missing.seq },
    };
    const evictions = this.quarantine.admit(event);
    const refused = evictions.length > 0 && evictions[evictions.length - 1]?.event === event;
    if (!refused) {
      this.table.countWaiting(envelope.target, 1);
      const atom = this.table.get(envelope.target);
      if (atom?.kind === EventKind.Durable) {
        atom.entropy = Math.min(1, atom.entropy + CORE_ENTROPY_STEP.quarantined);
      }
      if (!unverified && copy.kind === EventKind.Durable) {
        for (const o of this.observers) o.held?.(copy);
      }
    }
    if (unverified) this.unverified.add(copy);
    this.reportEvictions(evictions, event);
    if (refused) return this.reject(RejectionReason.QuarantineFull);
    if (missing === undefined) {
      this.stats.held++;
      return Outcome.Held;
    }
    this.stats.quarantined++;
    return Outcome.Quarantined;
  }

  /** Removes an event from quarantine (to process it). */
  private unquarantine(q: QuarantinedEvent): void {
    this.quarantine.remove(q);
    this.table.countWaiting(q.envelope.target, -1);
  }

  private reportEvictions(evictions: readonly Eviction[], admitted?: QuarantinedEvent): void {
    for (const { event, reason } of evictions) {
      const e = event.envelope;
      if (this.unverified.delete(e)) {
        // perhaps a forgery: nothing is asked for again, no observer held it
        if (event !== admitted) this.table.countWaiting(e.target, -1);
        this.stats.evicted++;
        continue;
      }
      if (event !== admitted) {
        this.table.countWaiting(e.target, -1);
        const atom = this.table.get(e.target);
        if (atom?.kind === EventKind.Durable) {
          atom.entropy = Math.min(1, atom.entropy + CORE_ENTROPY_STEP.evicted);
        }
        if (atom !== undefined && e.kind === EventKind.Ephemeral) {
          this.settleEphemeral(atom, e.author, e.counter, false);
        }
        if (e.kind === EventKind.Durable) for (const o of this.observers) o.evicted?.(e);
      }
      this.stats.evicted++;
      this.feed.eviction({
        kind: e.kind,
        author: e.author,
        number: e.kind === EventKind.Durable ? e.seq : e.counter,
        target: e.target,
        reason,
        missing: event.waitingOn,
      });
    }
  }

  /** Releases held events whose time has come (and durable ones whose lead shrank). */
  private releaseTimed(now: number): number {
    let released = 0;
    if (this.quarantine.timedCount === 0) return 0;
    for (const q of this.quarantine.takeTimed()) {
      const e = q.envelope;
      if (e.kind === EventKind.Durable) {
        if (durableTooEarly(e.time, now, this.limits.maxClockLeadUs)) {
          this.quarantine.wait(q, undefined);
          continue;
        }
        released++;
        this.retry(q);
        continue;
      }
      const placed = placeEphemeral(e.time, profileForEvent(e.eventType), this.time);
      if (placed.placement === Placement.Hold) {
        this.quarantine.wait(q, undefined);
        continue;
      }
      released++;
      this.unquarantine(q);
      const atom = this.table.get(e.target);
      const rec = this.authors.get(e.author);
      if (atom === undefined || rec === undefined) continue;
      if (placed.placement === Placement.Drop) {
        this.settleEphemeral(atom, rec.id, e.counter, false);
        this.reject(RejectionReason.TooLate);
        continue;
      }
      // Authority may have changed while it waited.
      const judged = this.judgeWrite(atom, rec.id, e, undefined);
      if (typeof judged === 'string') {
        this.settleEphemeral(atom, rec.id, e.counter, false);
        this.reject(judged);
        continue;
      }
      this.stats.released++;
      this.applyEphemeral(atom, rec, e, placed.weight, now, false);
    }
    return released;
  }

  // ---- divergence ----------------------------------------------------------------------

  private controlDivergence(now: number): void {
    const from = this.lastExpire ?? now;
    this.lastExpire = now;
    const threshold = this.limits.divergenceThreshold;
    for (const atom of this.table.values()) {
      const type = atom.spec.stateType;
      if (type !== StateType.Core) {
        const idleFrom = atom.lastActual + this.limits.staleAfterUs;
        atom.entropy = agedEntropy(type, atom.entropy, idleFrom, from, now);
      }
      const decision = divergenceAction(type, atom.entropy, threshold);
      atom.entropy = decision.entropy;
      switch (decision.action) {
        case DivergenceAction.Flag:
          if (!atom.flagged) {
            atom.flagged = true;
            this.stats.flagged++;
            this.emit(atom, ChangeCause.Flagged, undefined, false, undefined);
          }
          break;
        case DivergenceAction.Simplify:
          if (atom.state.simplify()) {
            this.stats.simplified++;
            this.emit(atom, ChangeCause.Simplified, undefined, false, undefined);
          }
          break;
        case DivergenceAction.Clear:
          if (!atom.state.isEmpty()) {
            atom.state.clear();
            this.stats.cleared++;
            this.emit(atom, ChangeCause.Cleared, undefined, false, { law: 'cleared' });
          }
          break;
      }
    }
  }

  /** An event was applied: the atom is actual again (Core only once nothing of it waits). */
  private touch(atom: FieldAtom, now: number): void {
    this.table.applied(atom);
    atom.lastActual = now;
    if (atom.entropy !== 0 && (atom.kind === EventKind.Ephemeral || atom.waiting === 0)) {
      atom.entropy = 0;
      atom.flagged = false;
    }
  }

  // ---- tables --------------------------------------------------------------------------

  private authorRecord(author: NodeId): AuthorRecord | undefined {
    let rec = this.authors.get(author);
    if (rec === undefined) {
      if (this.authors.size >= this.limits.maxAuthors) return undefined;
      rec = {
        id: author,
        processed: 0,
        time: Number.MIN_SAFE_INTEGER,
        bucket: undefined,
        signature: undefined,
        equivocated: -1,
      };
      this.authors.set(author, rec);
    }
    return rec;
  }

  // ---- outcomes and delivery -----------------------------------------------------------

  private reject(reason: RejectionReason): Outcome {
    this.stats.rejected[reason]++;
    return rejected(reason);
  }

  private emit(
    atom: FieldAtom,
    cause: ChangeCause,
    stamp: EventStamp | undefined,
    local: boolean,
    delta: LawDelta | undefined,
  ): void {
    if (!this.feed.reporting) return;
    this.feed.change({
      atom: atom.id,
      cause,
      event: stamp === undefined ? undefined : { ...stamp },
      local,
      delta,
    });
  }

  /** Ends a public call: releases what the call unblocked, then delivers what it caused. */
  private settle(): void {
    if (this.processedAuthors.length > 0) this.drainReleases();
    this.feed.flush();
  }
}
