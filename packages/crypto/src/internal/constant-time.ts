/**
 * True when `a` and `b` hold the same bytes. The time taken depends only on the lengths, not on
 * where the first difference is, so MACs, cookies and binders can be compared without leaking
 * how many leading bytes an attacker guessed right.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
