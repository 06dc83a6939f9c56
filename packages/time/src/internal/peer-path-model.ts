import type { NodeId } from '@elara/core';
import type { PathConditions } from '../path-conditions.ts';
import type { PeerStats } from '../peer-stats.ts';
import { StreamPathModel, type PathModelSettings, type RttSource } from './stream-path-model.ts';

/** The largest value of one measure among `streams` (0 with none). */
function worst(
  streams: readonly StreamPathModel[],
  measure: 'jitterUs' | 'lossRate' | 'reorderDepth',
): number {
  let w = 0;
  for (const s of streams) {
    const v = s[measure];
    if (v > w) w = v;
  }
  return w;
}

/** RFC 6298 gains for SRTT and RTTVAR. */
const RTT_ALPHA = 1 / 8;
const RTT_BETA = 1 / 4;

/**
 * One peer: its round trip (shared by its streams) and its streams, each with its own
 * sequence-number space. As {@link PathConditions} it reads as the worst of its streams.
 * Streams are created on their first packet, up to `maxStreams`; a new one beyond evicts the
 * stream heard longest ago. An evicted stream's object is dropped, never reused, so a view held
 * on it keeps its last values instead of reporting another stream.
 */
export class PeerPathModel implements PathConditions, RttSource {
  readonly streams: StreamPathModel[] = [];
  /** Neighbours in the network model's recency list (intrusive, so a touch allocates nothing). */
  older: PeerPathModel | undefined;
  newer: PeerPathModel | undefined;
  private last: StreamPathModel | undefined;
  private srtt = 0;
  private rttVariation = 0;
  private hasRtt = false;

  constructor(
    /** The peer modelled. */
    readonly id: NodeId,
    private readonly settings: PathModelSettings,
    private readonly maxStreams: number,
  ) {}

  /** The stream keyed `key`, if modelled. */
  stream(key: number): StreamPathModel | undefined {
    const last = this.last;
    if (last !== undefined && last.key === key) return last;
    for (const s of this.streams) {
      if (s.key === key) return (this.last = s);
    }
    return undefined;
  }

  /** The stream keyed `key`, created if new; `onEvict` runs if a stream was evicted for it. */
  streamFor(key: number, onEvict: () => void): StreamPathModel {
    const found = this.stream(key);
    if (found !== undefined) return found;
    const created = new StreamPathModel(this.settings, this, key);
    const streams = this.streams;
    if (streams.length < this.maxStreams) {
      streams.push(created);
    } else {
      // At most maxStreams (≤ 256) to scan, and only when a new stream appears.
      let victim = 0;
      for (let i = 1; i < streams.length; i++) {
        if (
          (streams[i] as StreamPathModel).lastHeardUs <
          (streams[victim] as StreamPathModel).lastHeardUs
        ) {
          victim = i;
        }
      }
      streams[victim] = created;
      onEvict();
    }
    return (this.last = created);
  }

  onRtt(rttUs: number): void {
    if (!this.hasRtt) {
      this.srtt = rttUs;
      this.rttVariation = rttUs / 2;
      this.hasRtt = true;
      return;
    }
    const err = this.srtt - rttUs;
    this.rttVariation += ((err < 0 ? -err : err) - this.rttVariation) * RTT_BETA;
    this.srtt += (rttUs - this.srtt) * RTT_ALPHA;
  }

  get rttUs(): number {
    return this.srtt;
  }

  get rttVarUs(): number {
    return this.rttVariation;
  }

  /** The largest jitter among its streams. */
  get jitterUs(): number {
    return worst(this.streams, 'jitterUs');
  }

  /** The largest loss rate among its streams. */
  get lossRate(): number {
    return worst(this.streams, 'lossRate');
  }

  /** The largest (robust) reorder depth among its streams. */
  get reorderDepth(): number {
    return worst(this.streams, 'reorderDepth');
  }

  /**
   * Chosen so that `reorderDepth × intervalUs` is the largest reorder hold-back of its streams
   * (what the correction horizon needs); without reordering, the shortest measured interval.
   */
  get intervalUs(): number {
    let depth = 0;
    let holdBack = 0;
    let shortest = 0;
    for (const s of this.streams) {
      const r = s.reorderDepth;
      const t = s.intervalUs;
      if (r > depth) depth = r;
      if (r * t > holdBack) holdBack = r * t;
      if (t > 0 && (shortest === 0 || t < shortest)) shortest = t;
    }
    return depth > 0 ? holdBack / depth : shortest;
  }

  /** A snapshot of stream `key`; one not heard yet reads as empty (the peer's RTT only). */
  stats(key: number): PeerStats {
    const s = this.stream(key);
    if (s !== undefined) return s.stats();
    return {
      stream: key,
      rttUs: this.srtt,
      rttVarUs: this.rttVariation,
      jitterUs: 0,
      lossRate: 0,
      reorderDepth: 0,
      maxReorderDepth: 0,
      intervalUs: 0,
      highestSeq: -1,
      lossWindowFirst: -1,
      lossWindowLast: -1,
      jitterSamples: 0,
      received: 0,
      duplicates: 0,
      discarded: 0,
      resyncs: 0,
      implausible: 0,
      timeSteps: 0,
      lastHeardUs: Number.NEGATIVE_INFINITY,
    };
  }

  /** Local time of the last accepted arrival on any stream, µs. */
  get lastHeardUs(): number {
    let last = Number.NEGATIVE_INFINITY;
    for (const s of this.streams) if (s.lastHeardUs > last) last = s.lastHeardUs;
    return last;
  }
}
