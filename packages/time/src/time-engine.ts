import {
  OutOfRangeError,
  RepresentationProfile,
  type Clock,
  type NodeId,
  type PerceptualTime,
  type StateTime,
} from '@elara/core';
import {
  compressionPressure,
  PRESSURE_DEFAULTS,
  type PressureConfig,
} from './compression-pressure.ts';
import { correctionWeight } from './correction-weight.ts';
import { HORIZON_PROFILES, PROFILE_HORIZONS, type HorizonRange } from './horizon-range.ts';
import {
  correctionNeedUs,
  HORIZON_WEIGHTS,
  horizonFromNeed,
  lossRunFrames,
  type Horizons,
  type HorizonWeights,
} from './horizons.ts';
import { NetworkModel } from './network-model.ts';
import type { PacketVerdict } from './packet-verdict.ts';
import type { PathConditions } from './path-conditions.ts';
import { PerceptualClock } from './perceptual-clock.ts';
import { classifyAt, type RealityWindow } from './reality-window.ts';
import { StateClock, type StateClockConfig } from './state-clock.ts';
import type { TimePosition } from './time-position.ts';
import type { TimeView } from './time-view.ts';

/** How a {@link TimeEngine} is put together; only `clock` is required. */
export interface TimeEngineOptions {
  /** The local clock, Unix-epoch µs (`systemClock()`, or a simulated one). */
  readonly clock: Clock;
  /** The node's network model, shared by its sessions' engines (default: a new one). */
  readonly network?: NetworkModel;
  /** The node's τp, shared by its sessions' engines (default: a new one on `clock`). */
  readonly perceptual?: PerceptualClock;
  /** Slew and frequency bounds of this session's τs. */
  readonly stateClock?: Partial<StateClockConfig>;
  /**
   * The profile used when `classify` and `correctionWeight` are called without one (default
   * `Custom`, whose range is the reference's default configuration).
   */
  readonly profile?: RepresentationProfile;
  /** Weights of the horizon formula. */
  readonly weights?: Partial<HorizonWeights>;
  /** Horizon ranges replacing {@link PROFILE_HORIZONS} entries. */
  readonly ranges?: Partial<Record<RepresentationProfile, HorizonRange>>;
  /** Half points of the compression pressure. */
  readonly pressure?: Partial<PressureConfig>;
  /**
   * Horizons are recomputed from the network model when read, at most this often, µs (default
   * 10 ms, the reference's tick); `tick()` and `refresh()` recompute at once.
   */
  readonly refreshIntervalUs?: number;
  /**
   * The session's members: only their paths count toward this engine's horizons and pressure
   * (a set, read live at each refresh, or a predicate). Needed when `network` is the node's
   * model shared with other sessions, or one session's bad peer would set another's horizons.
   * Without it every peer the network model holds counts.
   */
  readonly members?: ReadonlySet<NodeId> | ((peer: NodeId) => boolean);
}

const PROFILE_COUNT = HORIZON_PROFILES.length;

/** Whether `need` replaces `worst`: larger, or NaN (unknown is the worst, and stays). */
function worse(need: number, worst: number): boolean {
  return worst === worst && !(need <= worst);
}

function checkRange(profile: number, r: HorizonRange): HorizonRange {
  const ok =
    r.hpMinUs >= 0 &&
    r.hpMaxUs >= r.hpMinUs &&
    r.hcMinUs >= 0 &&
    r.hcMaxUs >= r.hcMinUs &&
    r.frameIntervalUs >= 0 &&
    Number.isFinite(r.hpMaxUs) &&
    Number.isFinite(r.hcMaxUs) &&
    Number.isFinite(r.frameIntervalUs);
  if (!ok)
    throw new OutOfRangeError(`horizon range of profile 0x${profile.toString(16)} is invalid`);
  return r;
}

function checkWeights(w: HorizonWeights, p: PressureConfig): void {
  const nonNegative = [w.jitterPredict, w.jitterCorrect, w.reorder, w.transit];
  const positive = [p.jitterHalfUs, p.lossHalf, p.reorderHalf];
  if (
    !nonNegative.every((x) => x >= 0 && Number.isFinite(x)) ||
    !positive.every((x) => x > 0 && Number.isFinite(x)) ||
    !(w.lossCoverage > 0 && w.lossCoverage < 1)
  ) {
    throw new OutOfRangeError(
      'horizon weights must be finite and ≥ 0, lossCoverage in (0, 1), pressure half points > 0',
    );
  }
}

/**
 * The time engine of one session: τs (a {@link StateClock}), τp, the network model, and the
 * reality window with horizons adapted per representation profile. Its `now`, `classify` and
 * `correctionWeight` are the synchronous {@link TimeView} that `@elara/state` uses; no tick
 * is required (horizons refresh lazily), though `tick()` keeps τp following real time.
 *
 * @example
 * const engine = new TimeEngine({ clock: systemClock(), members });
 * engine.onPacket(peer, header.seq, envelope.tauS, header.packetClass); // each arrival
 * const stamp = engine.stampEvent();                   // each local event
 * engine.classify(envelope.tauS, RepresentationProfile.VoiceStandard); // TimePosition
 * engine.correctionWeight(engine.now() - envelope.tauS);
 */
export class TimeEngine implements TimeView {
  readonly clock: Clock;
  readonly stateClock: StateClock;
  readonly perceptual: PerceptualClock;
  readonly network: NetworkModel;
  readonly defaultProfile: RepresentationProfile;
  private readonly weights: HorizonWeights;
  private readonly pressureConfig: PressureConfig;
  private readonly refreshIntervalUs: number;
  private readonly slot = new Uint8Array(256);
  private readonly customSlot: number;
  private readonly ranges: HorizonRange[] = [];
  private readonly frame = new Float64Array(PROFILE_COUNT);
  private readonly needP = new Float64Array(PROFILE_COUNT);
  private readonly hp = new Float64Array(PROFILE_COUNT);
  private readonly hc = new Float64Array(PROFILE_COUNT);
  private needC = 0;
  private pressure = 0;
  /** τs of the last refresh; the lazy refresh is timed on τs, which every read has at hand. */
  private lastRefresh = Number.NEGATIVE_INFINITY;
  private readonly isMember: ((peer: NodeId) => boolean) | undefined;
  private readonly visit: (c: PathConditions, peer: NodeId) => void;

  constructor(options: TimeEngineOptions) {
    this.clock = options.clock;
    this.stateClock = new StateClock(options.clock, options.stateClock);
    this.perceptual = options.perceptual ?? new PerceptualClock(options.clock);
    this.network = options.network ?? new NetworkModel();
    this.defaultProfile = options.profile ?? RepresentationProfile.Custom;
    this.weights = { ...HORIZON_WEIGHTS, ...options.weights };
    this.pressureConfig = { ...PRESSURE_DEFAULTS, ...options.pressure };
    this.refreshIntervalUs = options.refreshIntervalUs ?? 10_000;
    if (!(this.refreshIntervalUs >= 0)) throw new OutOfRangeError('refreshIntervalUs must be ≥ 0');
    checkWeights(this.weights, this.pressureConfig);
    this.customSlot = HORIZON_PROFILES.indexOf(RepresentationProfile.Custom);
    this.slot.fill(this.customSlot);
    HORIZON_PROFILES.forEach((profile, i) => {
      this.slot[profile] = i;
      const range = checkRange(profile, options.ranges?.[profile] ?? PROFILE_HORIZONS[profile]);
      this.ranges.push(range);
      this.frame[i] = range.frameIntervalUs;
    });
    const members = options.members;
    this.isMember = typeof members === 'function' ? members : members && ((p) => members.has(p));
    this.visit = (c, peer) => {
      if (this.isMember === undefined || this.isMember(peer)) this.visitPath(c);
    };
  }

  /** τs now, Unix-epoch µs ({@link TimeView}). */
  now(): StateTime {
    return this.stateClock.now();
  }

  /** τp now, µs since the perceptual clock started. */
  perceptualNow(): PerceptualTime {
    return this.perceptual.now();
  }

  /**
   * τs for a new local event ({@link TimeView}): closes the join alignment, so `alignAtJoin`
   * can no longer step τs under the node's events. Stamp local events here, not with `now()`.
   */
  stampEvent(): StateTime {
    return this.stateClock.stampEvent();
  }

  /** Where `t` falls in `profile`'s reality window now ({@link TimeView}). */
  classify(t: StateTime, profile: RepresentationProfile = this.defaultProfile): TimePosition {
    const tauS = this.stateClock.now();
    this.maybeRefresh(tauS);
    const i = this.index(profile);
    return classifyAt(tauS, this.hc[i] as number, this.hp[i] as number, t);
  }

  /** Weight of a correction `delayUs` late under `profile`'s Hc ({@link TimeView}). */
  correctionWeight(delayUs: number, profile: RepresentationProfile = this.defaultProfile): number {
    this.maybeRefresh(this.stateClock.now());
    return correctionWeight(delayUs, this.hc[this.index(profile)] as number);
  }

  /** The horizons of `profile` now. */
  horizons(profile: RepresentationProfile = this.defaultProfile): Horizons {
    this.maybeRefresh(this.stateClock.now());
    const i = this.index(profile);
    return { hpUs: this.hp[i] as number, hcUs: this.hc[i] as number };
  }

  /** The reality window of `profile` now. */
  window(profile: RepresentationProfile = this.defaultProfile): RealityWindow {
    const tauS = this.stateClock.now();
    this.maybeRefresh(tauS);
    const i = this.index(profile);
    return { tauS, hcUs: this.hc[i] as number, hpUs: this.hp[i] as number };
  }

  /** Compression pressure (0–1): the worst of the active paths of the session's members. */
  compressionPressure(): number {
    this.maybeRefresh(this.stateClock.now());
    return this.pressure;
  }

  /**
   * Records one arrival from `peer`, stamped with the local clock now; `stream` is the header's
   * packet class (default 0), since sequence numbers count per sender and per class.
   */
  onPacket(peer: NodeId, seq: number, sentUs: number, stream: number = 0): PacketVerdict {
    return this.network.onPacket(peer, seq, sentUs, this.clock.now(), stream);
  }

  /** Records one round-trip sample to `peer`, µs. */
  onRtt(peer: NodeId, rttUs: number): boolean {
    return this.network.onRtt(peer, rttUs);
  }

  /** Advances τp and recomputes the horizons (the runtime calls it every tick). */
  tick(): void {
    this.perceptual.now();
    this.refresh();
  }

  /**
   * Recomputes horizons and pressure now. Each profile's horizon follows the worst active
   * stream of the session's members (so the worst of each peer): for every stream the
   * prediction need is `jitterPredict·J + frame·lossRunFrames(L)` and the correction need
   * `transit·RTT + max(jitterCorrect·J, reorder·depth·interval)`. A non-finite clock reading
   * keeps the last horizons, and the next read tries again.
   */
  refresh(): void {
    const local = this.clock.now();
    if (local - local !== 0) return;
    this.refreshAt(local, this.stateClock.now());
  }

  private refreshAt(local: number, tauS: number): void {
    this.needP.fill(0);
    this.needC = 0;
    this.pressure = 0;
    this.network.forEachActive(local, this.visit);
    for (let i = 0; i < PROFILE_COUNT; i++) {
      const r = this.ranges[i] as HorizonRange;
      this.hp[i] = horizonFromNeed(r.hpMinUs, r.hpMaxUs, this.needP[i] as number);
      this.hc[i] = horizonFromNeed(r.hcMinUs, r.hcMaxUs, this.needC);
    }
    this.lastRefresh = tauS;
  }

  /** The table slot of a profile; anything unknown (even from untyped callers) is Custom. */
  private index(profile: RepresentationProfile): number {
    return this.slot[profile] ?? this.customSlot;
  }

  private maybeRefresh(tauS: number): void {
    const since = tauS - this.lastRefresh;
    // Negative after a join step back; written so that NaN refreshes too.
    if (!(since >= 0 && since < this.refreshIntervalUs)) this.refresh();
  }

  private visitPath(c: PathConditions): void {
    const w = this.weights;
    const needP = this.needP;
    const jitter = w.jitterPredict * c.jitterUs;
    const frames = lossRunFrames(c.lossRate, w.lossCoverage);
    // A NaN need wins and stays (horizonFromNeed reads it as the maximum) instead of losing
    // every comparison and being ignored.
    for (let i = 0; i < PROFILE_COUNT; i++) {
      const need = jitter + (this.frame[i] as number) * frames;
      if (worse(need, needP[i] as number)) needP[i] = need;
    }
    const nc = correctionNeedUs(c, w);
    if (worse(nc, this.needC)) this.needC = nc;
    const p = compressionPressure(c, this.pressureConfig);
    if (p > this.pressure) this.pressure = p;
  }
}
