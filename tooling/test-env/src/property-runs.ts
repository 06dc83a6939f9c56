/** True when the slow suites run (`ELARA_SLOW=1`); CI sets it. */
export function isSlowRun(): boolean {
  return process.env['ELARA_SLOW'] === '1';
}

/** fast-check `numRuns`: a few thousand by default, the large count in the slow run. */
export function propertyRuns(normal: number, slow: number): number {
  return isSlowRun() ? slow : normal;
}
