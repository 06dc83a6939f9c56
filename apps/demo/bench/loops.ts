// Driving a case for a while: closed loop (throughput) and open loop at a fixed rate (latency).

/** One macrotask turn: lets the sockets deliver what arrived. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Events delivered in a slice and the time it took. */
export interface Slice {
  readonly delivered: number;
  readonly elapsedMs: number;
}

/**
 * Sends while fewer than `window` events are in flight, `batch` per turn at most, for `ms`;
 * then waits (at most 2 s) for what is in flight. Returns events delivered and the time taken.
 */
export async function closedLoop(
  ms: number,
  send: () => void,
  delivered: () => number,
  window = 256,
  batch = 32,
): Promise<Slice> {
  const start = performance.now();
  const first = delivered();
  let sent = 0;
  while (performance.now() - start < ms) {
    for (let k = 0; k < batch && sent - (delivered() - first) < window; k++, sent++) send();
    await turn();
  }
  const drainBy = performance.now() + 2_000;
  while (delivered() - first < sent && performance.now() < drainBy) await turn();
  return { delivered: delivered() - first, elapsedMs: performance.now() - start };
}

/**
 * Sends `ratePerS` events a second for `ms` (on time: each turn sends what is due by now), then
 * waits (at most 2 s) until `arrived()` (events of this run arrived) reaches the count sent.
 * The receiver records latencies itself. Returns how many were sent.
 */
export async function openLoop(
  ms: number,
  ratePerS: number,
  send: () => void,
  arrived: () => number,
): Promise<number> {
  const start = performance.now();
  let sent = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= ms) break;
    const due = Math.floor((elapsed * ratePerS) / 1000);
    for (; sent < due; sent++) send();
    await turn();
  }
  const drainBy = performance.now() + 2_000;
  while (arrived() < sent && performance.now() < drainBy) await turn();
  return sent;
}

/** The `q` quantile (0–1) of `xs`, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
}

/** The median of `xs`. */
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);
