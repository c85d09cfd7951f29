// Procore's two request windows per company: an hourly one and a short
// "spike" one. Windows are fixed and aligned on the clock (a 10-second
// window resets at :00, :10, ...), so the announced reset is a whole second.
// Every request counts, the refused ones included. Each company's busiest
// window of each kind is kept, so that a run can show afterwards whether its
// clients together stayed within a limit (a window above it had refusals).
import { z } from 'zod';
import { SeededRandom } from '../common/random.js';

export const windowSchema = z.object({
  limit: z.number().int().min(1),
  window_seconds: z.number().int().min(1).max(86_400),
});
export type RateWindow = z.infer<typeof windowSchema>;

export const rateLimitSettingsSchema = z.object({
  hourly: windowSchema,
  spike: windowSchema,
  /** share of rate-limit 429s that carry Retry-After; the rest only have X-Rate-Limit-Reset */
  retry_after_rate: z.number().min(0).max(1),
});
export type RateLimitSettings = z.infer<typeof rateLimitSettingsSchema>;

export const defaultRateLimits: RateLimitSettings = {
  hourly: { limit: 3600, window_seconds: 3600 },
  spike: { limit: 100, window_seconds: 10 },
  retry_after_rate: 0.5,
};

export interface RateDecision {
  allowed: boolean;
  /** the three X-Rate-Limit-* headers, for whichever window is nearest to running out */
  headers: Record<string, string>;
  /** on a refusal: seconds for Retry-After, or null when this refusal carries none */
  retryAfterSeconds: number | null;
}

interface Counter {
  windowStartMs: number;
  used: number;
}

export type WindowName = 'spike' | 'hourly';

/** The most requests one window of each kind counted for a company (refused ones included). */
export type WindowPeaks = Record<WindowName, number>;

export class RateLimiter {
  private settings: RateLimitSettings;
  private readonly counters = new Map<string, Counter>();
  private readonly peakOf = new Map<string, WindowPeaks>();
  private readonly random: SeededRandom;

  constructor(
    settings: RateLimitSettings,
    seed: number,
    private readonly now: () => number = Date.now,
  ) {
    this.settings = settings;
    this.random = new SeededRandom(seed ^ 0x2a7e11);
  }

  current(): RateLimitSettings {
    return this.settings;
  }

  /** New limits start from empty windows, and their peaks from nothing. */
  configure(settings: RateLimitSettings): void {
    this.settings = settings;
    this.counters.clear();
    this.peakOf.clear();
  }

  /** Per company (key), the highest count any window of each kind reached since the limits were set. */
  peaks(): Record<string, WindowPeaks> {
    return Object.fromEntries([...this.peakOf].map(([key, peaks]) => [key, { ...peaks }]));
  }

  /** Counts one request for `key` (the company) and says whether it may be served. */
  consume(key: string): RateDecision {
    const now = this.now();
    const peaks = this.peakOf.get(key) ?? { spike: 0, hourly: 0 };
    this.peakOf.set(key, peaks);
    const windows = (['spike', 'hourly'] as const).map((name) => {
      const { limit, window_seconds } = this.settings[name];
      const lengthMs = window_seconds * 1000;
      const windowStartMs = Math.floor(now / lengthMs) * lengthMs;
      const counterKey = `${name}:${key}`;
      let counter = this.counters.get(counterKey);
      if (!counter || counter.windowStartMs !== windowStartMs) {
        counter = { windowStartMs, used: 0 };
        this.counters.set(counterKey, counter);
      }
      counter.used += 1;
      peaks[name] = Math.max(peaks[name], counter.used);
      return { limit, used: counter.used, resetMs: windowStartMs + lengthMs };
    });
    const allowed = windows.every((w) => w.used <= w.limit);
    const nearest = windows.reduce((a, b) => {
      const left = (w: typeof a) => Math.max(0, w.limit - w.used);
      if (left(a) !== left(b)) return left(a) < left(b) ? a : b;
      return a.resetMs <= b.resetMs ? a : b;
    });
    // The reset that matters on a refusal is the latest among the windows that refuse.
    const refusing = windows.filter((w) => w.used > w.limit);
    const shown = refusing.length > 0 ? refusing.reduce((a, b) => (a.resetMs >= b.resetMs ? a : b)) : nearest;
    const headers = {
      'X-Rate-Limit-Limit': String(shown.limit),
      'X-Rate-Limit-Remaining': String(Math.max(0, shown.limit - shown.used)),
      'X-Rate-Limit-Reset': String(Math.ceil(shown.resetMs / 1000)),
    };
    const retryAfterSeconds =
      !allowed && this.random.chance(this.settings.retry_after_rate)
        ? Math.max(1, Math.ceil((shown.resetMs - now) / 1000))
        : null;
    return { allowed, headers, retryAfterSeconds };
  }
}
