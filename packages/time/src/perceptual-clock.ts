import { OutOfRangeError, type Clock, type PerceptualTime } from '@elara/core';

/** Settings of a {@link PerceptualClock}. */
export interface PerceptualClockConfig {
  /**
   * Largest advance of τp between two readings, µs (default 100 ms, the reference's cap). A
   * longer gap (a suspended process, a stalled event loop) advances τp by only this much, so
   * playback resumes where it was instead of jumping.
   */
  readonly maxStepUs: number;
}

const DEFAULTS: PerceptualClockConfig = { maxStepUs: 100_000 };

/**
 * τp, the perceptual clock: µs since the clock was created, driven by an injected {@link Clock}.
 * It never goes backward (a clock that steps back holds τp), and never jumps: each reading
 * advances it by the time elapsed since the previous reading, capped at `maxStepUs`. Read it at
 * least that often (the engine's tick and the prediction loop do) for it to follow real time.
 *
 * @example
 * const tauP = new PerceptualClock(systemClock());
 * const frameTime = tauP.now(); // µs, starts at 0
 */
export class PerceptualClock {
  private readonly maxStepUs: number;
  private last: number;
  private value = 0;

  constructor(
    private readonly clock: Clock,
    config: Partial<PerceptualClockConfig> = {},
  ) {
    const maxStepUs = config.maxStepUs ?? DEFAULTS.maxStepUs;
    if (!(maxStepUs > 0)) throw new OutOfRangeError(`maxStepUs must be > 0, got ${maxStepUs}`);
    this.maxStepUs = maxStepUs;
    // A broken first reading leaves the base unset (NaN) until the first finite one; kept as
    // the base, it would freeze τp for good.
    const t = clock.now();
    this.last = t - t === 0 ? t : Number.NaN;
  }

  /**
   * τp now, µs. Advances τp by the elapsed time since the last reading (capped). A non-finite
   * reading changes nothing.
   */
  now(): PerceptualTime {
    const t = this.clock.now();
    if (t - t !== 0) return this.value;
    const dt = t - this.last;
    // A clock that went backward moves the base, not τp; an unset base (NaN) is set.
    if (dt > 0) this.value += dt > this.maxStepUs ? this.maxStepUs : dt;
    this.last = t;
    return this.value;
  }
}
