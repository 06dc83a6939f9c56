import { OutOfRangeError, type NodeId } from '@elara/core';
import { PeerPathModel } from './internal/peer-path-model.ts';
import { PacketVerdict } from './packet-verdict.ts';
import type { PathConditions } from './path-conditions.ts';
import type { PeerStats } from './peer-stats.ts';

/** Settings of a {@link NetworkModel}; every table and window is bounded by them. */
export interface NetworkModelConfig {
  /** Peers modelled at once (default 64); a new peer beyond that evicts the longest silent one. */
  readonly maxPeers: number;
  /**
   * Window of every estimator, in packets (default 1024, 16–16384): loss counts the last this
   * many sequence numbers, jitter and reorder depth the last this many arrivals. Conditions
   * older than the window are forgotten, so the model recovers within it.
   */
  readonly windowPackets: number;
  /** Width of the sequence numbers fed in (default 16, the header's `seq`; 8–32). */
  readonly sequenceBits: number;
  /**
   * Largest forward jump in numbering taken at face value (default 3000, RFC 3550's
   * MAX_DROPOUT); a larger one is believed only when the next packet follows it.
   */
  readonly maxDropout: number;
  /** A peer not heard from for this long no longer counts toward horizons, µs (default 10 s). */
  readonly staleAfterUs: number;
  /** Arrivals a peer needs before it counts toward horizons (default 16). */
  readonly minSamples: number;
}

/** The defaults of {@link NetworkModelConfig}. */
export const NETWORK_MODEL_DEFAULTS: NetworkModelConfig = {
  maxPeers: 64,
  windowPackets: 1024,
  sequenceBits: 16,
  maxDropout: 3000,
  staleAfterUs: 10_000_000,
  minSamples: 16,
};

function integerIn(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new OutOfRangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

/** Counters of inputs the model refused or peers it dropped. */
export interface NetworkModelCounters {
  /** Arrivals or RTT samples with a bad sequence number or a non-finite time. */
  invalid: number;
  /** Peers evicted to stay within `maxPeers`. */
  evictedPeers: number;
}

/**
 * The per-peer network model, measured from traffic: RTT (from samples the runtime or clock
 * sync supplies), jitter (RFC 3550), loss and reorder depth from sequence numbers and arrival
 * times. Every estimate covers a sliding window, so it recovers when the path improves; peers
 * and windows are bounded. All times are µs of the local clock (arrivals) and of the sender's
 * clock (send times; only differences between them are used, so clock offsets cancel).
 *
 * @example
 * const net = new NetworkModel();
 * net.onPacket(peer, header.seq, envelope.tauS, clock.now());
 * net.onRtt(peer, 48_000);
 * net.stats(peer)?.lossRate; // e.g. 0.02
 */
export class NetworkModel {
  readonly config: NetworkModelConfig;
  readonly counters: NetworkModelCounters = { invalid: 0, evictedPeers: 0 };
  private readonly peers = new Map<NodeId, PeerPathModel>();
  private readonly modulus: number;
  // Packets come in bursts from one peer: remembering the last one skips the map lookup.
  private lastPeer: NodeId | undefined;
  private lastModel: PeerPathModel | undefined;

  constructor(config: Partial<NetworkModelConfig> = {}) {
    const c = { ...NETWORK_MODEL_DEFAULTS, ...config };
    integerIn('maxPeers', c.maxPeers, 1, 65_536);
    integerIn('windowPackets', c.windowPackets, 16, 16_384);
    integerIn('sequenceBits', c.sequenceBits, 8, 32);
    integerIn('maxDropout', c.maxDropout, 1, 2 ** (c.sequenceBits - 1) - 1);
    integerIn('minSamples', c.minSamples, 1, c.windowPackets);
    if (!(c.staleAfterUs > 0)) throw new OutOfRangeError('staleAfterUs must be > 0');
    this.config = c;
    this.modulus = 2 ** c.sequenceBits;
  }

  /**
   * Records one arrival from `peer`: its sequence number, the sender's timestamp and the local
   * arrival time. Returns what the model made of it; refusals are counted, never thrown.
   */
  onPacket(peer: NodeId, seq: number, sentUs: number, arrivalUs: number): PacketVerdict {
    if (
      !Number.isInteger(seq) ||
      seq < 0 ||
      seq >= this.modulus ||
      !Number.isFinite(sentUs) ||
      !Number.isFinite(arrivalUs)
    ) {
      this.counters.invalid++;
      return PacketVerdict.Invalid;
    }
    return this.model(peer).onPacket(seq, sentUs, arrivalUs);
  }

  /** Records one round-trip sample to `peer`, µs. Returns false (and counts) if it is invalid. */
  onRtt(peer: NodeId, rttUs: number): boolean {
    if (!Number.isFinite(rttUs) || rttUs < 0) {
      this.counters.invalid++;
      return false;
    }
    this.model(peer).onRtt(rttUs);
    return true;
  }

  /** The live conditions of `peer`'s path (a view, not a copy), if modelled. */
  conditions(peer: NodeId): PathConditions | undefined {
    return this.peers.get(peer);
  }

  /** A snapshot of `peer`'s estimates and counters, if modelled. */
  stats(peer: NodeId): PeerStats | undefined {
    return this.peers.get(peer)?.stats();
  }

  /** Stops modelling `peer` (it left). Returns whether it was modelled. */
  forget(peer: NodeId): boolean {
    if (peer === this.lastPeer) this.lastPeer = this.lastModel = undefined;
    return this.peers.delete(peer);
  }

  /** Number of peers modelled. */
  get size(): number {
    return this.peers.size;
  }

  /**
   * Calls `fn` for every peer heard within `staleAfterUs` of `nowUs` with at least `minSamples`
   * arrivals (the peers whose estimates mean something). Returns how many there were.
   */
  forEachActive(nowUs: number, fn: (conditions: PathConditions, peer: NodeId) => void): number {
    const { staleAfterUs, minSamples } = this.config;
    let n = 0;
    // forEach rather than for-of over entries: no [key, value] array per peer on each refresh.
    this.peers.forEach((model, peer) => {
      if (model.received >= minSamples && nowUs - model.lastHeardUs <= staleAfterUs) {
        fn(model, peer);
        n++;
      }
    });
    return n;
  }

  private model(peer: NodeId): PeerPathModel {
    if (peer === this.lastPeer && this.lastModel !== undefined) return this.lastModel;
    const existing = this.peers.get(peer);
    if (existing !== undefined) {
      this.lastPeer = peer;
      this.lastModel = existing;
      return existing;
    }
    let model: PeerPathModel | undefined;
    if (this.peers.size >= this.config.maxPeers) {
      let victim: NodeId | undefined;
      let oldest = Number.POSITIVE_INFINITY;
      for (const [id, m] of this.peers) {
        if (victim === undefined || m.lastHeardUs < oldest) {
          victim = id;
          oldest = m.lastHeardUs;
        }
      }
      if (victim !== undefined) {
        model = this.peers.get(victim);
        this.forget(victim);
        this.counters.evictedPeers++;
        model?.reset();
      }
    }
    model ??= new PeerPathModel(this.config);
    this.peers.set(peer, model);
    this.lastPeer = peer;
    this.lastModel = model;
    return model;
  }
}
