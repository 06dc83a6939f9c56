/**
 * Sockets, timers and immediates alive in this process: what a stopped node must not leave.
 */
export function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'UDPWrap' || r === 'Timeout' || r === 'Immediate') counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

/**
 * The kinds of which more are open now than in `before` (an `openHandles()` reading), with the
 * excess: what a start/stop cycle left behind. Fewer is not a leak: the count is process-wide, and
 * a timer that was pending at `before` (the harness's own) may have ended meanwhile.
 */
export function handlesLeftSince(before: Record<string, number>): Record<string, number> {
  const left: Record<string, number> = {};
  for (const [kind, count] of Object.entries(openHandles())) {
    const excess = count - (before[kind] ?? 0);
    if (excess > 0) left[kind] = excess;
  }
  return left;
}

/**
 * Resolves true as soon as `done()` holds (checked every 2 ms), false after `timeoutMs`: a wait
 * on a condition, never a sleep. Each check runs in a one-shot timer's callback, when that timer
 * is no longer active, so `done()` may count open handles.
 */
export function until(done: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = (): void => {
      const ok = done();
      if (ok || Date.now() > deadline) resolve(ok);
      else setTimeout(check, 2);
    };
    setTimeout(check, 2);
  });
}
