import { PacketVerdict } from '../packet-verdict.ts';
import type { PathConditions } from '../path-conditions.ts';
import type { PeerStats } from '../peer-stats.ts';
import { SequenceWindow } from './sequence-window.ts';
import { SlidingMax } from './sliding-max.ts';
import { SlidingMean } from './sliding-mean.ts';

/** Settings shared by every peer's estimators. */
export interface PathModelSettings {
  readonly windowPackets: number;
  readonly sequenceBits: number;
  readonly maxDropout: number;
}

/** RFC 6298 gains for SRTT and RTTVAR; the sending interval uses RFC 3550's 1/16. */
const RTT_ALPHA = 1 / 8;
const RTT_BETA = 1 / 4;
const INTERVAL_GAIN = 1 / 16;

/**
 * The estimators of one peer's path. Inputs are validated by the network model; this class
 * trusts them. Every structure is sized by `windowPackets` at construction and reused.
 */
export class PeerPathModel implements PathConditions {
  private readonly modulus: number;
  private readonly seqs: SequenceWindow;
  private readonly jitter: SlidingMean;
  private readonly reorder: SlidingMax;
  private badSeq = -1;
  private prevSent = 0;
  private prevArrival = 0;
  private hasPrev = false;
  private sentAtHighest = 0;
  private interval = 0;
  private srtt = 0;
  private rttVar = 0;
  private hasRtt = false;
  received = 0;
  duplicates = 0;
  discarded = 0;
  resyncs = 0;
  lastHeardUs = Number.NEGATIVE_INFINITY;

  constructor(private readonly settings: PathModelSettings) {
    this.modulus = 2 ** settings.sequenceBits;
    this.seqs = new SequenceWindow(settings.windowPackets);
    this.jitter = new SlidingMean(settings.windowPackets);
    this.reorder = new SlidingMax(settings.windowPackets);
  }

  onPacket(seq: number, sentUs: number, arrivalUs: number): PacketVerdict {
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
    if (ext > hi) {
      if (hi >= 0) {
        const sample = (sentUs - this.sentAtHighest) / (ext - hi);
        if (sample >= 0) {
          this.interval =
            this.interval === 0 ? sample : this.interval + (sample - this.interval) * INTERVAL_GAIN;
        }
      }
      this.sentAtHighest = sentUs;
    }
    if (this.hasPrev) {
      const d = arrivalUs - this.prevArrival - (sentUs - this.prevSent);
      this.jitter.push(d < 0 ? -d : d);
    }
    this.prevArrival = arrivalUs;
    this.prevSent = sentUs;
    this.hasPrev = true;
    this.lastHeardUs = arrivalUs;
    return PacketVerdict.Accepted;
  }

  onRtt(rttUs: number): void {
    if (!this.hasRtt) {
      this.srtt = rttUs;
      this.rttVar = rttUs / 2;
      this.hasRtt = true;
      return;
    }
    const err = this.srtt - rttUs;
    this.rttVar += ((err < 0 ? -err : err) - this.rttVar) * RTT_BETA;
    this.srtt += (rttUs - this.srtt) * RTT_ALPHA;
  }

  get rttUs(): number {
    return this.srtt;
  }

  get jitterUs(): number {
    return this.jitter.mean;
  }

  get lossRate(): number {
    return this.seqs.lossRate(this.reorder.max);
  }

  get reorderDepth(): number {
    return this.reorder.max;
  }

  get intervalUs(): number {
    return this.interval;
  }

  stats(): PeerStats {
    const depth = this.reorder.max;
    return {
      rttUs: this.srtt,
      rttVarUs: this.rttVar,
      jitterUs: this.jitter.mean,
      lossRate: this.seqs.lossRate(depth),
      reorderDepth: depth,
      intervalUs: this.interval,
      highestSeq: this.seqs.highest,
      lossWindowFirst: this.seqs.first,
      lossWindowLast: this.seqs.highest - depth,
      jitterSamples: this.jitter.size,
      received: this.received,
      duplicates: this.duplicates,
      discarded: this.discarded,
      resyncs: this.resyncs,
      lastHeardUs: this.lastHeardUs,
    };
  }

  reset(): void {
    this.seqs.reset();
    this.jitter.reset();
    this.reorder.reset();
    this.badSeq = -1;
    this.hasPrev = false;
    this.interval = 0;
    this.srtt = 0;
    this.rttVar = 0;
    this.hasRtt = false;
    this.received = 0;
    this.duplicates = 0;
    this.discarded = 0;
    this.resyncs = 0;
    this.lastHeardUs = Number.NEGATIVE_INFINITY;
  }
}
