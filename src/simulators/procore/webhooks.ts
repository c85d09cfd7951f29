// Webhook hooks and triggers, and delivery of v2 payloads when a project or
// a directory user changes. Like Procore: the payload says what changed, not
// the new data; the hook's destination_headers (its Authorization) go with
// every delivery; delivery is at least once (non-2xx answers are retried,
// and a seeded share of events is sent twice) and the order is not promised.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SeededRandom } from '../common/random.js';
import { idParam, requestCompany, sameCompany } from './api-routes.js';
import { type ChangeEvent, ProcoreSimError, type ProcoreState, type SimHook } from './state.js';

export const webhookSettingsSchema = z.object({
  /** waits between attempts; an event is given up after the last one */
  retry_delays_ms: z.array(z.number().int().min(0)),
  timeout_ms: z.number().int().min(1),
  /** share of events delivered a second time, as Procore may */
  duplicate_rate: z.number().min(0).max(1),
});
export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;

export const defaultWebhookSettings: WebhookSettings = {
  retry_delays_ms: [200, 500, 1000, 2000, 5000],
  timeout_ms: 5000,
  duplicate_rate: 0,
};

/** The Procore user shown as having made admin-API changes. */
export const ACTING_USER_ID = 6_999_999_999;

export interface WebhookPayload {
  id: number;
  ulid: string;
  timestamp: string;
  user_id: number;
  company_id: number;
  project_id: number | null;
  api_version: 'v2';
  event_type: string;
  resource_name: string;
  resource_id: number;
  metadata: Record<string, unknown>;
}

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  error?: string;
}

export interface Delivery {
  hook_id: number;
  destination_url: string;
  payload: WebhookPayload;
  attempts: DeliveryAttempt[];
  state: 'pending' | 'delivered' | 'failed';
}

export class WebhookDispatcher {
  settings: WebhookSettings;
  readonly deliveries: Delivery[] = [];
  private readonly random: SeededRandom;
  private readonly timers = new Set<NodeJS.Timeout>();
  private outstanding = 0;
  private idleWaiters: Array<() => void> = [];
  private nextEventId = 7_500_000_001;
  private stopped = false;

  constructor(
    private readonly state: ProcoreState,
    settings: WebhookSettings,
    seed: number,
  ) {
    this.settings = settings;
    this.random = new SeededRandom(seed ^ 0x0b00c5);
    state.onChange((event) => this.dispatch(event));
  }

  /** Resolves once every delivery so far has succeeded or been given up. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.outstanding = 0;
    this.settle();
  }

  private dispatch(event: ChangeEvent): void {
    const hooks = this.state
      .hooksOf(event.company_id)
      .filter((hook) => hook.triggers.some((t) => t.resource_name === event.resource_name && t.event_type === event.event_type));
    for (const hook of hooks) {
      const payload = this.payloadFor(event);
      const copies = this.random.chance(this.settings.duplicate_rate) ? 2 : 1;
      for (let copy = 0; copy < copies; copy += 1) {
        const delivery: Delivery = { hook_id: hook.id, destination_url: hook.destination_url, payload, attempts: [], state: 'pending' };
        this.deliveries.push(delivery);
        this.schedule(hook, delivery, 0);
      }
    }
  }

  private payloadFor(event: ChangeEvent): WebhookPayload {
    const now = Date.now();
    return {
      id: this.nextEventId++,
      ulid: ulid(now, this.random),
      timestamp: new Date(now).toISOString(),
      user_id: ACTING_USER_ID,
      company_id: event.company_id,
      project_id: event.project_id,
      api_version: 'v2',
      event_type: event.event_type,
      resource_name: event.resource_name,
      resource_id: event.resource_id,
      metadata: {
        source_user_id: ACTING_USER_ID,
        source_company_id: event.company_id,
        source_project_id: event.project_id,
        source_operation_id: null,
        source_application_id: null,
      },
    };
  }

  private schedule(hook: SimHook, delivery: Delivery, delayMs: number): void {
    if (this.stopped) return;
    this.outstanding += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(hook, delivery).finally(() => {
        this.outstanding = Math.max(0, this.outstanding - 1);
        this.settle();
      });
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(hook: SimHook, delivery: Delivery): Promise<void> {
    const record: DeliveryAttempt = { at: new Date().toISOString(), status: null };
    delivery.attempts.push(record);
    try {
      const response = await fetch(hook.destination_url, {
        method: 'POST',
        headers: { ...hook.destination_headers, 'content-type': 'application/json', 'user-agent': 'Procore-Webhooks (simulator)' },
        body: JSON.stringify(delivery.payload),
        signal: AbortSignal.timeout(this.settings.timeout_ms),
      });
      await response.arrayBuffer();
      record.status = response.status;
      if (response.ok) {
        delivery.state = 'delivered';
        return;
      }
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    const wait = this.settings.retry_delays_ms[delivery.attempts.length - 1];
    if (wait === undefined || this.stopped) {
      delivery.state = 'failed';
      return;
    }
    this.schedule(hook, delivery, wait);
  }

  private settle(): void {
    if (this.outstanding > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48 bits of milliseconds, then 80 seeded random bits, in Crockford base32. */
function ulid(nowMs: number, random: SeededRandom): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let tail = '';
  for (let i = 0; i < 16; i += 1) tail += CROCKFORD[Math.floor(random.next() * 32)];
  return time + tail;
}

const hookInputSchema = z.object({
  company_id: z.union([z.string(), z.number()]).transform(String),
  hook: z.object({
    api_version: z.literal('v2'),
    namespace: z.string().min(1),
    destination_url: z.url({ protocol: /^https?$/ }),
    destination_headers: z.record(z.string(), z.string()).default({}),
  }),
});

const triggerInputSchema = z.object({
  company_id: z.union([z.string(), z.number()]).transform(String),
  api_version: z.literal('v2').default('v2'),
  trigger: z.object({
    resource_name: z.string().min(1),
    event_type: z.enum(['create', 'update', 'delete']),
  }),
});

function hookView(hook: SimHook): Record<string, unknown> {
  return {
    id: hook.id,
    owned_by_company_id: hook.company_id,
    owned_by_project_id: null,
    api_version: hook.api_version,
    namespace: hook.namespace,
    destination_url: hook.destination_url,
    destination_headers: hook.destination_headers,
  };
}

export function registerWebhookRoutes(app: FastifyInstance, state: ProcoreState): void {
  const query = (request: FastifyRequest) => request.query as Record<string, string | undefined>;
  const hookParam = (request: FastifyRequest) => idParam((request.params as Record<string, string>)['hook_id']);
  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const errors: Record<string, string[]> = {};
    for (const issue of result.error.issues) {
      const field = issue.path.map(String).join('.') || 'base';
      (errors[field] ??= []).push(issue.message);
    }
    throw new ProcoreSimError(422, errors);
  };

  app.get('/rest/v1.0/webhooks/hooks', async (request) => {
    const company = requestCompany(state, request);
    sameCompany(company, query(request)['company_id']);
    const namespace = query(request)['namespace'];
    return state
      .hooksOf(company.id)
      .filter((h) => namespace === undefined || h.namespace === namespace)
      .map(hookView);
  });

  app.post('/rest/v1.0/webhooks/hooks', async (request, reply) => {
    const company = requestCompany(state, request);
    const input = parse(hookInputSchema, request.body);
    sameCompany(company, input.company_id);
    const hook = state.createHook(company.id, input.hook);
    return reply.code(201).send(hookView(hook));
  });

  app.get('/rest/v1.0/webhooks/hooks/:hook_id', async (request) => {
    const company = requestCompany(state, request);
    sameCompany(company, query(request)['company_id']);
    return hookView(state.hook(company.id, hookParam(request)));
  });

  app.delete('/rest/v1.0/webhooks/hooks/:hook_id', async (request, reply) => {
    const company = requestCompany(state, request);
    sameCompany(company, query(request)['company_id']);
    state.deleteHook(company.id, hookParam(request));
    return reply.code(204).send();
  });

  app.get('/rest/v1.0/webhooks/hooks/:hook_id/triggers', async (request) => {
    const company = requestCompany(state, request);
    sameCompany(company, query(request)['company_id']);
    return state.hook(company.id, hookParam(request)).triggers.map((t) => ({ ...t, api_version: 'v2', project_id: null }));
  });

  app.post('/rest/v1.0/webhooks/hooks/:hook_id/triggers', async (request, reply) => {
    const company = requestCompany(state, request);
    const input = parse(triggerInputSchema, request.body);
    sameCompany(company, input.company_id);
    const trigger = state.createTrigger(company.id, hookParam(request), input.trigger.resource_name, input.trigger.event_type);
    return reply.code(201).send({ ...trigger, api_version: 'v2', project_id: null });
  });
}
