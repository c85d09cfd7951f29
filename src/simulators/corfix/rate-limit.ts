// A fixed-window limit on the public API, enough to make a client meet a 429
// with Retry-After: at most `limit` requests per window; the window starts
// with the first request after the previous one ended.
export interface RateLimitSettings {
  limit: number;
  window_seconds: number;
}

export class FixedWindowRateLimit {
  private settings: RateLimitSettings | null = null;
  private windowStartMs = 0;
  private used = 0;

  set(settings: RateLimitSettings): void {
    this.settings = { ...settings };
    this.windowStartMs = 0;
    this.used = 0;
  }

  clear(): void {
    this.settings = null;
  }

  current(): (RateLimitSettings & { used: number }) | null {
    return this.settings ? { ...this.settings, used: this.used } : null;
  }

  /** Counts a request; returns null when it may go on, else the seconds to wait (at least 1). */
  take(nowMs: number): number | null {
    if (!this.settings) return null;
    const windowMs = this.settings.window_seconds * 1000;
    if (nowMs >= this.windowStartMs + windowMs) {
      this.windowStartMs = nowMs;
      this.used = 0;
    }
    if (this.used < this.settings.limit) {
      this.used += 1;
      return null;
    }
    return Math.max(1, Math.ceil((this.windowStartMs + windowMs - nowMs) / 1000));
  }
}
