/**
 * Sockets, immediates and timers alive in this process (what a closed transport must not leave:
 * a refresh timer left armed is a leak as much as a socket).
 */
export function activeHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r === 'UDPWrap' || r === 'Immediate' || r === 'Timeout').length;
}

/**
 * Handles opened since `baseline` (an `activeHandles()` reading) and still open. The count is
 * process-wide, so a timer of the suite's own that was pending at the baseline (an earlier world's
 * last retransmission wait, a harness interval) may end meanwhile: that must not read as a negative
 * leak, hence the floor at 0.
 */
export function handlesSince(baseline: number): number {
  return Math.max(0, activeHandles() - baseline);
}

/**
 * Waits until `done()` holds, checking on every millisecond tick (a wait on a condition, not a
 * sleep: it returns as soon as the condition holds), or `timeoutMs` passes.
 */
export function waitFor(done: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const timer = setInterval(() => {
      const ok = done();
      if (ok || Date.now() > deadline) {
        clearInterval(timer);
        resolve(ok);
      }
    }, 1);
  });
}
