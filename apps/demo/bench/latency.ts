// One-way latency, open loop: events sent on time at a fixed rate, each timed to its arrival.
import { openLoop } from './loops.ts';

/** A one-way stream whose events are numbered: what the latency loop drives. */
export interface Probe {
  /** Sends event `i`. */
  send(i: number): void;
  /** Events arrived so far. */
  arrived(): number;
  /** Set by the loop: called with each event's number as it arrives. */
  onArrival: ((i: number) => void) | undefined;
}

/** Sends `ratePerS` events a second for `ms` through `probe`; each one's latency, µs. */
export async function oneWayLatency(probe: Probe, ratePerS: number, ms: number): Promise<number[]> {
  const sentAt = new Float64Array(Math.ceil((ratePerS * ms) / 1000) + 1);
  const samples: number[] = [];
  probe.onArrival = (i) => {
    const t = sentAt[i];
    if (t !== undefined && t > 0) samples.push((performance.now() - t) * 1000);
  };
  try {
    await openLoop(
      ms,
      ratePerS,
      (i) => {
        sentAt[i] = performance.now();
        probe.send(i);
      },
      () => probe.arrived(),
    );
  } finally {
    probe.onArrival = undefined;
  }
  return samples;
}
