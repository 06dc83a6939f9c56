import {
  decodeEnvelope,
  type DurableEnvelope,
  ElaraError,
  type EphemeralEnvelope,
  envelopeSize,
  type EventEnvelope,
  type EventId,
  EventKind,
  eventKindForStateType,
  type EventVerifier,
  isStateType,
  MAX_DEPENDENCIES,
  type NodeId,
  nodeIdToHex,
  profileForEvent,
  type SessionId,
  type StateId,
  StateType,
} from '@elara/core';
import type { TimeView } from '@elara/time';
import { AtomAuthority } from './atom-authority.ts';
import { type AtomChange, ChangeCause } from './atom-change.ts';
import type { AtomSnapshot, FieldSnapshot } from './atom-snapshot.ts';
import { type AtomResolver, type AtomSpec, DEFAULT_MAX_VALUE_BYTES } from './atom-spec.ts';
import type { AnyLawState, AtomView } from './atom-view.ts';
import { decodeAuthorityChange, isAuthorityEventType } from './authority-change.ts';
import { isAuthorityScope, scopeAllows } from './authority-scope.ts';
import type { CausalContext } from './causal-context.ts';
import { CausalTracker } from './causal-tracker.ts';
import { copyEnvelope, mutationValueLength } from './copy-envelope.ts';
import { deltaLawProblem, LawKind } from './delta-law.ts';
import type { DurableObserver } from './durable-observer.ts';
import type { EventStamp } from './event-stamp.ts';
import type { EquivocationReport } from './equivocation-report.ts';
import type { EvictionReport } from './eviction-report.ts';
import { fieldCounters, type FieldCounters } from './field-counters.ts';
import { DEFAULT_FIELD_LIMITS, type FieldLimits } from './field-limits.ts';
import { createLawState } from './laws/create-law-state.ts';
import { ObservedSet } from './laws/observed-set.ts';
import type { LawDelta } from './laws/law-delta.ts';
import type { LawContext, LawState } from './laws/law-state.ts';
import type { MembershipSource } from './membership-source.ts';
import { Outcome, rejected } from './outcome.ts';
import { type Eviction, Quarantine, type QuarantinedEvent } from './quarantine.ts';
import { takeToken, type TokenBucket, tokenBucket } from './rate-limiter.ts';
import { RejectionReason } from './rejection-reason.ts';
import { decodeSetOp, type SetOp } from './set-op.ts';
import {
  seenAllBelow,
  seenHas,
  seenMark,
  seenStatus,
  seenWindow,
  type SeenWindow,
} from './seen-window.ts';
import { dependencyProblem, firstMissing } from './stages/causality.ts';
import {
  agedEntropy,
  CORE_ENTROPY_STEP,
  DivergenceAction,
  divergenceAction,
} from './stages/divergence-control.ts';
import { type SignatureCheck, signatureCheck } from './stages/signature-check.ts';
import { durableTooEarly, Placement, placeEphemeral } from './stages/temporal-placement.ts';
import {
  AtomDefinitionError,
  LocalEventRejectedError,
  LocalSequenceError,
} from './state-errors.ts';

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
}

interface Atom extends AtomView {
  readonly state: AnyLawState & LawState;
  readonly authority: AtomAuthority;
  readonly maxValueBytes: number;
  readonly version: Map<NodeId, number>;
  readonly seen: Map<NodeId, SeenWindow> | undefined;
  /**
   * Ephemeral counters seen but held in quarantine, per author: not processed yet, so a set
   * operation that observed one records a pending retirement for it.
   */
  readonly held: Map<NodeId, Set<number>> | undefined;
  readonly context: LawContext;
  readonly defined: boolean;
  applied: number;
  entropy: number;
  flagged: boolean;
  lastActual: number;
}

interface MutableStamp {
  author: NodeId;
  number: number;
  time: number;
  kind: EventKind;
  weight: number;
}

/** An atom's value bound: its spec's, else the default, never above its log's `maxBytes`. */
function maxValueBytesOf(spec: AtomSpec): number {
  const max = spec.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  return spec.law.kind === LawKind.AppendLog ? Math.min(max, spec.law.maxBytes) : max;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Notes that ephemeral event (author, counter) of `atom` waits in quarantine. */
function markHeld(atom: Atom, author: NodeId, counter: number): void {
  const held = atom.held as Map<NodeId, Set<number>>;
  let counters = held.get(author);
  if (counters === undefined) held.set(author, (counters = new Set<number>()));
  counters.add(counter);
}

function specProblem(spec: AtomSpec): string | undefined {
  if (typeof spec !== 'object' || spec === null) return 'spec must be an object';
  if (!isStateType(spec.stateType)) return `unknown state type ${String(spec.stateType)}`;
  const law = deltaLawProblem(spec.law);
  if (law !== undefined) return law;
  // Frames drop what falls behind the kept window, i.e. refuse for age; a durable Core
  // event is never refused for its age (replicas would consume its seq differently).
  if (spec.law.kind === LawKind.Frames && spec.stateType === StateType.Core) {
    return 'the frames law is for ephemeral (non-Core) atoms';
  }
  const a = spec.authority;
  if (typeof a !== 'object' || a === null || !Array.isArray(a.owners)) return 'authority.owners';
  for (const d of a.delegates ?? []) if (!isAuthorityScope(d.scope)) return 'delegate scope';
  if (a.members !== undefined && !isAuthorityScope(a.members)) return 'members scope';
  const max = spec.maxValueBytes;
  if (max !== undefined && (!Number.isInteger(max) || max < 0 || max > DEFAULT_MAX_VALUE_BYTES)) {
    return `maxValueBytes must be 0..${DEFAULT_MAX_VALUE_BYTES}`;
  }
  // One entry larger than the log would wipe it (every other entry dropped, then itself).
  if (max !== undefined && spec.law.kind === LawKind.AppendLog && max > spec.law.maxBytes) {
    return `maxValueBytes must not exceed the log's maxBytes (${spec.law.maxBytes})`;
  }
  return undefined;
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
 * named reason and counted, never thrown; every table is bounded by {@link FieldLimits}.
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
  private readonly resolve: AtomResolver | undefined;
  private readonly membership: MembershipSource | undefined;
  private readonly observers: readonly DurableObserver[];
  private readonly checkSignature: SignatureCheck;
  private readonly atoms = new Map<StateId, Atom>();
  /** The last resolved atom not held yet, kept so a burst of refused events builds it once. */
  private candidate: Atom | undefined = undefined;
  private readonly waitingByAtom = new Map<StateId, number>();
  private readonly authors = new Map<NodeId, AuthorRecord>();
  private readonly tracker: CausalTracker;
  private readonly quarantine: Quarantine;
  private readonly stats = fieldCounters();
  private readonly changeListeners = new Set<(change: AtomChange) => void>();
  private readonly evictionListeners = new Set<(report: EvictionReport) => void>();
  private readonly changes: AtomChange[] = [];
  private readonly evictions: EvictionReport[] = [];
  private readonly equivocationListeners = new Set<(report: EquivocationReport) => void>();
  private readonly equivocations: EquivocationReport[] = [];
  private flushing = false;
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
    this.resolve = config.resolve;
    this.membership = config.membership;
    this.limits = { ...DEFAULT_FIELD_LIMITS, ...config.limits };
    this.checkSignature = signatureCheck(config.session, config.verifier);
    this.tracker = new CausalTracker(this.limits.maxAuthorityChanges);
    this.observers = config.observers ?? [];
    for (const o of this.observers) o.attach?.((a, s, id) => this.tracker.contains(a, s, id));
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
    const problem = specProblem(spec);
    if (problem !== undefined) throw new AtomDefinitionError(`atom ${id}: ${problem}`);
    if (this.atoms.has(id)) throw new AtomDefinitionError(`atom ${id} is already defined`);
    if (this.atoms.size >= this.limits.maxAtoms) {
      throw new AtomDefinitionError(`the field holds maxAtoms (${this.limits.maxAtoms}) atoms`);
    }
    const atom = this.create(id, spec, true);
    // Durable events for it may be waiting in quarantine.
    if (this.waitingByAtom.has(id)) {
      this.releaseTimed(this.time.now());
      this.settle();
    }
    return atom;
  }

  /** The atom `id`, if the field holds it. */
  atom(id: StateId): AtomView | undefined {
    return this.atoms.get(id);
  }

  /** Every atom held, by id. */
  atomIds(): StateId[] {
    return [...this.atoms.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  // ---- events --------------------------------------------------------------------------

  /**
   * Reconciles one event from another node. Its bytes may be views into a datagram: what
   * the field keeps is copied. Never throws on bad input.
   */
  receive(envelope: EventEnvelope, context?: ReceiveContext): Outcome {
    this.stats.received++;
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
    for (const atom of this.atoms.values()) {
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
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Calls `listener` with every eviction from quarantine (request a repair for it). */
  onEviction(listener: (report: EvictionReport) => void): () => void {
    this.evictionListeners.add(listener);
    return () => this.evictionListeners.delete(listener);
  }

  /**
   * Calls `listener` when an author is seen signing two different durable events with one
   * seq (the first kept; see {@link EquivocationReport}).
   */
  onEquivocation(listener: (report: EquivocationReport) => void): () => void {
    this.equivocationListeners.add(listener);
    return () => this.equivocationListeners.delete(listener);
  }

  // ---- queries -------------------------------------------------------------------------

  /** A copy of the counters. */
  counters(): FieldCounters {
    let dropped = 0;
    for (const atom of this.atoms.values()) dropped += atom.state.dropped;
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
      .sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
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
    const atom = this.atoms.get(id);
    if (atom === undefined) return undefined;
    const version = [...atom.version.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
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
      const atom = this.atoms.get(id) as Atom;
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
    if ((rec !== undefined && envelope.seq <= rec.processed) || held !== undefined) {
      const known =
        held !== undefined
          ? (held.envelope as DurableEnvelope).signature
          : envelope.seq === rec?.processed
            ? rec.signature
            : undefined;
      if (known !== undefined && !sameBytes(known, envelope.signature)) {
        this.checkEquivocation(envelope, raw);
      }
      this.stats.duplicates++;
      return Outcome.Duplicate;
    }
    const bad = this.checkSignature(envelope, raw);
    if (bad !== undefined) return this.reject(bad);
    rec ??= this.authorRecord(envelope.author);
    if (rec === undefined) return this.reject(RejectionReason.TooManyAuthors);
    if (durableTooEarly(envelope.time, this.time.now(), this.limits.maxClockLeadUs)) {
      return this.hold(envelope, undefined);
    }
    const missing = firstMissing(envelope, this.processedFn) ?? this.observedMissing(envelope);
    if (missing !== undefined) return this.hold(envelope, missing);
    // An atom not declared yet may be declared soon (define): the event waits (bounded, its
    // eviction reported) instead of consuming its seq for good.
    if (this.atomFor(envelope.target) === RejectionReason.UnknownAtom) {
      return this.hold(envelope, undefined);
    }
    return this.processDurable(envelope, rec, false);
  }

  /** A second, different event with a known (author, seq): equivocation if it is signed. */
  private checkEquivocation(envelope: DurableEnvelope, raw: Uint8Array | undefined): void {
    if (this.checkSignature(envelope, raw) !== undefined) return; // a forgery, not the author
    this.stats.equivocations++;
    this.equivocations.push({ author: envelope.author, seq: envelope.seq });
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
      this.tracker.watch(id);
      atom.authority.record(id, decodeAuthorityChange(envelope.eventType, envelope.mutation));
      cause = ChangeCause.Authority;
    } else {
      const report = this.changeListeners.size > 0;
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
  private judgeDurable(envelope: DurableEnvelope, rec: AuthorRecord): Atom | RejectionReason {
    const atom = this.atomFor(envelope.target);
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
      if (this.tracker.size >= this.tracker.maxWatched) {
        return RejectionReason.TooManyAuthorityChanges;
      }
      return this.observerVerdict(envelope) ?? this.admitAtom(atom);
    }
    if (atom.kind !== EventKind.Durable) return RejectionReason.KindMismatch;
    const context = this.tracker.context(rec.id, envelope.seq, envelope.dependencies);
    const judged = this.judgeWrite(atom, rec.id, envelope, context);
    if (typeof judged === 'string') return judged;
    return this.observerVerdict(envelope) ?? this.admitAtom(judged);
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
    atom: Atom,
    author: NodeId,
    envelope: EventEnvelope,
    context: CausalContext | undefined,
  ): Atom | RejectionReason {
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
    const law = (this.atoms.get(envelope.target)?.spec ?? this.resolve?.(envelope.target))?.law;
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
    const missing = firstMissing(envelope, this.processedFn) ?? this.observedMissing(envelope);
    if (missing !== undefined) {
      this.quarantine.wait(q, missing);
      return;
    }
    if (this.atomFor(envelope.target) === RejectionReason.UnknownAtom) {
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
    const atom = this.atomFor(envelope.target);
    if (typeof atom === 'string') return refuse(atom);
    if (atom.kind !== EventKind.Ephemeral) return refuse(RejectionReason.KindMismatch);
    const judged = this.judgeWrite(atom, envelope.author, envelope, undefined);
    if (typeof judged === 'string') return refuse(judged);
    const rec = this.authorRecord(envelope.author);
    if (rec === undefined) return refuse(RejectionReason.TooManyAuthors);
    const admitted = this.admitAtom(atom);
    if (typeof admitted === 'string') return refuse(admitted);
    const now = this.time.now();
    if (!local) {
      rec.bucket ??= tokenBucket(this.limits.ephemeralBurst, now);
      const { ephemeralRatePerSecond: rate, ephemeralBurst: burst } = this.limits;
      if (!takeToken(rec.bucket, now, rate, burst)) return refuse(RejectionReason.RateLimited);
    }
    const seen = atom.seen as Map<NodeId, SeenWindow>;
    let window = seen.get(rec.id);
    if (window === undefined) seen.set(rec.id, (window = seenWindow()));
    const status = seenStatus(window, envelope.counter);
    if (status === 'duplicate') {
      if (local) throw new LocalSequenceError(`counter ${envelope.counter} already used`);
      this.stats.duplicates++;
      return Outcome.Duplicate;
    }
    if (status === 'stale') return refuse(RejectionReason.StaleCounter);
    seenMark(window, envelope.counter);
    if (local) return this.applyEphemeral(atom, rec, envelope, 1, now, true);
    const placed = placeEphemeral(envelope.time, profileForEvent(envelope.eventType), this.time);
    if (placed.placement === Placement.Drop) {
      this.settleEphemeral(atom, rec.id, envelope.counter, false);
      return this.reject(RejectionReason.TooLate);
    }
    if (placed.placement === Placement.Hold) {
      const outcome = this.hold(envelope, undefined);
      if (outcome.status === 'held') markHeld(atom, rec.id, envelope.counter);
      else this.settleEphemeral(atom, rec.id, envelope.counter, false);
      return outcome;
    }
    return this.applyEphemeral(atom, rec, envelope, placed.weight, now, false);
  }

  /**
   * An ephemeral event seen here is done with: no longer held, and when it was not applied,
   * no set keeps a pending retirement for it (it will never arrive).
   */
  private settleEphemeral(atom: Atom, author: NodeId, counter: number, applied: boolean): void {
    const held = atom.held?.get(author);
    if (held !== undefined && held.delete(counter) && held.size === 0) atom.held?.delete(author);
    if (!applied && atom.state instanceof ObservedSet) atom.state.forget(author, counter);
  }

  private applyEphemeral(
    atom: Atom,
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
    const result = atom.state.apply(
      stamp,
      envelope.mutation,
      atom.context,
      this.changeListeners.size > 0,
    );
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
  private hold(envelope: EventEnvelope, missing: EventId | undefined): Outcome {
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
      this.countWaiting(envelope.target, 1);
      const atom = this.atoms.get(envelope.target);
      if (atom?.kind === EventKind.Durable) {
        atom.entropy = Math.min(1, atom.entropy + CORE_ENTROPY_STEP.quarantined);
      }
      if (copy.kind === EventKind.Durable) for (const o of this.observers) o.held?.(copy);
    }
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
    this.countWaiting(q.envelope.target, -1);
  }

  /** Events waiting per target, kept apart from atoms (a target may not be resolved yet). */
  private countWaiting(target: StateId, delta: number): void {
    const n = (this.waitingByAtom.get(target) ?? 0) + delta;
    if (n <= 0) this.waitingByAtom.delete(target);
    else this.waitingByAtom.set(target, n);
  }

  private reportEvictions(evictions: readonly Eviction[], admitted?: QuarantinedEvent): void {
    for (const { event, reason } of evictions) {
      const e = event.envelope;
      if (event !== admitted) {
        this.countWaiting(e.target, -1);
        const atom = this.atoms.get(e.target);
        if (atom?.kind === EventKind.Durable) {
          atom.entropy = Math.min(1, atom.entropy + CORE_ENTROPY_STEP.evicted);
        }
        if (atom !== undefined && e.kind === EventKind.Ephemeral) {
          this.settleEphemeral(atom, e.author, e.counter, false);
        }
        if (e.kind === EventKind.Durable) for (const o of this.observers) o.evicted?.(e);
      }
      this.stats.evicted++;
      this.evictions.push({
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
      const atom = this.atoms.get(e.target);
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
    for (const atom of this.atoms.values()) {
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
  private touch(atom: Atom, now: number): void {
    atom.applied++;
    atom.lastActual = now;
    if (atom.entropy !== 0 && (atom.kind === EventKind.Ephemeral || atom.waiting === 0)) {
      atom.entropy = 0;
      atom.flagged = false;
    }
  }

  // ---- tables --------------------------------------------------------------------------

  /**
   * The atom `id`: held, or resolved but not held yet (a candidate, judged against its spec;
   * only {@link admitAtom} makes it held, once an event for it passed the authority stage, so
   * refused events never fill `maxAtoms`).
   */
  private atomFor(id: StateId): Atom | RejectionReason {
    const atom = this.atoms.get(id);
    if (atom !== undefined) return atom;
    if (this.candidate?.id === id) return this.candidate;
    const spec = this.resolve?.(id);
    if (spec === undefined) return RejectionReason.UnknownAtom;
    const problem = specProblem(spec);
    if (problem !== undefined) throw new AtomDefinitionError(`resolved atom ${id}: ${problem}`);
    return (this.candidate = this.build(id, spec, false));
  }

  /**
   * Holds a candidate atom. At `maxAtoms`, a resolved atom nothing was applied to and nothing
   * waits for makes room; failing that the event is refused as `TooManyAtoms`.
   */
  private admitAtom(atom: Atom): Atom | RejectionReason {
    if (this.atoms.get(atom.id) === atom) return atom;
    if (this.atoms.size >= this.limits.maxAtoms) {
      let unused: Atom | undefined;
      for (const a of this.atoms.values()) {
        if (!a.defined && a.applied === 0 && a.waiting === 0) {
          unused = a;
          break;
        }
      }
      if (unused === undefined) return RejectionReason.TooManyAtoms;
      this.atoms.delete(unused.id);
    }
    if (this.candidate === atom) this.candidate = undefined;
    this.atoms.set(atom.id, atom);
    return atom;
  }

  private create(id: StateId, spec: AtomSpec, defined: boolean): Atom {
    const atom = this.build(id, spec, defined);
    if (this.candidate?.id === id) this.candidate = undefined;
    this.atoms.set(id, atom);
    return atom;
  }

  private build(id: StateId, spec: AtomSpec, defined: boolean): Atom {
    const kind = eventKindForStateType(spec.stateType);
    const version = new Map<NodeId, number>();
    const seen = kind === EventKind.Ephemeral ? new Map<NodeId, SeenWindow>() : undefined;
    const held = kind === EventKind.Ephemeral ? new Map<NodeId, Set<number>>() : undefined;
    const context: LawContext =
      seen === undefined
        ? {
            processed: (author, n) => this.processedOf(author) >= n,
            settledBelow: (author, n) => this.processedOf(author) >= n - 1,
          }
        : {
            // Processed means applied or refused for good: a held event is neither yet.
            processed: (author, n) => {
              const w = seen.get(author);
              return w !== undefined && seenHas(w, n) && held?.get(author)?.has(n) !== true;
            },
            settledBelow: (author, n) => {
              const w = seen.get(author);
              if (w === undefined) return n <= 0;
              if (!seenAllBelow(w, n)) return false;
              for (const c of held?.get(author) ?? []) if (c < n) return false;
              return true;
            },
          };
    const waitingByAtom = this.waitingByAtom;
    const atom: Atom = {
      id,
      spec,
      kind,
      state: createLawState(spec.law) as AnyLawState & LawState,
      authority: new AtomAuthority(spec.authority),
      maxValueBytes: maxValueBytesOf(spec),
      version,
      seen,
      held,
      context,
      defined,
      applied: 0,
      get waiting() {
        return waitingByAtom.get(id) ?? 0;
      },
      entropy: 0,
      flagged: false,
      lastActual: this.time.now(),
    };
    return atom;
  }

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
    atom: Atom,
    cause: ChangeCause,
    stamp: EventStamp | undefined,
    local: boolean,
    delta: LawDelta | undefined,
  ): void {
    if (this.changeListeners.size === 0) return;
    this.changes.push({
      atom: atom.id,
      cause,
      event: stamp === undefined ? undefined : { ...stamp },
      local,
      delta,
    });
  }

  /** Ends a public call: releases what the call unblocked, then delivers changes. */
  private settle(): void {
    if (this.processedAuthors.length > 0) this.drainReleases();
    if (this.flushing) return;
    if (this.equivocations.length > 0) {
      for (const report of this.equivocations.splice(0)) {
        for (const l of this.equivocationListeners) this.call(l, report);
      }
    }
    if (this.changes.length === 0 && this.evictions.length === 0) return;
    this.flushing = true;
    try {
      // Listeners may call back into the field; what they cause joins the queues drained here.
      for (;;) {
        if (this.evictions.length > 0) {
          for (const report of this.evictions.splice(0)) {
            for (const l of this.evictionListeners) this.call(l, report);
          }
        } else if (this.changes.length > 0) {
          for (const change of this.changes.splice(0)) {
            for (const l of this.changeListeners) this.call(l, change);
          }
        } else break;
      }
    } finally {
      this.flushing = false;
    }
  }

  private call<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch {
      this.stats.listenerErrors++;
    }
  }
}
