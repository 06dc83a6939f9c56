/**
 * The classic NTP formulas for one four-timestamp exchange (RFC 5905 §8): `t1` our clock at
 * sending, `t2` the peer's at receipt, `t3` the peer's at replying, `t4` ours at receipt.
 * {@link PeerSync} keeps the two one-way legs apart instead (see its documentation); these are
 * for a single exchange, e.g. to feed the network model a round-trip sample.
 */

/**
 * The peer's clock minus ours at the exchange, µs: `((t2 − t1) + (t3 − t4)) / 2`. Errs by half
 * the difference between the two one-way delays.
 *
 * @example
 * exchangeOffsetUs(1_000, 1_500_040, 1_500_040, 1_080); // 1_499_000
 */
export function exchangeOffsetUs(t1: number, t2: number, t3: number, t4: number): number {
  return (t2 - t1 + (t3 - t4)) / 2;
}

/**
 * The round trip spent on the network, µs: `(t4 − t1) − (t3 − t2)` (the peer's holding time
 * left out).
 *
 * @example
 * engine.onRtt(peer, exchangeDelayUs(res.t1, res.t2, res.t3, clock.now()));
 */
export function exchangeDelayUs(t1: number, t2: number, t3: number, t4: number): number {
  return t4 - t1 - (t3 - t2);
}
