import { OutOfRangeError, type NodeId } from '@elara/core';
import { PeerPathModel } from './internal/peer-path-model.ts';
import { PacketVerdict } from './packet-verdict.ts';
import type { PathConditions } from './path-conditions.ts';
import type { PeerStats } from './peer-stats.ts';

/** Settings of a {@link NetworkModel}; every table and window is bounded by them. */
export interface NetworkModelConfig {
  /** Peers modelled at once (default 64); a new peer beyond that evicts the least recently fed. */
  readonly maxPeers: number;
  /**
   * Streams (sequence-number spaces: packet classes, or the caller's keys) modelled per peer
   * (default 5, one per packet class; 1–256); a new one beyond evicts the peer's stream heard
   * longest ago.
   */
  readonly maxStreams: number;
  /**
   * Window of every windowed estimator, in packets (default 1024, 16–16384): loss counts the last
   * this many sequence numbers, jitter and reorder depth the last this many arrivals, of each
   * stream. Conditions older than the window are forgotten, so those estimates recover within it.
   */
  readonly windowPackets: number;
  /** Width of the sequence numbers fed in (default 16, the header's `seq`; 8–32). */
  readonly sequenceBits: number;
  /**
   * Largest forward jump in numbering taken at face value (default 3000, RFC 3550's
   * MAX_DROPOUT); a larger one is believed only when the next packet follows it.
   */
  readonly maxDropout: number;
  /** A stream not heard from for this long no longer counts toward horizons, µs (default 10 s). */
  readonly staleAfterUs: number;
  /** Arrivals a stream needs before it counts toward horizons (default 16). */
  readonly minSamples: number;
  /**
   * Each |D| sample and each sending-interval sample is clamped to this before it is averaged,
   * µs (default 1 s). A straggler seconds late then moves the window's mean jitter by at most
   * `2 · maxDelayVariationUs / windowPackets`, and a silence cannot hold the interval up for
   * hundreds of packets; a path whose every |D| exceeds 1 s already reads as J = 1 s, beyond the
   * bend of every profile's correction horizon except Textual's.
   */
  readonly maxDelayVariationUs: number;
  /**
   * An arrival whose |D| against the previous one exceeds this, µs (default 10 s), has a send
   * time no network explains: it is refused as `Invalid` (counted) unless the next arrival agrees
   * with it, which proves the sender's clock (or ours) stepped, and timing restarts there.
   */
  readonly maxTimeStepUs: number;
}

/** The defaults of {@link NetworkModelConfig}. */
export const NETWORK_MODEL_DEFAULTS: NetworkModelConfig = {
  maxPeers: 64,
  maxStreams: 5,
  windowPackets: 1024,
  sequenceBits: 16,
  maxDropout: 3000,
  staleAfterUs: 10_000_000,
  minSamples: 16,
  maxDelayVariationUs: 1_000_000,
  maxTimeStepUs: 10_000_000,
};

/**
 * The most packet slots `maxPeers × maxStreams × windowPackets` may add up to (2^21): about
 * 14 bytes each, so a configuration can never ask for more than about 30 MB.
 */
export const MAX_MODELLED_PACKETS = 2 ** 21;

/** Times beyond ±2^53 µs are not exact integers in a double; none is a real clock reading. */
const MAX_TIME_US = 2 ** 53;

function integerIn(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new OutOfRangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

/** Counters of inputs the model refused and of what it dropped. */
export interface NetworkModelCounters {
  /**
   * Arrivals or RTT samples refused: a bad sequence number or stream key, a time that is not
   * finite or beyond ±2^53 µs, or an implausible send time (see `maxTimeStepUs`).
   */
  invalid: number;
  /** Peers evicted to stay within `maxPeers`. */
  evictedPeers: number;
  /** Streams evicted to stay within `maxStreams` per peer. */
  evictedStreams: number;
}

/**
 * The per-peer network model, measured from traffic: RTT (from samples the runtime or clock
 * sync supplies), jitter (the windowed mean of RFC 3550's |D|), loss and reorder depth from
 * sequence numbers and arrival times. The header's sequence number counts per sender *and per
 * packet class*, so each (peer, stream) pair has its own estimators, the stream being the packet
 * class (or any key the caller chooses); a peer reads as the worst of its streams. Jitter, loss
 * and reorder depth cover a sliding window, so they recover when the path improves; peers,
 * streams and windows are bounded. All times are µs of the local clock (arrivals) and of the
 * sender's clock (send times; only differences between them are used, so clock offsets cancel).
 *
 * @example
 * const net = new NetworkModel();
 * net.onPacket(peer, header.seq, envelope.tauS, clock.now(), header.packetClass);
 * net.onRtt(peer, 48_000);
 * net.conditions(peer)?.lossRate; // the worst of its classes, e.g. 0.02
 * net.stats(peer, PacketClass.Perceptual)?.reorderDepth;
 */
export class NetworkModel {
  readonly config: NetworkModelConfig;
  readonly counters: NetworkModelCounters = { invalid: 0, evictedPeers: 0, evictedStreams: 0 };
  private readonly peers = new Map<NodeId, PeerPathModel>();
  // The peers in recency order, as a list threaded through the models: a peer moves to the
  // newest end when fed, so the oldest end is the least recently fed and eviction costs O(1)
  // however many peers there are. (Re-inserting into the Map to the same end cost two more
  // hashed operations per packet whenever the sender changed.)
  private oldest: PeerPathModel | undefined;
  private newest: PeerPathModel | undefined;
  private readonly modulus: number;
  // Packets come in bursts from one peer: remembering the last one skips the map lookup (and
  // it is already the newest).
  private lastPeer: NodeId | undefined;
  private lastModel: PeerPathModel | undefined;
  private readonly evictStream = (): void => {
    this.counters.evictedStreams++;
  };

  constructor(config: Partial<NetworkModelConfig> = {}) {
    const c = { ...NETWORK_MODEL_DEFAULTS, ...config };
    integerIn('maxPeers', c.maxPeers, 1, 65_536);
    integerIn('maxStreams', c.maxStreams, 1, 256);
    integerIn('windowPackets', c.windowPackets, 16, 16_384);
    integerIn('sequenceBits', c.sequenceBits, 8, 32);
    integerIn('maxDropout', c.maxDropout, 1, 2 ** (c.sequenceBits - 1) - 1);
    integerIn('minSamples', c.minSamples, 1, c.windowPackets);
    if (!(c.staleAfterUs > 0)) throw new OutOfRangeError('staleAfterUs must be > 0');
    if (!(c.maxDelayVariationUs > 0 && c.maxDelayVariationUs <= MAX_TIME_US)) {
      throw new OutOfRangeError(
        `maxDelayVariationUs must be in (0, 2^53], got ${c.maxDelayVariationUs}`,
      );
    }
    if (!(c.maxTimeStepUs >= c.maxDelayVariationUs && c.maxTimeStepUs <= MAX_TIME_US)) {
      throw new OutOfRangeError(
        `maxTimeStepUs must be in [maxDelayVariationUs, 2^53], got ${c.maxTimeStepUs}`,
      );
    }
    const slots = c.maxPeers * c.maxStreams * c.windowPackets;
    if (slots > MAX_MODELLED_PACKETS) {
      throw new OutOfRangeError(
        `maxPeers × maxStreams × windowPackets must be ≤ 2^21, got ${slots}`,
      );
    }
    this.config = c;
    this.modulus = 2 ** c.sequenceBits;
  }

  /**
   * Records one arrival from `peer` on `stream`: its sequence number, the sender's timestamp
   * and the local arrival time. `stream` separates sequence-number spaces: pass the header's
   * packet class (0–255; default 0, enough when the peer numbers all its packets in one space).
   * Returns what the model made of it; refusals are counted, never thrown.
   */
  onPacket(
    peer: NodeId,
    seq: number,
    sentUs: number,
    arrivalUs: number,
    stream: number = 0,
  ): PacketVerdict {
    if (
      !Number.isInteger(seq) ||
      seq < 0 ||
      seq >= this.modulus ||
      !(sentUs >= -MAX_TIME_US && sentUs <= MAX_TIME_US) ||
      !(arrivalUs >= -MAX_TIME_US && arrivalUs <= MAX_TIME_US) ||
      !((stream & 0xff) === stream)
    ) {
      this.counters.invalid++;
      return PacketVerdict.Invalid;
    }
    const verdict = this.model(peer)
      .streamFor(stream, this.evictStream)
      .onPacket(seq, sentUs, arrivalUs);
    if (verdict === PacketVerdict.Invalid) this.counters.invalid++;
    return verdict;
  }

  /** Records one round-trip sample to `peer`, µs. Returns false (and counts) if it is invalid. */
  onRtt(peer: NodeId, rttUs: number): boolean {
    if (!(rttUs >= 0 && rttUs <= MAX_TIME_US)) {
      this.counters.invalid++;
      return false;
    }
    this.model(peer).onRtt(rttUs);
    return true;
  }

  /**
   * The live conditions of `peer`'s path (a view, not a copy), if modelled: of one `stream`, or
   * without it the worst of the peer's streams. A view of a peer or stream that was forgotten or
   * evicted keeps its last values; it never reports another.
   */
  conditions(peer: NodeId, stream?: number): PathConditions | undefined {
    const model = this.peers.get(peer);
    return stream === undefined ? model : model?.stream(stream);
  }

  /**
   * A snapshot of one `stream` of `peer` (default 0: the single-stream form), if the peer is
   * modelled; a stream not heard yet reads as empty, with the peer's RTT.
   */
  stats(peer: NodeId, stream: number = 0): PeerStats | undefined {
    return this.peers.get(peer)?.stats(stream);
  }

  /** The keys of `peer`'s streams (empty if it is not modelled). */
  streams(peer: NodeId): number[] {
    return this.peers.get(peer)?.streams.map((s) => s.key) ?? [];
  }

  /** Stops modelling `peer` (it left). Returns whether it was modelled. */
  forget(peer: NodeId): boolean {
    const model = this.peers.get(peer);
    if (model === undefined) return false;
    if (model === this.lastModel) this.lastPeer = this.lastModel = undefined;
    this.unlink(model);
    return this.peers.delete(peer);
  }

  /** Number of peers modelled. */
  get size(): number {
    return this.peers.size;
  }

  /**
   * Calls `fn` for every stream heard within `staleAfterUs` of `nowUs` with at least
   * `minSamples` arrivals (the streams whose estimates mean something), with its peer and key.
   * Returns how many there were.
   */
  forEachActive(
    nowUs: number,
    fn: (conditions: PathConditions, peer: NodeId, stream: number) => void,
  ): number {
    const { staleAfterUs, minSamples } = this.config;
    let n = 0;
    // forEach rather than for-of over entries: no [key, value] array per peer on each refresh.
    this.peers.forEach((model, peer) => {
      for (const s of model.streams) {
        if (s.received >= minSamples && nowUs - s.lastHeardUs <= staleAfterUs) {
          fn(s, peer, s.key);
          n++;
        }
      }
    });
    return n;
  }

  private model(peer: NodeId): PeerPathModel {
    if (peer === this.lastPeer) return this.lastModel as PeerPathModel;
    let model = this.peers.get(peer);
    if (model !== undefined) {
      if (model !== this.newest) {
        this.unlink(model);
        this.append(model);
      }
    } else {
      const victim = this.oldest;
      if (this.peers.size >= this.config.maxPeers && victim !== undefined) {
        // The least recently fed. Its object is dropped, not reused, so a view held on it keeps
        // reporting that peer's last values.
        this.forget(victim.id);
        this.counters.evictedPeers++;
      }
      model = new PeerPathModel(peer, this.config, this.config.maxStreams);
      this.peers.set(peer, model);
      this.append(model);
    }
    this.lastPeer = peer;
    this.lastModel = model;
    return model;
  }

  private append(model: PeerPathModel): void {
    model.older = this.newest;
    model.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = model;
    else this.oldest = model;
    this.newest = model;
  }

  private unlink(model: PeerPathModel): void {
    const { older, newer } = model;
    if (older !== undefined) older.newer = newer;
    else this.oldest = newer;
    if (newer !== undefined) newer.older = older;
    else this.newest = older;
    model.older = model.newer = undefined;
  }
}
