/**
 * Per-caller token buckets: `perSecond` requests on average, bursts up to `burst`. In memory, per
 * server: behind a load balancer each server enforces its own share.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** 0 when the request may go ahead, else the seconds to wait. */
  take(caller: string): number {
    const now = this.now();
    const bucket = this.buckets.get(caller) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
    );
    bucket.at = now;
    this.buckets.set(caller, bucket);
    if (this.buckets.size > 100_000) this.forgetFull(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  /** Buckets that have refilled carry no information. */
  private forgetFull(now: number): void {
    for (const [caller, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst)
        this.buckets.delete(caller);
    }
  }
}
