import { PacketVerdict } from '../packet-verdict.ts';
import type { PathConditions } from '../path-conditions.ts';
import type { PeerStats } from '../peer-stats.ts';
import { ReorderWindow } from './reorder-window.ts';
import { SequenceWindow } from './sequence-window.ts';
import { SlidingMean } from './sliding-mean.ts';

/** Settings shared by every stream's estimators. */
export interface PathModelSettings {
  readonly windowPackets: number;
  readonly sequenceBits: number;
  readonly maxDropout: number;
  readonly maxDelayVariationUs: number;
  readonly maxTimeStepUs: number;
}

/** Where the round trip comes from: it is a property of the peer, not of one stream. */
export interface RttSource {
  readonly rttUs: number;
  readonly rttVarUs: number;
}

/** The sending interval uses RFC 3550's gain of 1/16. */
const INTERVAL_GAIN = 1 / 16;

/** Horizons read the 99th percentile of displacement: one arrival in a hundred may lie beyond. */
const REORDER_SHARE = 0.01;

/**
 * The estimators of one stream of one peer: one sequence-number space (the header's `seq` counts
 * per sender and per packet class, so each class is its own stream). Inputs are range-checked by
 * the network model; this class checks that their timing is plausible. Every structure is sized
 * by `windowPackets` at construction.
 */
export class StreamPathModel implements PathConditions {
  private readonly modulus: number;
  private readonly seqs: SequenceWindow;
  private readonly jitter: SlidingMean;
  private readonly reorder: ReorderWindow;
  private badSeq = -1;
  private prevSent = 0;
  private prevArrival = 0;
  private hasPrev = false;
  private candidateSent = 0;
  private candidateArrival = 0;
  private hasCandidate = false;
  private sentAtHighest = 0;
  private hasIntervalRef = false;
  private interval = 0;
  received = 0;
  duplicates = 0;
  discarded = 0;
  resyncs = 0;
  implausible = 0;
  timeSteps = 0;
  lastHeardUs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly settings: PathModelSettings,
    private readonly rtt: RttSource,
    /** The stream's key (the packet class, or the caller's). */
    readonly key: number,
  ) {
    this.modulus = 2 ** settings.sequenceBits;
    this.seqs = new SequenceWindow(settings.windowPackets);
    this.jitter = new SlidingMean(settings.windowPackets);
    this.reorder = new ReorderWindow(settings.windowPackets, REORDER_SHARE);
  }

  onPacket(seq: number, sentUs: number, arrivalUs: number): PacketVerdict {
    const maxStep = this.settings.maxTimeStepUs;
    if (this.hasPrev) {
      // D against the last accepted arrival. Beyond maxTimeStepUs no network explains it: the
      // sender's clock stepped (its join alignment), ours did, or the timestamp is garbage. One
      // such packet is refused; a second agreeing with it proves a step, and timing restarts.
      const d = arrivalUs - this.prevArrival - (sentUs - this.prevSent);
      if (d > maxStep || d < -maxStep) {
        const c = arrivalUs - this.candidateArrival - (sentUs - this.candidateSent);
        if (!this.hasCandidate || c > maxStep || c < -maxStep) {
          this.candidateSent = sentUs;
          this.candidateArrival = arrivalUs;
          this.hasCandidate = true;
          this.implausible++;
          return PacketVerdict.Invalid;
        }
        this.timeSteps++;
        this.prevSent = this.candidateSent;
        this.prevArrival = this.candidateArrival;
        this.hasIntervalRef = false;
      }
    }
    this.hasCandidate = false;

    const w = this.seqs;
    const m = this.modulus;
    let hi = w.highest;
    let ext: number;
    if (hi < 0) {
      // Start one modulus up so late packets from before the first never go negative.
      ext = m + seq;
    } else {
      let d = seq - (hi % m);
      if (d < 0) d += m;
      ext = d < m / 2 ? hi + d : hi + d - m;
      const ahead = ext - hi;
      if (ahead > this.settings.maxDropout || -ahead >= this.settings.windowPackets) {
        // RFC 3550 §A.1: a large jump is believed only when the next packet follows it.
        if (seq !== this.badSeq) {
          this.badSeq = (seq + 1) % m;
          this.discarded++;
          return PacketVerdict.Discarded;
        }
        this.resyncs++;
        w.reset();
        hi = -1;
        ext = m + seq;
      }
    }
    const r = w.mark(ext);
    if (r === 0) {
      this.duplicates++;
      return PacketVerdict.Duplicate;
    }
    if (r < 0) {
      this.discarded++;
      return PacketVerdict.Discarded;
    }
    this.badSeq = -1;
    this.received++;
    this.reorder.push(hi > ext ? hi - ext : 0);
    const cap = this.settings.maxDelayVariationUs;
    if (ext > hi) {
      if (hi >= 0 && this.hasIntervalRef) {
        // Clamped: after a silence one sample could otherwise hold the average up for hundreds
        // of packets (it is an exponential average, not a window).
        const sample = (sentUs - this.sentAtHighest) / (ext - hi);
        if (sample >= 0) {
          const s = sample < cap ? sample : cap;
          this.interval =
            this.interval === 0 ? s : this.interval + (s - this.interval) * INTERVAL_GAIN;
        }
      }
      this.sentAtHighest = sentUs;
      this.hasIntervalRef = true;
    }
    if (this.hasPrev) {
      // Clamped before the mean: a straggler seconds late adds at most 2 · cap / window.
      const d = arrivalUs - this.prevArrival - (sentUs - this.prevSent);
      const a = d < 0 ? -d : d;
      this.jitter.push(a < cap ? a : cap);
    }
    this.prevArrival = arrivalUs;
    this.prevSent = sentUs;
    this.hasPrev = true;
    this.lastHeardUs = arrivalUs;
    return PacketVerdict.Accepted;
  }

  get rttUs(): number {
    return this.rtt.rttUs;
  }

  get jitterUs(): number {
    return this.jitter.mean;
  }

  get lossRate(): number {
    return this.seqs.lossRate(this.reorder.max);
  }

  get reorderDepth(): number {
    return this.reorder.percentile;
  }

  get intervalUs(): number {
    return this.interval;
  }

  stats(): PeerStats {
    const max = this.reorder.max;
    return {
      stream: this.key,
      rttUs: this.rtt.rttUs,
      rttVarUs: this.rtt.rttVarUs,
      jitterUs: this.jitter.mean,
      lossRate: this.seqs.lossRate(max),
      reorderDepth: this.reorder.percentile,
      maxReorderDepth: max,
      intervalUs: this.interval,
      highestSeq: this.seqs.highest,
      lossWindowFirst: this.seqs.first,
      lossWindowLast: this.seqs.highest - max,
      jitterSamples: this.jitter.size,
      received: this.received,
      duplicates: this.duplicates,
      discarded: this.discarded,
      resyncs: this.resyncs,
      implausible: this.implausible,
      timeSteps: this.timeSteps,
      lastHeardUs: this.lastHeardUs,
    };
  }
}
