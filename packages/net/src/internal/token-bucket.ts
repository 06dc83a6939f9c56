/**
 * A byte-rate limiter: `capacity` bytes of credit refilled at `bytesPerSecond`. Times in µs on
 * whatever clock the caller passes (the transport's scheduler).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perUs: number;

  constructor(
    bytesPerSecond: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.perUs = bytesPerSecond / 1e6;
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes `bytes` of credit if available. */
  take(bytes: number, now: number): boolean {
    this.refill(now);
    if (this.tokens < bytes) return false;
    this.tokens -= bytes;
    return true;
  }

  /** µs until `bytes` of credit are available (0 if they are). */
  waitUs(bytes: number, now: number): number {
    this.refill(now);
    return this.tokens >= bytes ? 0 : Math.ceil((bytes - this.tokens) / this.perUs);
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perUs);
      this.last = now;
    }
  }
}
