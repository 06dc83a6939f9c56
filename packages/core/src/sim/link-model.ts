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

  constructor(
    config: LinkConfig,
    private readonly rng: Prng,
  ) {
    this.config = config;
  }

  /** Replaces the link's parameters (the Gilbert-Elliott state and the queue carry over). */
  reconfigure(config: LinkConfig): void {
    this.config = config;
  }

  /** Current parameters. */
  get parameters(): LinkConfig {
    return this.config;
  }

  /**
   * Sends one packet of `sizeBytes` at `sendTimeUs`. Returns its arrival times: empty when lost
   * or dropped at the queue, two entries when duplicated.
   */
  transmit(sendTimeUs: number, sizeBytes: number): number[] {
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

/** Long-run loss probability of a loss model (Gilbert-Elliott: stationary distribution). */
export function stationaryLoss(loss: LossModel): number {
  switch (loss.model) {
    case 'none':
      return 0;
    case 'random':
      return loss.p;
    case 'gilbert-elliott': {
      const piBad = loss.pGoodToBad / (loss.pGoodToBad + loss.pBadToGood);
      return piBad * loss.lossBad + (1 - piBad) * loss.lossGood;
    }
  }
}
