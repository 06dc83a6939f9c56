/**
 * A token bucket: `ratePerSecond` sustained, `burst` at once. Plain data, refilled from the
 * τs passed in (so virtual time drives it in tests).
 */
export interface TokenBucket {
  tokens: number;
  at: number;
}

/** A full bucket at `now`. */
export function tokenBucket(burst: number, now: number): TokenBucket {
  return { tokens: burst, at: now };
}

/**
 * Takes one token at `now`; false when the bucket is empty (the event is over the rate).
 *
 * @example
 * if (!takeToken(bucket, now, 2_000, 4_000)) return rejected('RateLimited');
 */
export function takeToken(
  bucket: TokenBucket,
  now: number,
  ratePerSecond: number,
  burst: number,
): boolean {
  if (now > bucket.at) {
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * ratePerSecond) / 1e6);
    bucket.at = now;
  }
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
