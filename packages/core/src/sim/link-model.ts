import { OutOfRangeError } from '../elara-error.ts';
import type { Prng } from './prng.ts';

/**
 * Per-packet delay variation added to the base latency. `exponential` (mean `meanUs`) is the
 * named distribution the time-sync tests assume; `uniform` draws from [0, maxUs].
 */
export type JitterModel =
  | { readonly distribution: 'none' }
  | { readonly distribution: 'exponential'; readonly meanUs: number }
  | { readonly distribution: 'uniform'; readonly maxUs: number };

/**
 * Loss. `random`: each packet lost independently with probability `p`. `gilbert-elliott`: a
 * two-state Markov chain stepped once per packet (good → bad with `pGoodToBad`, bad → good with
 * `pBadToGood`), losing with `lossGood` / `lossBad` in each state.
 */
export type LossModel =
  | { readonly model: 'none' }
  | { readonly model: 'random'; readonly p: number }
  | {
      readonly model: 'gilbert-elliott';
      readonly pGoodToBad: number;
      readonly pBadToGood: number;
      readonly lossGood: number;
      readonly lossBad: number;
    };

/** One direction of a simulated path. All times in µs. */
export interface LinkConfig {
  /** Base one-way delay. */
  readonly latencyUs: number;
  readonly jitter?: JitterModel;
  readonly loss?: LossModel;
  /** With probability `p`, a packet is held back an extra `delayUs` (so later ones overtake it). */
  readonly reorder?: { readonly p: number; readonly delayUs: number };
  /** Probability that a packet is delivered twice (the copy draws its own jitter). */
  readonly duplicate?: number;
  /** Bottleneck rate in bits per second; packets queue behind each other. */
  readonly bandwidthBps?: number;
  /** Queue limit in bytes at the bottleneck (tail drop); default 64 KiB. */
  readonly queueBytes?: number;
}

/** Counters of one link. */
export interface LinkStats {
  sent: number;
  lost: number;
  queueDropped: number;
  duplicated: number;
  delivered: number;
}

const NO_JITTER: JitterModel = { distribution: 'none' };
const NO_LOSS: LossModel = { model: 'none' };

/**
 * One direction of a simulated link: decides, per packet, whether and when it arrives.
 * Deterministic for a given {@link Prng}; every packet draws its random values in a fixed order.
 *
 * @example
 * const link = new LinkModel({ latencyUs: 20_000, jitter: { distribution: 'exponential', meanUs: 5_000 },
 *   loss: { model: 'random', p: 0.1 } }, new Prng(1));
 * const arrivals = link.transmit(0, 1200); // [] if lost, else one (or two) arrival times
 */
export class LinkModel {
  readonly stats: LinkStats = { sent: 0, lost: 0, queueDropped: 0, duplicated: 0, delivered: 0 };
  private config: LinkConfig;
  private bad = false;
  private busyUntil = 0;

  /** Throws {@link OutOfRangeError} for an invalid configuration (see {@link checkLinkConfig}). */
  constructor(
    config: LinkConfig,
    private readonly rng: Prng,
  ) {
    checkLinkConfig(config);
    this.config = config;
  }

  /**
   * Replaces the link's parameters (the Gilbert-Elliott state and the queue carry over). An
   * invalid configuration throws {@link OutOfRangeError} and leaves the old one in place.
   */
  reconfigure(config: LinkConfig): void {
    checkLinkConfig(config);
    this.config = config;
  }

  /** Current parameters. */
  get parameters(): LinkConfig {
    return this.config;
  }

  /**
   * Sends one packet of `sizeBytes` at `sendTimeUs`. Returns its arrival times: empty when lost
   * or dropped at the queue, two entries when duplicated. `sendTimeUs` must be finite and
   * `sizeBytes` finite and ≥ 0, else {@link OutOfRangeError} (a NaN would poison the queue's
   * `busyUntil` for every later packet).
   */
  transmit(sendTimeUs: number, sizeBytes: number): number[] {
    if (typeof sendTimeUs !== 'number' || !Number.isFinite(sendTimeUs))
      throw new OutOfRangeError(`transmit: send time ${sendTimeUs} is not finite`);
    nonNegative(sizeBytes, 'transmit: size');
    const c = this.config;
    this.stats.sent++;
    let departure = sendTimeUs;
    if (c.bandwidthBps !== undefined && c.bandwidthBps > 0) {
      const start = Math.max(sendTimeUs, this.busyUntil);
      const queuedBytes = ((start - sendTimeUs) * c.bandwidthBps) / 8e6;
      if (queuedBytes + sizeBytes > (c.queueBytes ?? 65_536)) {
        this.stats.queueDropped++;
        return [];
      }
      departure = start + (sizeBytes * 8e6) / c.bandwidthBps;
      this.busyUntil = departure;
    }
    if (this.lose(c.loss ?? NO_LOSS)) {
      this.stats.lost++;
      return [];
    }
    const arrivals = [departure + this.delay(c)];
    if (c.duplicate !== undefined && this.rng.chance(c.duplicate)) {
      this.stats.duplicated++;
      arrivals.push(departure + this.delay(c));
    }
    this.stats.delivered += arrivals.length;
    return arrivals;
  }

  /** The mean one-way delay implied by the parameters (excluding queueing). */
  expectedMeanDelayUs(): number {
    const c = this.config;
    return (
      c.latencyUs +
      meanJitter(c.jitter ?? NO_JITTER) +
      (c.reorder ? c.reorder.p * c.reorder.delayUs : 0)
    );
  }

  /** The long-run loss rate implied by the parameters. */
  expectedLossRate(): number {
    return stationaryLoss(this.config.loss ?? NO_LOSS);
  }

  private lose(loss: LossModel): boolean {
    switch (loss.model) {
      case 'none':
        return false;
      case 'random':
        return this.rng.chance(loss.p);
      case 'gilbert-elliott':
        this.bad = this.bad ? !this.rng.chance(loss.pBadToGood) : this.rng.chance(loss.pGoodToBad);
        return this.rng.chance(this.bad ? loss.lossBad : loss.lossGood);
    }
  }

  private delay(c: LinkConfig): number {
    let d = c.latencyUs;
    const j = c.jitter ?? NO_JITTER;
    if (j.distribution === 'exponential') d += this.rng.exponential(j.meanUs);
    else if (j.distribution === 'uniform') d += this.rng.next() * j.maxUs;
    if (c.reorder !== undefined && this.rng.chance(c.reorder.p)) d += c.reorder.delayUs;
    return d;
  }
}

/** Mean of a jitter model. */
export function meanJitter(j: JitterModel): number {
  return j.distribution === 'exponential'
    ? j.meanUs
    : j.distribution === 'uniform'
      ? j.maxUs / 2
      : 0;
}

/**
 * Long-run loss probability of a loss model (Gilbert-Elliott: stationary distribution). When
 * both transition probabilities are 0 the chain never leaves its start state, which is good
 * (the model starts good), so the rate is `lossGood`.
 */
export function stationaryLoss(loss: LossModel): number {
  switch (loss.model) {
    case 'none':
      return 0;
    case 'random':
      return loss.p;
    case 'gilbert-elliott': {
      const leave = loss.pGoodToBad + loss.pBadToGood;
      if (leave === 0) return loss.lossGood;
      const piBad = loss.pGoodToBad / leave;
      return piBad * loss.lossBad + (1 - piBad) * loss.lossGood;
    }
  }
}

function nonNegative(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new OutOfRangeError(`${what}: ${value} is not a finite number ≥ 0`);
}

function atLeastZero(value: number, what: string): void {
  if (typeof value !== 'number' || !(value >= 0))
    throw new OutOfRangeError(`${what}: ${value} is not a number ≥ 0`);
}

function probability(value: number, what: string): void {
  // `!(0 <= v && v <= 1)` is also true for NaN.
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    throw new OutOfRangeError(`${what}: ${value} is not a probability in [0, 1]`);
}

/**
 * Checks a {@link LinkConfig}: times finite and ≥ 0, bandwidth and queue size ≥ 0 (infinite allowed),
 * probabilities in [0, 1], known distribution and loss model names. Throws
 * {@link OutOfRangeError} naming the first bad field; the simulator would otherwise produce NaN
 * arrival times or time running backwards.
 */
export function checkLinkConfig(c: LinkConfig): void {
  nonNegative(c.latencyUs, 'latencyUs');
  const j = c.jitter ?? NO_JITTER;
  switch (j.distribution) {
    case 'none':
      break;
    case 'exponential':
      nonNegative(j.meanUs, 'jitter.meanUs');
      break;
    case 'uniform':
      nonNegative(j.maxUs, 'jitter.maxUs');
      break;
    default:
      throw new OutOfRangeError(
        `unknown jitter distribution ${String((j as { distribution: unknown }).distribution)}`,
      );
  }
  const l = c.loss ?? NO_LOSS;
  switch (l.model) {
    case 'none':
      break;
    case 'random':
      probability(l.p, 'loss.p');
      break;
    case 'gilbert-elliott':
      probability(l.pGoodToBad, 'loss.pGoodToBad');
      probability(l.pBadToGood, 'loss.pBadToGood');
      probability(l.lossGood, 'loss.lossGood');
      probability(l.lossBad, 'loss.lossBad');
      break;
    default:
      throw new OutOfRangeError(`unknown loss model ${String((l as { model: unknown }).model)}`);
  }
  if (c.reorder !== undefined) {
    probability(c.reorder.p, 'reorder.p');
    nonNegative(c.reorder.delayUs, 'reorder.delayUs');
  }
  if (c.duplicate !== undefined) probability(c.duplicate, 'duplicate');
  // 0 (or omitted) means no cap and Infinity behaves the same, so only NaN and negatives are bad.
  if (c.bandwidthBps !== undefined) atLeastZero(c.bandwidthBps, 'bandwidthBps');
  if (c.queueBytes !== undefined) atLeastZero(c.queueBytes, 'queueBytes');
}
