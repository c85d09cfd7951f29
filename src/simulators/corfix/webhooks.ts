// Delivers form events the way the contract warns Corfix does: at least once,
// retried on any non-2xx or network error, and, when the admin asks, twice
// (duplicate_rate) or held back and released in another order (reorder). The
// seeded generator makes a duplicated or reordered run reproduce.
import { createHmac } from 'node:crypto';
import { SeededRandom } from '../common/random.js';
import type { FormEvent } from './state.js';

export interface WebhookAttempt {
  at: string;
  /** the receiver's status, or null when the request failed */
  status: number | null;
  error?: string;
}

export interface WebhookDelivery {
  delivery_id: number;
  event: FormEvent;
  url: string;
  /** the second copy of an event sent because of duplicate_rate */
  duplicate: boolean;
  state: 'held' | 'sending' | 'waiting_to_retry' | 'delivered' | 'failed';
  attempts: WebhookAttempt[];
}

export interface WebhookMode {
  duplicate_rate: number;
  reorder: boolean;
  retry_delays_ms: number[];
}

export interface WebhookDispatcherOptions {
  secret: string;
  seed: number;
  clock: () => Date;
  retryDelaysMs?: number[];
  /** per attempt */
  timeoutMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [500, 2_000, 10_000, 30_000, 60_000];

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private mode: WebhookMode;
  private random: SeededRandom;
  private held: WebhookDelivery[] = [];
  private busy = 0;
  private idleWaiters: Array<() => void> = [];
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** cancels deliveries in flight when the simulator stops */
  private readonly aborter = new AbortController();
  private nextDeliveryId = 1;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.random = new SeededRandom(options.seed);
    this.mode = {
      duplicate_rate: 0,
      reorder: false,
      retry_delays_ms: options.retryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
    };
  }

  getMode(): WebhookMode {
    return { ...this.mode, retry_delays_ms: [...this.mode.retry_delays_ms] };
  }

  /** Changes the behaviour; turning reorder off releases what was held. */
  setMode(changes: Partial<WebhookMode> & { seed?: number }): WebhookMode {
    if (changes.seed !== undefined) this.random = new SeededRandom(changes.seed);
    if (changes.duplicate_rate !== undefined) this.mode.duplicate_rate = changes.duplicate_rate;
    if (changes.retry_delays_ms !== undefined) this.mode.retry_delays_ms = [...changes.retry_delays_ms];
    if (changes.reorder !== undefined) {
      this.mode.reorder = changes.reorder;
      if (!changes.reorder) this.release();
    }
    return this.getMode();
  }

  heldCount(): number {
    return this.held.length;
  }

  enqueue(url: string, event: FormEvent): void {
    const copies = this.random.chance(this.mode.duplicate_rate) ? 2 : 1;
    for (let i = 0; i < copies; i += 1) {
      const delivery: WebhookDelivery = {
        delivery_id: this.nextDeliveryId++,
        event,
        url,
        duplicate: i > 0,
        state: 'held',
        attempts: [],
      };
      this.deliveries.push(delivery);
      if (this.mode.reorder) this.held.push(delivery);
      else this.track(this.attempt(delivery));
    }
  }

  /**
   * Sends the held deliveries one after another in a seeded order that is
   * never the order they were raised in (when there are two or more).
   * Returns the event ids in the order sent.
   */
  release(): string[] {
    const batch = this.held;
    this.held = [];
    const order = [...batch];
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.random.next() * (i + 1));
      [order[i], order[j]] = [order[j] as WebhookDelivery, order[i] as WebhookDelivery];
    }
    if (order.length > 1 && order.every((d, i) => d === batch[i])) order.reverse();
    this.track(
      (async () => {
        for (const delivery of order) await this.attempt(delivery);
      })(),
    );
    return order.map((d) => d.event.event_id);
  }

  /** Resolves once nothing is being sent or waiting for a retry (held deliveries excepted). */
  idle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.aborter.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.busy = 0;
    this.settle();
  }

  private track(work: Promise<void>): void {
    this.busy += 1;
    void work.finally(() => {
      this.busy = Math.max(0, this.busy - 1);
      this.settle();
    });
  }

  private settle(): void {
    if (this.busy !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    if (this.stopped) return;
    delivery.state = 'sending';
    const rawBody = JSON.stringify(delivery.event);
    const now = this.options.clock();
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const signature = createHmac('sha256', this.options.secret).update(`${timestamp}.${rawBody}`).digest('hex');
    let outcome: WebhookAttempt;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'corfix-timestamp': timestamp,
          'corfix-signature': `v1=${signature}`,
        },
        body: rawBody,
        signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.options.timeoutMs ?? 5_000)]),
      });
      await response.arrayBuffer();
      outcome = { at: now.toISOString(), status: response.status };
    } catch (err) {
      outcome = { at: now.toISOString(), status: null, error: err instanceof Error ? err.message : String(err) };
    }
    delivery.attempts.push(outcome);
    if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
      delivery.state = 'delivered';
      return;
    }
    const delay = this.mode.retry_delays_ms[delivery.attempts.length - 1];
    if (delay === undefined || this.stopped) {
      delivery.state = 'failed';
      this.options.log?.warn(
        { event_id: delivery.event.event_id, attempts: delivery.attempts.length },
        'webhook delivery gave up',
      );
      return;
    }
    delivery.state = 'waiting_to_retry';
    this.track(
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void this.attempt(delivery).finally(resolve);
        }, delay);
        this.timers.add(timer);
      }),
    );
  }
}
