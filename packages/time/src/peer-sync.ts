import {
  OutOfRangeError,
  type TimeSyncRequestMessage,
  type TimeSyncResponseMessage,
} from '@elara/core';
import { SampleWindow } from './internal/sample-window.ts';
import { SkewFit } from './internal/skew-fit.ts';
import type { PeerSyncEstimate } from './peer-sync-estimate.ts';
import { SyncVerdict } from './sync-verdict.ts';

/** Settings of a {@link PeerSync}; its memory is bounded by them. */
export interface PeerSyncConfig {
  /**
   * How long exchanges count toward the offset, µs (default 4 s). Longer windows see smaller
   * minima but lag the peer's own corrections and any drift not yet estimated; at 10 exchanges
   * per second and up to 100 ms of jitter, 4 s measured best or within 0.3 ms of it (see README).
   */
  readonly windowUs: number;
  /** Most exchanges kept for the offset (default 64); a flood only keeps the newest. */
  readonly windowSamples: number;
  /** Length of one skew bucket, µs (default 5 s). */
  readonly skewBucketUs: number;
  /** Skew buckets kept (default 64, i.e. 320 s of history in 1 KB of minima). */
  readonly skewBuckets: number;
  /** The skew is trusted once its fit spans this long, µs (default 20 s)… */
  readonly skewMinSpanUs: number;
  /** …and its standard error is at most this, ppm (default 10). */
  readonly skewMaxStdErrPpm: number;
  /** Least time between two requests, µs (default 100 ms: at most 10 exchanges per second). */
  readonly requestIntervalUs: number;
  /** Requests awaiting their reply (default 16); the oldest is forgotten when another goes out. */
  readonly maxOutstanding: number;
  /** Longest round trip believed, µs (default 10 s). */
  readonly maxDelayUs: number;
  /** Slack when testing a reply against the history, µs (default 2 ms), on top of the drift. */
  readonly stepToleranceUs: number;
  /**
   * How fast an honest peer's clock may move against ours between exchanges, ppm (default
   * 12 000: the default slew bound of 10 000 ppm, a 1 000 ppm frequency correction and a bad
   * crystal). A reply is a step only if it moved further than this over the history's age, so a
   * peer slewing toward the session is never mistaken for a liar; smaller steps are followed as
   * motion instead, within one window.
   */
  readonly driftAllowancePpm: number;
  /**
   * Largest spread of the window before a reply counts as a step, µs, on top of the tolerance and
   * drift allowance (default 120 ms). The spread is how far the exchanges disagree beyond what
   * their round trips allow (see {@link PeerSyncEstimate.spreadUs}): an honest peer's stays below
   * the queueing excess of its quickest round trip (measured: at most 106 ms with 100 ms of mean
   * jitter each way), while a peer whose answers wander by ±A reaches about 2A whatever the
   * paths. It catches what the interval test cannot: answers wandering by less than the round
   * trip (±150 ms over a 400 ms path), and steps smaller than the round trip.
   */
  readonly spreadLimitUs: number;
  /** Exchanges in the window before the spread is judged (default 8; fewer say too little). */
  readonly spreadMinSamples: number;
  /**
   * A peer silent this long starts afresh on its next reply, µs (default 30 s): its offset window
   * has long emptied, and its skew history spans a time (a partition) during which its clock was
   * steered by others, which no straight line describes. Not counted as a step.
   */
  readonly forgetAfterUs: number;
  /** This many steps within `stepWindowUs` make the peer inconsistent (default 3 in 60 s). */
  readonly maxSteps: number;
  /** See `maxSteps`, µs. */
  readonly stepWindowUs: number;
}

/** The defaults of {@link PeerSyncConfig}. */
export const PEER_SYNC_DEFAULTS: PeerSyncConfig = {
  windowUs: 4_000_000,
  windowSamples: 64,
  skewBucketUs: 5_000_000,
  skewBuckets: 64,
  skewMinSpanUs: 20_000_000,
  skewMaxStdErrPpm: 10,
  requestIntervalUs: 100_000,
  maxOutstanding: 16,
  maxDelayUs: 10_000_000,
  stepToleranceUs: 2_000,
  driftAllowancePpm: 12_000,
  spreadLimitUs: 120_000,
  spreadMinSamples: 8,
  forgetAfterUs: 30_000_000,
  maxSteps: 3,
  stepWindowUs: 60_000_000,
};

/** Counters of one peer's replies, by verdict. */
export interface PeerSyncCounters {
  accepted: number;
  steps: number;
  unsolicited: number;
  stale: number;
  invalid: number;
}

/** The largest drift assumed for deskewing, µs per µs (a frequency correction's bound). */
const MAX_FALLBACK_RATE = 1e-3;
const MAX_TIME = 2 ** 53;
const U32 = 2 ** 32;

function integerIn(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new OutOfRangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
}

function positive(name: string, v: number): void {
  if (!(v > 0 && v <= MAX_TIME)) throw new OutOfRangeError(`${name} must be > 0, got ${v}`);
}

/** Checks a whole configuration, so a bad one fails at construction with a named error. */
export function checkPeerSyncConfig(c: PeerSyncConfig): PeerSyncConfig {
  positive('windowUs', c.windowUs);
  integerIn('windowSamples', c.windowSamples, 2, 65_536);
  positive('skewBucketUs', c.skewBucketUs);
  integerIn('skewBuckets', c.skewBuckets, 3, 65_536);
  if (!(c.skewMinSpanUs >= 0)) throw new OutOfRangeError('skewMinSpanUs must be ≥ 0');
  positive('skewMaxStdErrPpm', c.skewMaxStdErrPpm);
  if (!(c.requestIntervalUs >= 0)) throw new OutOfRangeError('requestIntervalUs must be ≥ 0');
  integerIn('maxOutstanding', c.maxOutstanding, 1, 1_024);
  positive('maxDelayUs', c.maxDelayUs);
  if (!(c.stepToleranceUs >= 0)) throw new OutOfRangeError('stepToleranceUs must be ≥ 0');
  if (!(c.driftAllowancePpm >= 0 && c.driftAllowancePpm <= 1e6)) {
    throw new OutOfRangeError('driftAllowancePpm must be in [0, 1e6]');
  }
  if (!(c.spreadLimitUs >= 0)) throw new OutOfRangeError('spreadLimitUs must be ≥ 0');
  integerIn('spreadMinSamples', c.spreadMinSamples, 2, c.windowSamples);
  positive('forgetAfterUs', c.forgetAfterUs);
  integerIn('maxSteps', c.maxSteps, 1, 1_024);
  positive('stepWindowUs', c.stepWindowUs);
  return c;
}

function time(v: number): boolean {
  return v - v === 0 && v <= MAX_TIME && v >= -MAX_TIME;
}

/**
 * The clock of one peer as seen from its replies to NTP-style exchanges: we send `t1` (our
 * clock), the peer stamps `t2` when the request arrives and `t3` when it replies (its clock), we
 * stamp `t4` on arrival. Each exchange gives the two legs `a = t2 − t1 = offset + forward delay`
 * and `b = t4 − t3 = backward delay − offset`.
 *
 * - **Offset**: `(min a − min b) / 2` over the last `windowUs`, both minima deskewed to now. Queueing
 *   only adds delay, so each minimum is the path's floor plus the least jitter that direction saw,
 *   and the estimate errs by half the difference of the two floors (the asymmetry no two-way
 *   method can see) plus half the difference of two small minima. Taking the minima per direction
 *   instead of the exchange with the smallest round trip matters: the least of n exponential
 *   jitter draws has mean J / n, whereas the smallest round trip still splits its jitter unevenly.
 * - **Skew**: a weighted least-squares line with one slope through the per-bucket minima of `a`
 *   (rising with the offset) and `b` (falling), over up to `skewBuckets · skewBucketUs`.
 * - **Steps**: a reply whose interval `[−b, a]` misses the intersection of the history's, or that
 *   takes the window's spread beyond `spreadLimitUs` (each beyond the tolerance and
 *   `driftAllowancePpm` of the history's age), proves the peer's clock moved faster than any
 *   honest slew, or that its answers contradict each other: the history is dropped and the step is
 *   counted. A reply to a request sent before we saw the step may describe either clock (jitter
 *   reorders requests), so it is stale and never enters the new history.
 *
 * Pure state, no clock: every call takes the local time. Memory is fixed by the configuration.
 *
 * @example
 * const peer = new PeerSync();
 * const request = peer.request(clock.now());               // send it, if defined
 * peer.onResponse(response, clock.now());                  // SyncVerdict.Accepted
 * peer.estimate(clock.now());                              // { offsetUs, delayUs, skewPpm, … }
 */
export class PeerSync {
  readonly config: PeerSyncConfig;
  readonly counters: PeerSyncCounters = {
    accepted: 0,
    steps: 0,
    unsolicited: 0,
    stale: 0,
    invalid: 0,
  };
  private readonly window: SampleWindow;
  private readonly skew: SkewFit;
  private readonly skewMaxStdErr: number;
  private readonly driftAllowance: number;
  /** Requests awaiting their reply: id and `t1` where `waiting` is 1. */
  private readonly pendingId: Float64Array;
  private readonly pendingT1: Float64Array;
  private readonly waiting: Uint8Array;
  private pendingNext = 0;
  private nextId: number;
  private lastRequest = Number.NEGATIVE_INFINITY;
  private stepSeenUs = Number.NEGATIVE_INFINITY;
  private readonly stepTimes: Float64Array;
  private stepNext = 0;
  private last = Number.NEGATIVE_INFINITY;
  private spread = Number.NaN;

  /** `firstId` lets several instances share one id space (the runtime may use a random start). */
  constructor(config: Partial<PeerSyncConfig> = {}, firstId = 1) {
    this.config = checkPeerSyncConfig({ ...PEER_SYNC_DEFAULTS, ...config });
    const c = this.config;
    this.window = new SampleWindow(c.windowSamples);
    this.skew = new SkewFit(c.skewBuckets, c.skewBucketUs);
    this.skewMaxStdErr = c.skewMaxStdErrPpm * 1e-6;
    this.driftAllowance = c.driftAllowancePpm * 1e-6;
    this.pendingId = new Float64Array(c.maxOutstanding);
    this.pendingT1 = new Float64Array(c.maxOutstanding);
    this.waiting = new Uint8Array(c.maxOutstanding);
    this.stepTimes = new Float64Array(c.maxSteps).fill(Number.NEGATIVE_INFINITY);
    this.nextId = firstId >>> 0;
  }

  /**
   * A request to send now (`t1` = `localUs`, floored to whole µs), or undefined when the last one
   * went out less than `requestIntervalUs` ago.
   */
  request(localUs: number): TimeSyncRequestMessage | undefined {
    if (!time(localUs)) throw new OutOfRangeError(`local time ${localUs} is not a finite µs value`);
    const t1 = Math.floor(localUs);
    // Our clock may run slow by up to 1 000 ppm against the pacing that calls us.
    const interval = this.config.requestIntervalUs * (1 - MAX_FALLBACK_RATE);
    if (t1 - this.lastRequest < interval && t1 >= this.lastRequest) {
      return undefined;
    }
    this.lastRequest = t1;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) % U32;
    const slot = this.pendingNext;
    this.pendingId[slot] = id;
    this.pendingT1[slot] = t1;
    this.waiting[slot] = 1;
    this.pendingNext = slot + 1 === this.config.maxOutstanding ? 0 : slot + 1;
    return { type: 'time-sync-request', id, t1 };
  }

  /**
   * A reply to one of our requests, received at local time `t4`. Replies that match no request
   * still waiting (by id and `t1`) are counted as unsolicited; each request is answered once.
   * `fallbackSkewPpm` is the drift assumed while this peer's own skew is not yet trusted.
   */
  onResponse(response: TimeSyncResponseMessage, t4: number, fallbackSkewPpm = 0): SyncVerdict {
    const slot = this.waitingFor(response.id, response.t1);
    if (slot === undefined) {
      this.counters.unsolicited++;
      return SyncVerdict.Unsolicited;
    }
    this.waiting[slot] = 0;
    return this.addExchange(response.t1, response.t2, response.t3, t4, fallbackSkewPpm);
  }

  /** The slot of the request still waiting with this id and `t1`, if any. */
  private waitingFor(id: number, t1: number): number | undefined {
    const n = this.config.maxOutstanding;
    for (let i = 0; i < n; i++) {
      if (this.waiting[i] === 1 && this.pendingId[i] === id && this.pendingT1[i] === t1) return i;
    }
    return undefined;
  }

  /**
   * One complete exchange whose timestamps were paired elsewhere (e.g. piggybacked on traffic):
   * `t1` and `t4` on our clock, `t2` and `t3` on the peer's.
   */
  addExchange(t1: number, t2: number, t3: number, t4: number, fallbackSkewPpm = 0): SyncVerdict {
    const tolerance = this.config.stepToleranceUs;
    if (!(time(t1) && time(t2) && time(t3) && time(t4) && t3 >= t2 && t4 >= t1)) {
      return this.invalid();
    }
    const a = t2 - t1;
    const b = t4 - t3;
    const delay = a + b;
    if (!(delay >= -tolerance && delay <= this.config.maxDelayUs)) return this.invalid();
    // A request sent before we saw the last step may have reached the peer before it stepped
    // (jitter reorders requests): its reply may describe the old clock, so it stays out of the new
    // history even when it happens to fit it (it would make the spread jump a few replies later).
    if (t1 < this.stepSeenUs) {
      this.counters.stale++;
      return SyncVerdict.Stale;
    }
    const t = t1 + (t4 - t1) / 2;
    const c = this.config;
    if (t - this.last > c.forgetAfterUs) this.reset();
    const w = this.window;
    w.dropBefore(t - c.windowUs);
    let verdict: SyncVerdict = SyncVerdict.Accepted;
    if (w.size > 0) {
      w.envelope(t, this.rate(fallbackSkewPpm));
      const slack = tolerance + this.driftAllowance * Math.abs(t - w.oldest);
      // The new interval [−b, a] and the history's [−min b, min a] do not meet, or together they
      // disagree by more than their round trips allow (see SampleWindow.spread).
      const spread = Math.min(w.minDelay, delay) - Math.min(w.minA, a) - Math.min(w.minB, b);
      if (
        a + w.minB < -slack ||
        b + w.minA < -slack ||
        (w.size >= c.spreadMinSamples && spread > c.spreadLimitUs + slack)
      ) {
        this.onStep(t, t4);
        verdict = SyncVerdict.Stepped;
      }
    }
    w.push(t, a, b);
    this.skew.add(t, a, b);
    if (t > this.last) this.last = t;
    if (verdict === SyncVerdict.Accepted) this.counters.accepted++;
    return verdict;
  }

  /**
   * The offset at local time `localUs` (peer's clock minus ours, µs), or NaN without exchanges
   * in the window. Exchanges older than the window are forgotten first.
   */
  offsetAt(localUs: number, fallbackSkewPpm = 0): number {
    const w = this.window;
    w.dropBefore(localUs - this.config.windowUs);
    if (w.envelope(localUs, this.rate(fallbackSkewPpm)) === 0) {
      this.spread = Number.NaN;
      return Number.NaN;
    }
    this.spread = w.spread;
    return (w.minA - w.minB) / 2;
  }

  /** Everything known at local time `localUs`, as a snapshot. */
  estimate(localUs: number, fallbackSkewPpm = 0): PeerSyncEstimate {
    const offsetUs = this.offsetAt(localUs, fallbackSkewPpm);
    const w = this.window;
    return {
      offsetUs,
      delayUs: w.size === 0 ? Number.NaN : w.minA + w.minB,
      spreadUs: this.spread,
      samples: w.size,
      skewPpm: this.skew.rate * 1e6,
      skewStdErrPpm: this.skew.stdErr * 1e6,
      skewConfident: this.skewConfident,
    };
  }

  /**
   * The window's spread as of the last {@link offsetAt} or {@link estimate}, µs (NaN without
   * exchanges): see {@link PeerSyncEstimate.spreadUs}.
   */
  get spreadUs(): number {
    return this.spread;
  }

  /** Exchanges in the offset window (as of the last call that took a time). */
  get samples(): number {
    return this.window.size;
  }

  /** Local time of the newest exchange (−∞ before the first). */
  get lastSampleUs(): number {
    return this.last;
  }

  /** The fitted skew, ppm (0 until fitted). */
  get skewPpm(): number {
    return this.skew.rate * 1e6;
  }

  /** Whether the skew fit spans `skewMinSpanUs` with a standard error within bounds. */
  get skewConfident(): boolean {
    return this.skew.span >= this.config.skewMinSpanUs && this.skew.stdErr <= this.skewMaxStdErr;
  }

  /** Skew buckets held (bounded by `skewBuckets`). */
  get skewBucketCount(): number {
    return this.skew.size;
  }

  /** Steps seen within `stepWindowUs` before `localUs`. */
  stepsWithin(localUs: number): number {
    const since = localUs - this.config.stepWindowUs;
    let n = 0;
    for (const t of this.stepTimes) if (t >= since) n++;
    return n;
  }

  /** Whether the peer stepped `maxSteps` times within `stepWindowUs` before `localUs`. */
  inconsistentAt(localUs: number): boolean {
    return this.stepsWithin(localUs) >= this.config.maxSteps;
  }

  /** Forgets the history (not the counters, nor the requests awaiting replies). */
  reset(): void {
    this.window.clear();
    this.skew.clear();
  }

  private rate(fallbackSkewPpm: number): number {
    if (this.skewConfident) return this.skew.rate;
    const r = fallbackSkewPpm * 1e-6;
    // NaN fails both comparisons and falls through to 0.
    return r > MAX_FALLBACK_RATE
      ? MAX_FALLBACK_RATE
      : r < -MAX_FALLBACK_RATE
        ? -MAX_FALLBACK_RATE
        : r === r
          ? r
          : 0;
  }

  private onStep(t: number, seenUs: number): void {
    this.reset();
    this.stepSeenUs = seenUs;
    this.stepTimes[this.stepNext] = t;
    this.stepNext = this.stepNext + 1 === this.config.maxSteps ? 0 : this.stepNext + 1;
    this.counters.steps++;
  }

  private invalid(): SyncVerdict {
    this.counters.invalid++;
    return SyncVerdict.Invalid;
  }
}
