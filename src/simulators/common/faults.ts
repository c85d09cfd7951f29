// Fault injection and request accounting shared by both simulators. Faults are
// set per route ("GET /rest/v1.1/projects", or "*" for every route) through the
// admin API and drawn from a seeded generator so that a failing run reproduces.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SeededRandom } from './random.js';

export const ADMIN_PREFIX = '/__admin';

export const faultSchema = z.object({
  /** "METHOD /route/pattern" as registered (e.g. "GET /rest/v1.1/projects"), or "*" */
  route: z.string().min(1),
  latency_ms: z.number().int().min(0).max(60_000).default(0),
  /** probability that the connection is destroyed without an answer */
  drop_rate: z.number().min(0).max(1).default(0),
  /** probability that a request is held for stall_ms before it is served (a server that hangs now and then) */
  stall_rate: z.number().min(0).max(1).default(0),
  stall_ms: z.number().int().min(0).max(60_000).default(2_000),
  errors: z
    .array(
      z.object({
        status: z.number().int().min(400).max(599),
        rate: z.number().min(0).max(1),
        /** seconds for a Retry-After header; null or absent sends none */
        retry_after: z.number().int().min(0).nullable().optional(),
        /** the error body's message instead of the simulator's own (e.g. one echoing an email) */
        message: z.string().min(1).optional(),
      }),
    )
    .default([]),
});
export type Fault = z.infer<typeof faultSchema>;
export type FaultInput = z.input<typeof faultSchema>;

export interface RouteCount {
  total: number;
  by_status: Record<string, number>;
  dropped: number;
  /** requests held stall_ms before being served (counted as well under their status) */
  stalled: number;
}

/** One request as counted: its route, when it arrived (epoch ms), its status (null: dropped). */
export interface LoggedRequest {
  route: string;
  at: number;
  status: number | null;
}

/**
 * The request log keeps the newest this many (at least; it is trimmed in
 * batches), so that a long-running simulator's memory stays bounded.
 */
export const REQUEST_LOG_KEPT = 50_000;

/** Hook an injected error uses to answer in the simulated API's own error format. */
export type ErrorReplier = (
  reply: FastifyReply,
  status: number,
  retryAfter: number | null | undefined,
  message: string | undefined,
) => void;

/**
 * A request seen by the simulator, for tests that act at an exact point:
 * "request" when it arrives, "send" after the simulator acted but before the
 * answer leaves (a crash there loses the answer), "response" once it is sent.
 * An observer that returns a promise holds the request at that point until it
 * settles (e.g. until the client process is dead, so the answer is surely lost).
 */
export interface ObservedRequest {
  phase: 'request' | 'send' | 'response';
  route: string;
  status: number;
  request: FastifyRequest;
}

export class FaultInjector {
  private faults: Fault[] = [];
  private observers: Array<(event: ObservedRequest) => void | Promise<void>> = [];
  private random: SeededRandom;
  private counts = new Map<string, RouteCount>();
  // For a caller in another process that must split requests by time (e.g. per sync cycle): the counts alone cannot.
  private log: LoggedRequest[] = [];
  private readonly arrivals = new WeakMap<FastifyRequest, number>();

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  setFaults(faults: FaultInput[], seed?: number): void {
    this.faults = faults.map((f) => faultSchema.parse(f));
    if (seed !== undefined) this.random = new SeededRandom(seed);
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Calls `listener` for every API request at each phase; returns a function that stops it. */
  observe(listener: (event: ObservedRequest) => void | Promise<void>): () => void {
    this.observers.push(listener);
    return () => {
      this.observers = this.observers.filter((o) => o !== listener);
    };
  }

  private async notify(phase: ObservedRequest['phase'], request: FastifyRequest, status: number): Promise<void> {
    const route = routeKey(request);
    if (route.includes(ADMIN_PREFIX)) return;
    const held = [...this.observers].map((observer) => observer({ phase, route, status, request }));
    await Promise.all(held);
  }

  requestCounts(): Record<string, RouteCount> {
    return Object.fromEntries(this.counts);
  }

  /** Forgets the counts and the request log. */
  resetCounts(): void {
    this.counts.clear();
    this.log = [];
  }

  /** The requests counted that arrived at or after `sinceMs`, in the order they were counted (answered), the newest REQUEST_LOG_KEPT at most. */
  requestLog(sinceMs = 0): LoggedRequest[] {
    return this.log.filter((r) => r.at >= sinceMs);
  }

  private logRequest(entry: LoggedRequest): void {
    this.log.push(entry);
    if (this.log.length >= 2 * REQUEST_LOG_KEPT) this.log = this.log.slice(-REQUEST_LOG_KEPT);
  }

  /** Requests answered with `status` on any route (e.g. 429s a client provoked). */
  countOfStatus(status: number): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.by_status[String(status)] ?? 0;
    return n;
  }

  totalRequests(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.total;
    return n;
  }

  private countFor(route: string): RouteCount {
    let c = this.counts.get(route);
    if (!c) {
      c = { total: 0, by_status: {}, dropped: 0, stalled: 0 };
      this.counts.set(route, c);
    }
    return c;
  }

  /**
   * Registers the hooks that count every request and apply the faults, and
   * the admin routes that set faults and read counts. `replyError` answers an
   * injected error the way the simulated API formats errors.
   */
  register(app: FastifyInstance, replyError: ErrorReplier): void {
    app.addHook('onRequest', async (request, reply) => {
      const route = routeKey(request);
      if (route.includes(ADMIN_PREFIX)) return;
      const arrivedAt = Date.now();
      this.arrivals.set(request, arrivedAt);
      await this.notify('request', request, 0);
      const matching = this.faults.filter((f) => f.route === '*' || f.route === route);
      for (const fault of matching) {
        if (fault.latency_ms > 0) await new Promise((r) => setTimeout(r, fault.latency_ms));
        // Drawn only when set, so that the draws of faults without stalls stay as they were.
        if (fault.stall_rate > 0 && this.random.chance(fault.stall_rate)) {
          this.countFor(route).stalled += 1;
          await new Promise((r) => setTimeout(r, fault.stall_ms));
        }
      }
      for (const fault of matching) {
        if (this.random.chance(fault.drop_rate)) {
          this.countFor(route).dropped += 1;
          this.countFor(route).total += 1;
          this.logRequest({ route, at: arrivedAt, status: null });
          reply.hijack();
          request.raw.socket.destroy();
          return reply;
        }
        for (const e of fault.errors) {
          if (this.random.chance(e.rate)) {
            replyError(reply, e.status, e.retry_after, e.message);
            return reply;
          }
        }
      }
      return undefined;
    });

    app.addHook('onSend', async (request, reply, payload) => {
      await this.notify('send', request, reply.statusCode);
      return payload;
    });

    app.addHook('onResponse', async (request, reply) => {
      await this.notify('response', request, reply.statusCode);
      const route = routeKey(request);
      if (route.includes(ADMIN_PREFIX)) return;
      const c = this.countFor(route);
      c.total += 1;
      const s = String(reply.statusCode);
      c.by_status[s] = (c.by_status[s] ?? 0) + 1;
      this.logRequest({ route, at: this.arrivals.get(request) ?? Date.now(), status: reply.statusCode });
    });

    app.put(`${ADMIN_PREFIX}/faults`, async (request) => {
      const body = z
        .object({ faults: z.array(faultSchema), seed: z.number().int().optional() })
        .parse(request.body);
      this.setFaults(body.faults, body.seed);
      return { faults: this.faults };
    });
    app.delete(`${ADMIN_PREFIX}/faults`, async () => {
      this.clearFaults();
      return { faults: [] };
    });
    app.get(`${ADMIN_PREFIX}/requests`, async () => ({ routes: this.requestCounts() }));
    app.get(`${ADMIN_PREFIX}/requests/log`, async (request) => {
      const { since } = z.object({ since: z.coerce.number().int().min(0).default(0) }).parse(request.query);
      return { requests: this.requestLog(since) };
    });
    app.delete(`${ADMIN_PREFIX}/requests`, async () => {
      this.resetCounts();
      return { routes: {} };
    });
  }
}

/** "GET /rest/v1.1/projects": the method and the route pattern, not the concrete URL. */
export function routeKey(request: FastifyRequest): string {
  const pattern = request.routeOptions.url ?? request.url.split('?')[0];
  return `${request.method} ${pattern}`;
}
