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
  /** Distance from the consensus that makes a peer suspect once we have joined, µs (default 100 ms). */
  readonly suspectUs: number;
  /** How long a peer must stay suspect to be flagged an outlier, µs (default 5 s). */
  readonly suspectAfterUs: number;
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
  suspectUs: 100_000,
  suspectAfterUs: 5_000_000,
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
  if (!(c.joinStableUs >= 0)) throw new OutOfRangeError('joinStableUs must be ≥ 0');
  for (const [name, v] of [
    ['updateIntervalUs', c.updateIntervalUs],
    ['joinDeadlineUs', c.joinDeadlineUs],
    ['suspectAfterUs', c.suspectAfterUs],
  ] as const) {
    if (!(v >= 0 && Number.isFinite(v))) throw new OutOfRangeError(`${name} must be ≥ 0`);
  }
  if (!(c.suspectUs > 0)) throw new OutOfRangeError('suspectUs must be > 0');
  if (!(c.gain > 0 && c.gain <= 1))
    throw new OutOfRangeError(`gain must be in (0, 1], got ${c.gain}`);
  return c;
}

/**
 * Clock synchronisation of one session: a {@link PeerSync} per peer and the consensus that steers
 * this node's τs (a part-1 {@link StateClock}) onto the session's time.
 *
 * **Timestamps.** Our requests carry our local clock (`t1`, `t4`); we answer others' requests
 * with our τs (`t2`, `t3`). So each peer's estimate is its τs minus our local clock, and subtracting
 * the offset our τs applies now gives its τs minus ours — our own corrections never blur the
 * history, since they are subtracted exactly rather than measured.
 *
 * **Consensus** (every `updateIntervalUs` as replies arrive, or on {@link update}): the peers with
 * `minSamples` exchanges in their window, not flagged, give their τs minus ours; with our own 0
 * they are combined by {@link sessionOffset} (a trimmed mean of those within `outlierUs` of the
 * lower median), and `gain` of it goes to `stateClock.correct()`, which slews it. Once at least half
 * of them have a trusted skew, their median becomes the clock's frequency correction.
 *
 * **Joining.** While the state clock's join is open, nothing is slewed: once every peer not found
 * inconsistent has `joinSamples` exchanges (or `joinDeadlineUs` after the first request, with
 * those ready), τs steps once by {@link joinOffset} — onto the lower median of the settled peers
 * (those the runtime saw emit events, see {@link markSettled}) if any, else of everyone including
 * ourselves. Afterwards τs only slews. If the runtime closes the join first (a session's creator),
 * the node slews from the start.
 *
 * **Flags.** A peer is flagged `Inconsistent` after `maxSteps` steps within `stepWindowUs` and
 * left out (its estimate restarts at every step anyway), or `Outlier` after staying `suspectUs`
 * away from the consensus for `suspectAfterUs`. Outliers are reported but still counted: the
 * trimmed mean already ignores one, and leaving out whoever looks far would let two groups of
 * honest nodes that drifted apart flag each other and stay split for good. Flags clear once the
 * peer behaves.
 *
 * Memory: at most `maxPeers` peers of fixed size each (about 4 KB at the defaults).
 *
 * @example
 * const sync = new ClockSync(clock, engine.stateClock);
 * const req = sync.request(peer);                      // send it as a control message, if defined
 * const res = sync.respond(incomingRequest);           // answer a peer's request
 * sync.onResponse(peer, incomingResponse);             // the consensus runs from here
 * sync.status(peer)?.flag;                             // SyncFlag.None
 */
export class ClockSync {
  readonly config: ClockSyncConfig;
  readonly counters: ClockSyncCounters = { unknownPeer: 0, evictedPeers: 0, updates: 0 };
  private readonly peers = new Map<NodeId, Entry>();
  private readonly values: Float64Array;
  private readonly skews: Float64Array;
  private firstRequest = Number.NaN;
  private lastUpdate = Number.NEGATIVE_INFINITY;
  private aligned = false;
  private offset = Number.NaN;
  private nextId = 1;
  private joinCandidate = Number.NaN;
  private joinStable = 0;

  constructor(
    readonly clock: Clock,
    readonly stateClock: StateClock,
    config: Partial<ClockSyncConfig> = {},
  ) {
    this.config = checkConfig({ ...CLOCK_SYNC_DEFAULTS, ...config });
    this.values = new Float64Array(this.config.maxPeers + 1);
    this.skews = new Float64Array(this.config.maxPeers);
  }

  /**
   * A time-sync request for `peer`, stamped with the local clock, or undefined if one went out
   * less than `requestIntervalUs` ago. Starts synchronising with a new peer.
   */
  request(peer: NodeId, localUs: number = this.clock.now()): TimeSyncRequestMessage | undefined {
    const entry = this.entry(peer, localUs);
    if (this.firstRequest !== this.firstRequest) this.firstRequest = localUs;
    entry.lastActive = localUs;
    return entry.sync.request(localUs);
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
   * slew toward the session's offset and, when enough skews are trusted, the frequency. Returns
   * the session's offset from our τs it acted on, µs (NaN if it did nothing).
   */
  update(localUs: number = this.clock.now()): number {
    this.lastUpdate = localUs;
    const c = this.config;
    const state = this.stateClock;
    const applied = state.project(localUs) - localUs;
    const fallback = state.frequencyPpm;
    const joining = state.joinOpen;
    const need = joining ? c.joinSamples : c.minSamples;
    const values = this.values;
    let n = 0;
    let known = 0;
    let settledReady = 0;
    values[n++] = 0;
    for (const entry of this.peers.values()) {
      const sync = entry.sync;
      entry.offset = sync.offsetAt(localUs, fallback) - applied;
      if (sync.inconsistentAt(localUs)) {
        entry.flag = SyncFlag.Inconsistent;
        continue;
      }
      if (entry.flag === SyncFlag.Inconsistent) entry.flag = SyncFlag.None;
      // An honest peer steps at most once before we join (its own join); one that stepped again
      // contradicts itself, and its estimate is too fresh to rank among the clocks we align to.
      if (joining && sync.stepsWithin(localUs) >= 2) continue;
      known++;
      if (sync.samples < need) continue;
      values[n++] = entry.offset;
      if (entry.settled) settledReady++;
    }
    if (joining) return this.join(localUs, n, known, settledReady);
    if (n < 2) return Number.NaN;
    const offset = sessionOffset(values, n, c);
    this.offset = offset;
    state.correct(offset * c.gain);
    this.flagOutliers(localUs, offset);
    this.steerFrequency();
    this.counters.updates++;
    return offset;
  }

  /** Whether this sync has made the join alignment (false for a node that never aligned). */
  get joined(): boolean {
    return this.aligned;
  }

  /** The session's offset from our τs at the last update, µs (NaN before one). */
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

  private join(localUs: number, n: number, known: number, settledReady: number): number {
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
          sync.samples < c.joinSamples ||
          sync.inconsistentAt(localUs) ||
          sync.stepsWithin(localUs) >= 2
        ) {
          continue;
        }
        this.values[count++] = entry.offset;
      }
    }
    const offset = joinOffset(this.values, count, c);
    // Stability is tracked while waiting for the slow peers too, so the deadline can act at once.
    if (Math.abs(offset - this.joinCandidate) <= c.joinStableUs) this.joinStable++;
    else this.joinStable = 1;
    this.joinCandidate = offset;
    const elapsed = localUs - this.firstRequest;
    if (ready < known && elapsed < c.joinDeadlineUs) return Number.NaN;
    if (this.joinStable < c.joinStableUpdates && elapsed < 2 * c.joinDeadlineUs) return Number.NaN;
    this.stateClock.alignAtJoin(offset);
    this.aligned = true;
    this.offset = offset;
    return offset;
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

  private steerFrequency(): void {
    const skews = this.skews;
    let n = 0;
    let counted = 0;
    for (const entry of this.peers.values()) {
      if (entry.flag === SyncFlag.Inconsistent || entry.sync.samples < this.config.minSamples) {
        continue;
      }
      counted++;
      if (entry.sync.skewConfident) skews[n++] = entry.sync.skewPpm;
    }
    if (n === 0 || 2 * n < counted) return;
    const sorted = skews.subarray(0, n).sort();
    const mid = n >> 1;
    const median =
      n % 2 === 1
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
    this.stateClock.setFrequency(median);
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
    };
    this.nextId = (this.nextId + 0x1000) >>> 0;
    this.peers.set(peer, entry);
    return entry;
  }
}
