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
