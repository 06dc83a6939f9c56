// One-way latency, open loop: events sent on time at a fixed rate, each timed to its arrival.
import { openLoop } from './loops.ts';

/** A one-way stream whose events are numbered: what the latency loop drives. */
export interface Probe {
  /** Sends event `i`. */
  send(i: number): void;
  /** Set by the loop: called with each event's number as it arrives. */
  onArrival: ((i: number) => void) | undefined;
}

/** One run's events: how many were sent and arrived, and each one's latency. */
export interface LatencyRun {
  readonly sent: number;
  readonly received: number;
  /** One per event sent, µs; `Infinity` for each event that never arrived. */
  readonly samples: number[];
}

// Events are numbered across every run and probe: a straggler from an earlier run (it arrives
// after that run gave up on it) can never be taken for an event of the current one.
let nextEvent = 0;

/**
 * Sends `ratePerS` events a second for `ms` through `probe`, then waits (at most 2 s) for the
 * last ones. Events that never arrive count as infinitely late: a lost event must raise the
 * percentiles, not vanish from them.
 */
export async function oneWayLatency(
  probe: Probe,
  ratePerS: number,
  ms: number,
): Promise<LatencyRun> {
  const first = nextEvent;
  const sentAt = new Float64Array(Math.ceil((ratePerS * ms) / 1000) + 1);
  const samples: number[] = [];
  probe.onArrival = (i) => {
    const k = i - first;
    const t = sentAt[k];
    if (t === undefined || t === 0) return; // not of this run, or already counted
    samples.push((performance.now() - t) * 1000);
    sentAt[k] = 0;
  };
  let sent: number;
  try {
    sent = await openLoop(
      ms,
      ratePerS,
      () => {
        sentAt[nextEvent - first] = performance.now();
        probe.send(nextEvent++);
      },
      () => samples.length,
    );
  } finally {
    probe.onArrival = undefined;
  }
  const received = samples.length;
  for (let k = received; k < sent; k++) samples.push(Infinity);
  return { sent, received, samples };
}
