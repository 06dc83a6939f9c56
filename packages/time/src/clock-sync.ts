import {
  OutOfRangeError,
  type Clock,
  type NodeId,
  type TimeSyncRequestMessage,
  type TimeSyncResponseMessage,
} from '@elara/core';
import {
  checkConsensusRule,
  CONSENSUS_DEFAULTS,
  joinOffset,
  sessionOffset,
  type ConsensusRule,
} from './consensus-rule.ts';
import {
  checkPeerSyncConfig,
  PEER_SYNC_DEFAULTS,
  PeerSync,
  type PeerSyncConfig,
} from './peer-sync.ts';
import type { PeerSyncStatus } from './peer-sync-status.ts';
import type { StateClock } from './state-clock.ts';
import { SyncFlag } from './sync-flag.ts';
import { SyncState } from './sync-state.ts';
import { SyncVerdict } from './sync-verdict.ts';

/** Settings of a {@link ClockSync}: its peers' {@link PeerSyncConfig}, the rule, and these. */
export interface ClockSyncConfig extends PeerSyncConfig, ConsensusRule {
  /** Peers synchronised with at once (default 64); a new one evicts the one silent longest. */
  readonly maxPeers: number;
  /** The consensus runs at most this often when replies arrive, µs (default 250 ms). */
  readonly updateIntervalUs: number;
  /**
   * Fraction of the measured offset slewed per update (default 0.25; in (0, 1]). Each node sees
   * its own corrections at once but its peers' only as their exchanges refill the window, so
   * correcting the whole offset every update overshoots and rings, most of all between two
   * nodes; a quarter every 250 ms is a time constant of about a second, and between two nodes it
   * cut the error at 60 s from 1.5 ms to 0.5 ms (0.2–0.3 were best; below 0.1 the lag shows).
   */
  readonly gain: number;
  /** Exchanges in a peer's window before it counts toward the consensus (default 4). */
  readonly minSamples: number;
  /** Exchanges with every peer before the join alignment (default 8). */
  readonly joinSamples: number;
  /**
   * After this long from the first request, µs (default 5 s), the join aligns with the peers
   * ready by then instead of waiting for all (some may never answer).
   */
  readonly joinDeadlineUs: number;
  /**
   * The join waits until its offset has stayed within `joinStableUs` of the previous update's
   * for this many updates in a row (default 4), so a peer whose estimate jumps around — a liar
   * answering random values — cannot make different nodes align onto different clocks. After
   * twice `joinDeadlineUs` the join aligns regardless.
   */
  readonly joinStableUpdates: number;
  /** See `joinStableUpdates`, µs (default 50 ms). */
  readonly joinStableUs: number;
  /**
   * A peer whose window's spread (see `PeerSyncEstimate.spreadUs`) exceeds this, µs (default
   * 60 ms), counts toward the join only once its window holds `joinSpreadSamples` exchanges. Such
   * a spread is rare for an honest peer but usual for one whose answers wander, and the spread of
   * a wandering peer grows with the number of exchanges until it is stepped and flagged: a joiner
   * with a noisy path to it would otherwise count it before noticing, while one with a clean path
   * leaves it out, and the two would align onto different clocks.
   */
  readonly joinSpreadUs: number;
  /** See `joinSpreadUs` (default 24). */
  readonly joinSpreadSamples: number;
  /** Distance from the consensus that makes a peer suspect once we have joined, µs (default 100 ms). */
  readonly suspectUs: number;
  /** How long a peer must stay suspect to be flagged an outlier, µs (default 5 s). */
  readonly suspectAfterUs: number;
  /**
   * How fast the frequency correction may move, ppm per second of local time between updates (at
   * most one second counted per update; default 10). The frequency
   * follows the median rate of the members that agree with the consensus, ourselves included;
   * this bound keeps any one estimate (a skew fit just trusted, a peer about to be flagged) from
   * yanking it, while the offset loop absorbs the difference meanwhile.
   */
  readonly frequencyRatePpm: number;
  /**
   * Rates further than this from the median of the members' rates (ours included) are left out
   * of the frequency, and their peers out of the offset consensus, ppm (default 50; the rest must
   * be a strict majority, or nothing is left out and nothing steered). A member whose clock
   * drifts against the session sits always on one side: counted, it would make the honest ones
   * follow the faster of them, noise included, and ratchet the session's rate away. Honest rates
   * agree within the skew fit's 10 ppm once trusted.
   */
  readonly frequencyAgreePpm: number;
  /** Largest distance from the consensus at which we count as synchronised, µs (default 5 ms). */
  readonly convergedUs: number;
  /**
   * Consecutive updates within `convergedUs` before `SyncState.Converged` (default 4, one
   * second at the default interval), and beyond it before leaving that state.
   */
  readonly convergedUpdates: number;
}

/** The defaults of {@link ClockSyncConfig}. */
export const CLOCK_SYNC_DEFAULTS: ClockSyncConfig = {
  ...PEER_SYNC_DEFAULTS,
  ...CONSENSUS_DEFAULTS,
  maxPeers: 64,
  updateIntervalUs: 250_000,
  gain: 0.25,
  minSamples: 4,
  joinSamples: 8,
  joinDeadlineUs: 5_000_000,
  joinStableUpdates: 4,
  joinStableUs: 50_000,
  joinSpreadUs: 60_000,
  joinSpreadSamples: 24,
  suspectUs: 100_000,
  suspectAfterUs: 5_000_000,
  frequencyRatePpm: 10,
  frequencyAgreePpm: 50,
  convergedUs: 5_000,
  convergedUpdates: 4,
};

/** Counters of a {@link ClockSync}. */
export interface ClockSyncCounters {
  /** Replies from peers we have no state for (never asked, or forgotten). */
  unknownPeer: number;
  /** Peers evicted to stay within `maxPeers`. */
  evictedPeers: number;
  /** Consensus updates that moved τs (slews and frequency). */
  updates: number;
}

interface Entry {
  readonly sync: PeerSync;
  flag: SyncFlag;
  settled: boolean;
  /** Local time since which the peer has been beyond `suspectUs`, NaN when it is not. */
  suspectSince: number;
  /** Local time of the last request or reply. */
  lastActive: number;
  /** Its τs minus ours at the last update (scratch). */
  offset: number;
  /** Counted in the last update's consensus before the rate check (scratch). */
  counted: boolean;
}

function integerIn(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new OutOfRangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
}

function checkConfig(c: ClockSyncConfig): ClockSyncConfig {
  checkPeerSyncConfig(c);
  checkConsensusRule(c);
  integerIn('maxPeers', c.maxPeers, 1, 65_536);
  integerIn('minSamples', c.minSamples, 1, c.windowSamples);
  integerIn('joinSamples', c.joinSamples, 1, c.windowSamples);
  integerIn('joinStableUpdates', c.joinStableUpdates, 1, 1_024);
  integerIn('joinSpreadSamples', c.joinSpreadSamples, c.joinSamples, c.windowSamples);
  integerIn('convergedUpdates', c.convergedUpdates, 1, 1_024);
  for (const [name, v] of [
    ['updateIntervalUs', c.updateIntervalUs],
    ['joinDeadlineUs', c.joinDeadlineUs],
    ['joinStableUs', c.joinStableUs],
    ['joinSpreadUs', c.joinSpreadUs],
    ['suspectAfterUs', c.suspectAfterUs],
    ['frequencyRatePpm', c.frequencyRatePpm],
    ['frequencyAgreePpm', c.frequencyAgreePpm],
    ['convergedUs', c.convergedUs],
  ] as const) {
    if (!(v >= 0 && Number.isFinite(v))) throw new OutOfRangeError(`${name} must be ≥ 0`);
  }
  if (!(c.suspectUs > 0)) throw new OutOfRangeError('suspectUs must be > 0');
  if (!(c.gain > 0 && c.gain <= 1))
    throw new OutOfRangeError(`gain must be in (0, 1], got ${c.gain}`);
  return c;
}

/** A listener of {@link ClockSync.subscribe}. */
export type SyncStateListener = (state: SyncState, previous: SyncState) => void;

/**
 * Clock synchronisation of one session: a {@link PeerSync} per peer and the consensus that steers
 * this node's τs (a part-1 {@link StateClock}) onto the session's time.
 *
 * **Timestamps.** Our requests carry our local clock (`t1`, `t4`); we answer others' requests
 * with our τs (`t2`, `t3`). So each peer's estimate is its τs minus our local clock, and subtracting
 * the offset our τs applies now gives its τs minus ours — our own corrections never blur the
 * history, since they are subtracted exactly rather than measured.
 *
 * **Consensus** (every `updateIntervalUs` as requests go out and replies arrive, or on
 * {@link update}): the peers with `minSamples` exchanges in their window, not inconsistent, and
 * whose trusted rate (if any) is within `frequencyAgreePpm` of the members' median rate give
 * their τs minus ours; with our own 0 they are combined by {@link sessionOffset} (a trimmed mean
 * of those within `outlierUs` of the lower median, if they are a majority), and `gain` of it goes
 * to `stateClock.correct()`, which slews it. The frequency follows the rate of the members that
 * agree with that consensus, our own τs rate included, at most `frequencyRatePpm` per second.
 *
 * **One liar (f = 1).** The trimmed mean and the median of rates stay within the honest range
 * whatever one member answers, as long as it gives everyone the same answer and there are at
 * least three of us (2f + 1); a member giving different answers to different nodes can hold two
 * honest ones apart unless there are at least four (3f + 1). With two members there is no
 * majority: a peer beyond `outlierUs` is not followed, and the frequency is not steered.
 *
 * **Joining.** While the state clock's join is open, nothing is slewed: once every peer not found
 * inconsistent has `joinSamples` exchanges (`joinSpreadSamples` if its spread is high; after
 * `joinDeadlineUs` only the peers still answering are waited for, after twice that none), τs
 * steps once by {@link joinOffset} — onto the lower median of the settled peers (those the
 * runtime saw emit events, see {@link markSettled}) if any, else of everyone including ourselves.
 * Afterwards τs only slews. If the runtime closes the join first (a session's creator), the node
 * slews from the start.
 *
 * **Flags.** A peer is flagged `Inconsistent` after `maxSteps` steps within `stepWindowUs` and
 * left out (its estimate restarts at every step anyway), or `Outlier` after staying `suspectUs`
 * away from the consensus for `suspectAfterUs`. Outliers are reported but still counted in the
 * offset: the trimmed mean already ignores one, and leaving out whoever looks far would let two
 * groups of honest nodes that drifted apart flag each other and stay split for good. Flags clear
 * once the peer behaves.
 *
 * **State** ({@link state}, {@link subscribe}): see {@link SyncState} for the criteria.
 *
 * Memory: at most `maxPeers` peers of fixed size each (about 4 KB at the defaults).
 *
 * @example
 * const sync = new ClockSync(clock, engine.stateClock);
 * const req = sync.request(peer);                      // send it as a control message, if defined
 * const res = sync.respond(incomingRequest);           // answer a peer's request
 * sync.onResponse(peer, incomingResponse);             // the consensus runs from here
 * sync.subscribe((s) => s === SyncState.Converged && flushHeldEvents());
 * sync.status(peer)?.flag;                             // SyncFlag.None
 */
export class ClockSync {
  readonly config: ClockSyncConfig;
  readonly counters: ClockSyncCounters = { unknownPeer: 0, evictedPeers: 0, updates: 0 };
  private readonly peers = new Map<NodeId, Entry>();
  private readonly values: Float64Array;
  private readonly rates: Float64Array;
  private readonly listeners = new Set<SyncStateListener>();
  private firstRequest = Number.NaN;
  private lastUpdate = Number.NEGATIVE_INFINITY;
  private lastSteer = Number.NaN;
  private rateCount = 0;
  private aligned = false;
  private offset = Number.NaN;
  private nextId = 1;
  private joinCandidate = Number.NaN;
  private joinStable = 0;
  private current: SyncState = SyncState.Joining;
  /** Consecutive updates on the other side of `convergedUs` from the current state. */
  private streak = 0;

  constructor(
    readonly clock: Clock,
    readonly stateClock: StateClock,
    config: Partial<ClockSyncConfig> = {},
  ) {
    this.config = checkConfig({ ...CLOCK_SYNC_DEFAULTS, ...config });
    this.values = new Float64Array(this.config.maxPeers + 1);
    this.rates = new Float64Array(this.config.maxPeers + 1);
  }

  /**
   * A time-sync request for `peer`, stamped with the local clock, or undefined if one went out
   * less than `requestIntervalUs` ago. Starts synchronising with a new peer; runs the consensus
   * if `updateIntervalUs` has passed since the last run, so that silence is noticed too.
   */
  request(peer: NodeId, localUs: number = this.clock.now()): TimeSyncRequestMessage | undefined {
    const entry = this.entry(peer, localUs);
    if (this.firstRequest !== this.firstRequest) this.firstRequest = localUs;
    entry.lastActive = localUs;
    const request = entry.sync.request(localUs);
    if (localUs - this.lastUpdate >= this.config.updateIntervalUs) this.update(localUs);
    return request;
  }

  /**
   * Our reply to a peer's request, received at local time `receivedLocalUs`: `t2` and `t3` are our
   * τs at receipt and now. Stateless, so floods of requests cost no memory (pacing them is the
   * runtime's job, as for all traffic).
   */
  respond(
    request: TimeSyncRequestMessage,
    receivedLocalUs: number = this.clock.now(),
  ): TimeSyncResponseMessage {
    const t2 = this.stateClock.project(receivedLocalUs);
    const t3 = this.stateClock.now();
    return {
      type: 'time-sync-response',
      id: request.id,
      t1: request.t1,
      t2,
      t3: t3 < t2 ? t2 : t3,
    };
  }

  /**
   * A peer's reply, received at local time `receivedLocalUs`. Returns the verdict (counted per
   * peer); runs the consensus if `updateIntervalUs` has passed since the last run.
   */
  onResponse(
    peer: NodeId,
    response: TimeSyncResponseMessage,
    receivedLocalUs: number = this.clock.now(),
  ): SyncVerdict {
    const entry = this.peers.get(peer);
    if (entry === undefined) {
      this.counters.unknownPeer++;
      return SyncVerdict.Unsolicited;
    }
    const verdict = entry.sync.onResponse(response, receivedLocalUs, this.stateClock.frequencyPpm);
    if (verdict <= SyncVerdict.Stepped) entry.lastActive = receivedLocalUs;
    if (receivedLocalUs - this.lastUpdate >= this.config.updateIntervalUs) {
      this.update(receivedLocalUs);
    }
    return verdict;
  }

  /**
   * Tells the sync that `peer` has emitted events in this session, so its τs can no longer step:
   * a join aligns onto settled peers rather than onto a median that includes our own clock.
   * Starts synchronising with a new peer.
   */
  markSettled(peer: NodeId, localUs: number = this.clock.now()): void {
    this.entry(peer, localUs).settled = true;
  }

  /**
   * Runs the consensus now: the join alignment while it is open and the peers are ready, else a
   * slew toward the session's offset and the frequency steering; then judges the {@link state}.
   * Returns the session's offset from our τs it acted on, µs (NaN if it did nothing).
   */
  update(localUs: number = this.clock.now()): number {
    this.lastUpdate = localUs;
    const c = this.config;
    const state = this.stateClock;
    const applied = state.project(localUs) - localUs;
    const fallback = state.frequencyPpm;
    const joining = state.joinOpen;
    const values = this.values;
    let n = 0;
    let known = 0;
    let answering = 0;
    let settledReady = 0;
    values[n++] = 0;
    for (const entry of this.peers.values()) {
      const sync = entry.sync;
      entry.offset = sync.offsetAt(localUs, fallback) - applied;
      entry.counted = false;
      if (sync.inconsistentAt(localUs)) {
        entry.flag = SyncFlag.Inconsistent;
        continue;
      }
      if (entry.flag === SyncFlag.Inconsistent) entry.flag = SyncFlag.None;
      // An honest peer steps at most once before we join (its own join); one that stepped again
      // contradicts itself, and its estimate is too fresh to rank among the clocks we align to.
      if (joining && sync.stepsWithin(localUs) >= 2) continue;
      known++;
      if (sync.samples > 0) answering++;
      if (!this.ready(sync, joining)) continue;
      entry.counted = true;
      values[n++] = entry.offset;
      if (entry.settled) settledReady++;
    }
    if (joining) {
      const offset = this.join(localUs, n, known, answering, settledReady);
      // Right after the step our τs is the clock we aligned onto.
      if (offset === offset) this.judge(0, n);
      return offset;
    }
    // A peer whose clock runs at a rate the others do not share (a clock drifting against the
    // session) sits always on one side; counted, the trimmed mean would drop an honest value on
    // the other side instead, and the session would follow its drift part of the way, for good.
    const agreed = this.rateMedian(Number.NaN);
    if (agreed === agreed) {
      n = 1;
      for (const entry of this.peers.values()) {
        if (entry.counted && !this.rateOutlier(entry, agreed)) values[n++] = entry.offset;
      }
    }
    const offset = n < 2 ? Number.NaN : sessionOffset(values, n, c);
    this.offset = offset;
    this.judge(offset, n);
    if (offset !== offset) return Number.NaN;
    state.correct(offset * c.gain);
    this.flagOutliers(localUs, offset);
    this.steerFrequency(localUs, offset);
    this.counters.updates++;
    return offset;
  }

  /** Whether this sync has made the join alignment (false for a node that never aligned). */
  get joined(): boolean {
    return this.aligned;
  }

  /** Whether our τs is synchronised with the session: {@link state} is `SyncState.Converged`. */
  get converged(): boolean {
    return this.current === SyncState.Converged;
  }

  /** Where this node stands, as of the last update: see {@link SyncState}. */
  get state(): SyncState {
    return this.current;
  }

  /**
   * Calls `listener` with every change of {@link state} (from within {@link update}). Returns the
   * function that removes it.
   */
  subscribe(listener: SyncStateListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The session's offset from our τs at the last update, µs (NaN before one, or without majority). */
  get sessionOffsetUs(): number {
    return this.offset;
  }

  /** Number of peers synchronised with. */
  get size(): number {
    return this.peers.size;
  }

  /** The peer's state, or undefined if it is not synchronised with. */
  peer(peer: NodeId): PeerSync | undefined {
    return this.peers.get(peer)?.sync;
  }

  /** A snapshot of `peer` as of local time `localUs`, or undefined if unknown. */
  status(peer: NodeId, localUs: number = this.clock.now()): PeerSyncStatus | undefined {
    const entry = this.peers.get(peer);
    if (entry === undefined) return undefined;
    const estimate = entry.sync.estimate(localUs, this.stateClock.frequencyPpm);
    return {
      ...estimate,
      peer,
      flag: entry.flag,
      sessionOffsetUs: estimate.offsetUs - (this.stateClock.project(localUs) - localUs),
      settled: entry.settled,
      counters: { ...entry.sync.counters },
    };
  }

  /** The peers flagged now (as of the last update). */
  flagged(): NodeId[] {
    const out: NodeId[] = [];
    this.peers.forEach((entry, id) => {
      if (entry.flag !== SyncFlag.None) out.push(id);
    });
    return out;
  }

  /** Stops synchronising with `peer` (it left). Returns whether it was known. */
  forget(peer: NodeId): boolean {
    return this.peers.delete(peer);
  }

  /** Whether a peer's estimate counts: enough exchanges, more of them if it looks doubtful. */
  private ready(sync: PeerSync, joining: boolean): boolean {
    const c = this.config;
    if (!joining) return sync.samples >= c.minSamples;
    if (sync.samples < c.joinSamples) return false;
    return sync.spreadUs <= c.joinSpreadUs || sync.samples >= c.joinSpreadSamples;
  }

  private join(
    localUs: number,
    n: number,
    known: number,
    answering: number,
    settledReady: number,
  ): number {
    const c = this.config;
    const ready = n - 1;
    if (ready === 0) return Number.NaN;
    let count = n;
    if (settledReady > 0) {
      // Settled peers' τs can no longer step: align onto them, leaving our own clock out.
      count = 0;
      for (const entry of this.peers.values()) {
        if (!entry.settled) continue;
        const sync = entry.sync;
        if (
          !this.ready(sync, true) ||
          sync.inconsistentAt(localUs) ||
          sync.stepsWithin(localUs) >= 2
        ) {
          continue;
        }
        this.values[count++] = entry.offset;
      }
    }
    const offset = joinOffset(this.values, count, c);
    // No majority among them: keep our own clock (and the join open) rather than follow anyone.
    if (offset !== offset) {
      this.joinStable = 0;
      this.joinCandidate = Number.NaN;
      this.setState(SyncState.Joining);
      return Number.NaN;
    }
    // Stability is tracked while waiting for the slow peers too, so the deadline can act at once.
    if (Math.abs(offset - this.joinCandidate) <= c.joinStableUs) this.joinStable++;
    else this.joinStable = 1;
    this.joinCandidate = offset;
    const elapsed = localUs - this.firstRequest;
    // Until the deadline every peer is waited for; then only those still answering (a peer that
    // just aligned refills its window after the step, and leaving it out would change the median).
    if (ready < known && elapsed < c.joinDeadlineUs) return Number.NaN;
    if (ready < answering && elapsed < 2 * c.joinDeadlineUs) return Number.NaN;
    if (this.joinStable < c.joinStableUpdates && elapsed < 2 * c.joinDeadlineUs) return Number.NaN;
    this.stateClock.alignAtJoin(offset);
    this.aligned = true;
    this.offset = offset;
    return offset;
  }

  /**
   * Judges the state after an update that acted on `offset` (0 right after the join) with `n`
   * clocks counted, ours included: a majority of the members, and how close.
   */
  private judge(offset: number, n: number): void {
    const c = this.config;
    const members = this.peers.size + 1;
    if (members === 1) {
      this.setState(SyncState.Converged);
      return;
    }
    if (offset !== offset || 2 * n <= members) {
      this.setState(SyncState.Isolated);
      return;
    }
    const close = Math.abs(offset) <= c.convergedUs;
    const converged = this.current === SyncState.Converged;
    if (this.current === SyncState.Joining || this.current === SyncState.Isolated) {
      this.setState(SyncState.Converging);
    }
    // Count the updates that argue for the other state; one noisy update does not flip it.
    if (close !== converged) this.streak++;
    else this.streak = 0;
    if (this.streak >= c.convergedUpdates) {
      this.setState(close ? SyncState.Converged : SyncState.Converging);
    }
  }

  private setState(next: SyncState): void {
    const previous = this.current;
    if (next === previous) return;
    this.current = next;
    this.streak = 0;
    for (const listener of this.listeners) listener(next, previous);
  }

  private flagOutliers(localUs: number, offset: number): void {
    const { suspectUs, suspectAfterUs, minSamples } = this.config;
    for (const entry of this.peers.values()) {
      if (entry.flag === SyncFlag.Inconsistent || entry.sync.samples < minSamples) continue;
      if (Math.abs(entry.offset - offset) > suspectUs) {
        if (entry.suspectSince !== entry.suspectSince) entry.suspectSince = localUs;
        if (localUs - entry.suspectSince >= suspectAfterUs) entry.flag = SyncFlag.Outlier;
      } else {
        entry.suspectSince = Number.NaN;
        entry.flag = SyncFlag.None;
      }
    }
  }

  /**
   * The median of the members' rates, ppm of our local clock: our own τs rate (the frequency in
   * force) and the confident skew of each peer counted in the consensus — only those not flagged
   * and within `suspectUs` of `offset` unless it is NaN. Leaves them sorted in `rates[0, n)`
   * (n returned through `rateCount`). NaN unless at least two peers have a confident skew, at
   * least half of those counted do, and those within `frequencyAgreePpm` of the median are a
   * strict majority.
   */
  private rateMedian(offset: number): number {
    const c = this.config;
    const rates = this.rates;
    let n = 0;
    let counted = 0;
    rates[n++] = this.stateClock.frequencyPpm;
    for (const entry of this.peers.values()) {
      if (!entry.counted) continue;
      if (offset === offset) {
        if (entry.flag !== SyncFlag.None || Math.abs(entry.offset - offset) > c.suspectUs) continue;
      }
      counted++;
      if (entry.sync.skewConfident) rates[n++] = entry.sync.skewPpm;
    }
    this.rateCount = n;
    const peers = n - 1;
    if (peers < 2 || 2 * peers < counted) return Number.NaN;
    const sorted = rates.subarray(0, n).sort();
    const mid = n >> 1;
    const median =
      n % 2 === 1
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      if (Math.abs((sorted[i] as number) - median) <= c.frequencyAgreePpm) agree++;
    }
    return 2 * agree > n ? median : Number.NaN;
  }

  /** Whether the peer's trusted rate is further than `frequencyAgreePpm` from `median`. */
  private rateOutlier(entry: Entry, median: number): boolean {
    const sync = entry.sync;
    return sync.skewConfident && Math.abs(sync.skewPpm - median) > this.config.frequencyAgreePpm;
  }

  /**
   * Steers the frequency toward the rate the members agree on: our own τs rate (the frequency in
   * force) and that of each trusted peer within `suspectUs` of the consensus `offset` with a
   * confident skew; of those, the ones within `frequencyAgreePpm` of their median are averaged
   * if they are a strict majority. Our own rate among them keeps one liar's from leaving the
   * honest range (with three or more; with two there is no majority and nothing is steered), and
   * the move is bounded by `frequencyRatePpm` per second.
   */
  private steerFrequency(localUs: number, offset: number): void {
    const c = this.config;
    const median = this.rateMedian(offset);
    if (median !== median) return;
    const rates = this.rates;
    let sum = 0;
    let agree = 0;
    for (let i = 0; i < this.rateCount; i++) {
      const r = rates[i] as number;
      if (Math.abs(r - median) <= c.frequencyAgreePpm) {
        sum += r;
        agree++;
      }
    }
    const own = this.stateClock.frequencyPpm;
    // The time since the last steer, at least one interval (the first) and at most a second (a
    // long silence must not allow a jump).
    const elapsed = this.lastSteer === this.lastSteer ? localUs - this.lastSteer : 0;
    this.lastSteer = localUs;
    const step = c.frequencyRatePpm * (Math.min(Math.max(elapsed, c.updateIntervalUs), 1e6) / 1e6);
    this.stateClock.setFrequency(own + Math.max(-step, Math.min(step, sum / agree - own)));
  }

  private entry(peer: NodeId, localUs: number): Entry {
    const existing = this.peers.get(peer);
    if (existing !== undefined) return existing;
    if (this.peers.size >= this.config.maxPeers) {
      let victim: NodeId | undefined;
      let oldest = Number.POSITIVE_INFINITY;
      this.peers.forEach((e, id) => {
        if (e.lastActive < oldest) {
          oldest = e.lastActive;
          victim = id;
        }
      });
      if (victim !== undefined) {
        this.peers.delete(victim);
        this.counters.evictedPeers++;
      }
    }
    const entry: Entry = {
      sync: new PeerSync(this.config, this.nextId),
      flag: SyncFlag.None,
      settled: false,
      suspectSince: Number.NaN,
      lastActive: localUs,
      offset: Number.NaN,
      counted: false,
    };
    this.nextId = (this.nextId + 0x1000) >>> 0;
    this.peers.set(peer, entry);
    return entry;
  }
}
