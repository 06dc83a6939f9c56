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
