/** Primary/secondary rate-limit bookkeeping and headers. */

export interface RateLimitOptions {
  /** Requests per window (default 5000). */
  limit?: number;
  /**
   * When set, every request is refused: primary limit exhausted (403 or 429) or secondary limit (403 or
   * 429 + retry-after): "you will receive a 403 or 429 response" (docs "Rate limits for the REST API").
   */
  exceeded?: "primary" | "primary-429" | "secondary" | "secondary-429";
  /**
   * `retry-after` seconds for the secondary limit (default 60); `null` sends none. GitHub's "Rate limits
   * for the REST API" tells clients what to do without it ("Otherwise, wait for at least one minute"),
   * so it can be absent.
   */
  retryAfterSeconds?: number | null;
}

export const PRIMARY_MESSAGE =
  "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.";
export const SECONDARY_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.";

export class RateLimiter {
  private used = 0;
  private resetAt = 0;

  constructor(public options: RateLimitOptions = {}) {}

  get limit(): number {
    return this.options.limit ?? 5000;
  }

  /** Counts one request and returns the headers for it. */
  count(): Record<string, string> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (nowSeconds >= this.resetAt) {
      this.resetAt = nowSeconds + 3600;
      this.used = 0;
    }
    if (!this.options.exceeded?.startsWith("primary")) this.used += 1;
    return this.headers();
  }

  /**
   * Gives back the request `count()` took: a `304 Not Modified` to an authenticated conditional request
   * "does not count against your primary rate limit" (docs "Best practices for using the REST API" → "Use
   * conditional requests if appropriate"). Returns the headers without it.
   */
  refund(): Record<string, string> {
    if (!this.options.exceeded?.startsWith("primary") && this.used > 0) this.used -= 1;
    return this.headers();
  }

  /** True when this window's requests exceed the limit (the request that reaches 0 still succeeds). */
  overLimit(): boolean {
    return this.used > this.limit;
  }

  headers(): Record<string, string> {
    const exhausted = this.options.exceeded?.startsWith("primary") ?? false;
    const used = exhausted ? this.limit : Math.min(this.used, this.limit);
    return {
      "x-ratelimit-limit": String(this.limit),
      "x-ratelimit-remaining": String(this.limit - used),
      "x-ratelimit-used": String(used),
      "x-ratelimit-reset": String(this.resetAt),
      "x-ratelimit-resource": "core",
    };
  }

  /** The remaining count as a number (for `GET /rate_limit`). */
  snapshot(): { limit: number; remaining: number; used: number; reset: number } {
    const h = this.headers();
    return {
      limit: Number(h["x-ratelimit-limit"]),
      remaining: Number(h["x-ratelimit-remaining"]),
      used: Number(h["x-ratelimit-used"]),
      reset: Number(h["x-ratelimit-reset"]),
    };
  }
}
