/**
 * A token bucket, as API Gateway throttles an account's `postToConnection` calls: `rate` tokens per second flow into
 * a bucket of `burst` tokens (full at start); each call takes one, and a call finding it empty is refused.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(rate > 0) || !(burst >= 1)) throw new Error(`a token bucket needs rate > 0 and burst >= 1`);
    this.tokens = burst;
    this.refilledAt = now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.rate) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
