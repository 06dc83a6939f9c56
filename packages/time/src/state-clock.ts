import { OutOfRangeError, type Clock, type StateTime } from '@elara/core';
import { JoinAlignmentError } from './join-alignment-error.ts';

/** Settings of a {@link StateClock}. */
export interface StateClockConfig {
  /**
   * The slew bound: how fast corrections move τs relative to the local clock, in parts per
   * million (default 10 000 = 1 %, i.e. at most 10 ms of correction per second). Between any two
   * readings, `|Δτs − Δlocal| ≤ maxSlewPpm · 10⁻⁶ · Δlocal` (plus 1 µs of rounding). At most
   * 500 000, so τs always runs forward at half speed or more.
   */
  readonly maxSlewPpm: number;
  /**
   * Largest frequency (drift) correction, ppm (default 1 000; crystals err by ±200 ppm at
   * worst). Must be below `maxSlewPpm`, which it counts against.
   */
  readonly maxFrequencyPpm: number;
}

const DEFAULTS: StateClockConfig = { maxSlewPpm: 10_000, maxFrequencyPpm: 1_000 };

/** Offsets are kept below 2^52 µs so τs stays an exact integer in a double. */
const MAX_OFFSET_US = 2 ** 52;

function finite(name: string, value: number, limit = MAX_OFFSET_US): number {
  if (!Number.isFinite(value) || Math.abs(value) > limit) {
    throw new OutOfRangeError(`${name} must be a finite number within ±${limit}, got ${value}`);
  }
  return value;
}

/**
 * τs for one session: Unix-epoch µs read from an injected {@link Clock} plus an offset that
 * corrections move. Corrections are never stepped: the applied offset travels toward its target
 * at no more than the slew bound, so τs stays monotonic and smooth. The one exception is
 * {@link alignAtJoin}, allowed once, before the node's first event in the session.
 *
 * The offset model is piecewise linear and evaluated in closed form at each reading, so `now()`
 * needs no ticks: the target offset is a line (a value plus a drift of `frequencyPpm`), and the
 * applied offset moves toward it at the full slew rate until it meets it, then follows it.
 *
 * Clock synchronisation (part 2) drives it with {@link correct} or {@link slewTo} and
 * {@link setFrequency}; the runtime calls {@link alignAtJoin} at join and {@link stampEvent} for
 * each local event.
 *
 * @example
 * const tauS = new StateClock(systemClock());
 * tauS.alignAtJoin(-1_250_000); // once, at join: the session runs 1.25 s behind us
 * const t = tauS.stampEvent();  // τs of our first event; alignment is now closed
 * tauS.correct(3_000);          // later: we are 3 ms behind the session; slewed, not stepped
 */
export class StateClock {
  private readonly slew: number;
  private readonly maxFrequency: number;
  private tRef: number;
  private applied0 = 0;
  private target0 = 0;
  private freq = 0;
  private floor = Number.NEGATIVE_INFINITY;
  private open = true;

  constructor(
    private readonly clock: Clock,
    config: Partial<StateClockConfig> = {},
  ) {
    const maxSlewPpm = config.maxSlewPpm ?? DEFAULTS.maxSlewPpm;
    const maxFrequencyPpm = config.maxFrequencyPpm ?? DEFAULTS.maxFrequencyPpm;
    if (!(maxSlewPpm > 0 && maxSlewPpm <= 500_000)) {
      throw new OutOfRangeError(`maxSlewPpm must be in (0, 500000], got ${maxSlewPpm}`);
    }
    if (!(maxFrequencyPpm >= 0 && maxFrequencyPpm < maxSlewPpm)) {
      throw new OutOfRangeError(
        `maxFrequencyPpm must be in [0, maxSlewPpm), got ${maxFrequencyPpm}`,
      );
    }
    this.slew = maxSlewPpm * 1e-6;
    this.maxFrequency = maxFrequencyPpm * 1e-6;
    // A broken first reading leaves the reference unset (NaN) until the first finite one,
    // instead of a NaN that would keep every later correction from ever being applied.
    const t = clock.now();
    this.tRef = t - t === 0 ? t : Number.NaN;
  }

  /**
   * τs now: Unix-epoch µs, never less than a previous reading. A non-finite clock reading (a
   * broken clock) is refused with `OutOfRangeError`.
   */
  now(): StateTime {
    const local = this.read();
    const t = Math.floor(local + this.offsetAt(local));
    if (t < this.floor) return this.floor;
    this.floor = t;
    return t;
  }

  /**
   * What τs reads at local clock time `localUs` under the corrections in force now: a pure
   * projection (it neither reads nor moves the never-backward floor, so a reading projected
   * ahead of the clock cannot hold τs back later). Only {@link now} and {@link stampEvent} are
   * readings. Refuses a non-finite `localUs` with `OutOfRangeError`.
   *
   * @example
   * const t2 = tauS.project(arrivalLocalUs); // τs when a request arrived, for a sync reply
   */
  project(localUs: number): StateTime {
    if (localUs - localUs !== 0) {
      throw new OutOfRangeError(`clock reading ${localUs} is not a finite number`);
    }
    return Math.floor(localUs + this.offsetAt(localUs));
  }

  /** The offset applied now (τs − local clock), µs. */
  offsetUs(): number {
    return this.offsetAt(this.read());
  }

  /** Where the offset is heading now, µs. */
  targetOffsetUs(): number {
    const dt = this.read() - this.tRef;
    return this.target0 + (dt > 0 ? this.freq * dt : 0);
  }

  /** Correction still to be slewed (target − applied), µs. */
  pendingUs(): number {
    const t = this.read();
    const dt = t - this.tRef;
    return this.target0 + (dt > 0 ? this.freq * dt : 0) - this.offsetAt(t);
  }

  /** The frequency correction in force, ppm. */
  get frequencyPpm(): number {
    return this.freq * 1e6;
  }

  /** The slew bound, ppm. */
  get maxSlewPpm(): number {
    return this.slew * 1e6;
  }

  /** True while {@link alignAtJoin} is still allowed. */
  get joinOpen(): boolean {
    return this.open;
  }

  /**
   * Our τs is `errorUs` behind the session's (negative: ahead), measured now: slew that much
   * from where τs is now. Replaces any correction still pending, so repeated measurements do not
   * add up.
   */
  correct(errorUs: number): void {
    finite('errorUs', errorUs);
    this.rebase(this.read());
    this.target0 = finite('target offset', this.applied0 + errorUs);
  }

  /** Slew toward an absolute offset from the local clock (τs − local), µs. */
  slewTo(targetOffsetUs: number): void {
    finite('targetOffsetUs', targetOffsetUs);
    this.rebase(this.read());
    this.target0 = targetOffsetUs;
  }

  /**
   * Sets the drift of the target offset, ppm of local time (the session's clock rate minus the
   * local clock's), clamped to ±maxFrequencyPpm. Returns the value in force.
   */
  setFrequency(ppm: number): number {
    if (ppm !== ppm) throw new OutOfRangeError('frequency of NaN');
    const f = Math.max(-this.maxFrequency, Math.min(this.maxFrequency, ppm * 1e-6));
    this.rebase(this.read());
    this.freq = f;
    return f * 1e6;
  }

  /**
   * The one step τs may take: moves τs by `offsetUs` at once (either direction) and clears any
   * pending correction. Allowed once per session, before the node's first event there; after
   * that it throws {@link JoinAlignmentError}.
   */
  alignAtJoin(offsetUs: number): void {
    if (!this.open) {
      throw new JoinAlignmentError(
        'alignAtJoin is allowed once per session, before the first local event',
      );
    }
    finite('offsetUs', offsetUs);
    this.rebase(this.read());
    this.applied0 = finite('offset', this.applied0 + offsetUs);
    this.target0 = this.applied0;
    this.floor = Number.NEGATIVE_INFINITY;
    this.open = false;
  }

  /** τs for a new local event; closes the join alignment. */
  stampEvent(): StateTime {
    this.open = false;
    return this.now();
  }

  /** Closes the join alignment without an event (e.g. the session's creator). */
  closeJoin(): void {
    this.open = false;
  }

  /** The injected clock, refusing a non-finite reading; the first finite one sets the reference. */
  private read(): number {
    const t = this.clock.now();
    if (t - t !== 0) throw new OutOfRangeError(`clock reading ${t} is not a finite number`);
    if (this.tRef !== this.tRef) this.tRef = t;
    return t;
  }

  private offsetAt(t: number): number {
    const dt = t - this.tRef;
    if (!(dt > 0)) return this.applied0;
    const e0 = this.target0 - this.applied0;
    if (e0 === 0) return this.applied0 + this.freq * dt;
    if (e0 > 0) {
      return dt * (this.slew - this.freq) < e0
        ? this.applied0 + this.slew * dt
        : this.target0 + this.freq * dt;
    }
    return dt * (this.slew + this.freq) < -e0
      ? this.applied0 - this.slew * dt
      : this.target0 + this.freq * dt;
  }

  private rebase(t: number): void {
    if (!(t > this.tRef)) return;
    const dt = t - this.tRef;
    this.applied0 = this.offsetAt(t);
    this.target0 = this.target0 + this.freq * dt;
    this.tRef = t;
  }
}
