// Shared by the Corfix contract tests: a simulator with a client pointed at
// it, every HTTP exchange recorded, and a validator that checks each recorded
// response against contracts/corfix-api.yaml (read at test time).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ajv2020Module from 'ajv/dist/2020.js';
import ajvFormatsModule from 'ajv-formats';
import got, { type Got } from 'got';
import { parse as parseYaml } from 'yaml';
import { CorfixClient, type CorfixClientOptions } from '../../src/corfix/client.js';
import { startCorfixSimulator, type CorfixSimulator, type CorfixSimulatorOptions } from '../../src/simulators/corfix/server.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The repository's copy of the contract (test/docs-copies.test.ts keeps it equal to the shared original). */
export const CONTRACT_PATH = path.resolve(repoRoot, 'contracts/corfix-api.yaml');
export const SHARED_CONTRACT_PATH = path.resolve(repoRoot, '../shared/docs/corfix-api.yaml');

export const TOKEN = 'test-token-0123456789abcdef';
export const OTHER_TOKEN = 'other-token-fedcba9876543210';
export const SECRET = 'whsec-test-secret';
export const ACCOUNT = 'acc_main';
export const SECOND_ACCOUNT = 'acc_second';
/** exists, but TOKEN may not use it */
export const FOREIGN_ACCOUNT = 'acc_foreign';

export interface RecordedExchange {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** what a JSON request sent, when it sent JSON */
  requestJson: unknown;
}

/** A got instance that records every response it receives, each attempt included. */
export function recordingGot(records: RecordedExchange[], base: Got = got): Got {
  return base.extend({
    hooks: {
      afterResponse: [
        (response) => {
          records.push({
            method: response.request.options.method,
            url: response.url,
            status: response.statusCode,
            headers: { ...response.headers },
            body: Buffer.from(response.rawBody ?? Buffer.alloc(0)),
            requestJson: response.request.options.json,
          });
          return response;
        },
      ],
    },
  });
}

export interface Harness {
  sim: CorfixSimulator;
  client: CorfixClient;
  records: RecordedExchange[];
  /** raw calls to the public API (recorded), answering whatever the server says */
  api(
    method: 'GET' | 'POST' | 'PATCH',
    urlPath: string,
    options?: { json?: unknown; body?: string; headers?: Record<string, string>; token?: string | null },
  ): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }>;
  /** the simulator's admin API (not recorded: it is not part of the contract) */
  admin(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', urlPath: string, json?: unknown): Promise<{ status: number; body: any }>;
  /** a client with other options, recording into the same list */
  clientWith(options: Partial<CorfixClientOptions>): CorfixClient;
  stop(): Promise<void>;
}

export const FAST_RETRY = { attempts: 3, baseDelayMs: 2, maxDelayMs: 10 };

export async function startHarness(options: Partial<CorfixSimulatorOptions> = {}): Promise<Harness> {
  const sim = await startCorfixSimulator({
    port: 0,
    seed: 1,
    tokens: { [TOKEN]: [ACCOUNT, SECOND_ACCOUNT], [OTHER_TOKEN]: [FOREIGN_ACCOUNT] },
    webhookSecret: SECRET,
    accounts: [
      { id: ACCOUNT, name: 'Main Construction' },
      { id: SECOND_ACCOUNT, name: 'Second Builders' },
      { id: FOREIGN_ACCOUNT, name: 'Someone Else Ltd' },
    ],
    ...options,
  });
  const records: RecordedExchange[] = [];
  const http = recordingGot(records);
  const clientWith = (extra: Partial<CorfixClientOptions>) =>
    new CorfixClient({ baseUrl: sim.url, token: TOKEN, got: http, retry: FAST_RETRY, ...extra });
  return {
    sim,
    records,
    client: clientWith({}),
    clientWith,
    async api(method, urlPath, opts = {}) {
      const token = opts.token === undefined ? TOKEN : opts.token;
      const response = await http(`${sim.url}${urlPath}`, {
        method,
        json: opts.json,
        body: opts.body,
        headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...opts.headers },
        throwHttpErrors: false,
        retry: { limit: 0 },
        responseType: 'buffer',
      });
      const type = String(response.headers['content-type'] ?? '');
      const body = type.startsWith('application/json') ? JSON.parse(response.body.toString('utf8')) : response.body;
      return { status: response.statusCode, body, headers: response.headers };
    },
    async admin(method, urlPath, json) {
      const response = await got(`${sim.url}/__admin${urlPath}`, {
        method,
        json,
        throwHttpErrors: false,
        retry: { limit: 0 },
        responseType: 'json',
      });
      return { status: response.statusCode, body: response.body as any };
    },
    stop: () => sim.stop(),
  };
}

// ---- the contract --------------------------------------------------------

// Both packages are CommonJS whose module.exports also carries itself as
// `default`; under NodeNext that `default` is the typed way in.
const Ajv2020 = ajv2020Module.default;
const addFormats = ajvFormatsModule.default;

const CONTRACT_ID = 'https://corfix.test/corfix-api.yaml';
const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;

interface PathEntry {
  template: string;
  pattern: RegExp;
  item: Record<string, any>;
}

export class ContractValidator {
  private readonly ajv: InstanceType<typeof Ajv2020>;
  private readonly paths: PathEntry[];

  private constructor(private readonly doc: Record<string, any>) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    // The whole OpenAPI document is one schema resource, so that
    // "#/components/..." references resolve inside it.
    this.ajv.addSchema({ ...doc, $id: CONTRACT_ID });
    this.paths = Object.entries(doc.paths as Record<string, Record<string, any>>).map(([template, item]) => ({
      template,
      item,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  static load(file: string = CONTRACT_PATH): ContractValidator {
    if (!existsSync(file)) {
      throw new Error(`The Corfix contract is missing: expected ${file} (contracts/corfix-api.yaml, a copy of shared/docs/corfix-api.yaml)`);
    }
    return new ContractValidator(parseYaml(readFileSync(file, 'utf8')) as Record<string, any>);
  }

  /** Problems with one exchange; empty when the response is what the contract allows. */
  check(exchange: RecordedExchange): string[] {
    const url = new URL(exchange.url);
    const where = `${exchange.method} ${url.pathname} -> ${exchange.status}`;
    const entry = this.paths.find((p) => p.pattern.test(url.pathname));
    if (!entry) {
      // A path outside the contract may only be refused, in the contract's error shape.
      if (exchange.status < 400) return [`${where}: the path is not in the contract`];
      return this.validateJson('/components/schemas/Error', exchange, where);
    }
    const method = exchange.method.toLowerCase();
    if (!METHODS.includes(method as (typeof METHODS)[number]) || !entry.item[method]) {
      return [`${where}: the method is not in the contract`];
    }
    const problems: string[] = [];
    const opPointer = `/paths/${escapePointer(entry.template)}/${method}`;
    const responses = entry.item[method].responses as Record<string, any>;
    const statusKey = responses[String(exchange.status)] ? String(exchange.status) : 'default';
    let response = responses[statusKey];
    let pointer = `${opPointer}/responses/${statusKey}`;
    if (!response) return [`${where}: no response of the contract covers this status`];
    if (response.$ref) {
      pointer = String(response.$ref).replace(/^#/, '');
      response = this.resolve(pointer);
    }
    if (exchange.status === 429 && exchange.headers['retry-after'] === undefined) {
      problems.push(`${where}: a 429 without Retry-After`);
    }
    const contentType = String(exchange.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const content = (response.content ?? {}) as Record<string, unknown>;
    if (!(contentType in content)) {
      problems.push(`${where}: content type "${contentType}" is not one of ${Object.keys(content).join(', ')}`);
      return problems;
    }
    if (contentType === 'application/pdf') {
      if (exchange.body.subarray(0, 5).toString('latin1') !== '%PDF-') problems.push(`${where}: the body is not a PDF`);
      return problems;
    }
    problems.push(...this.validateJson(`${pointer}/content/${escapePointer(contentType)}/schema`, exchange, where));

    // What the client sent on a create that succeeded must be the contract's input too.
    const requestBody = entry.item[method].requestBody;
    if (exchange.status < 300 && requestBody && exchange.requestJson !== undefined) {
      problems.push(
        ...this.validate(`${opPointer}/requestBody/content/application~1json/schema`, exchange.requestJson, `${where} (request)`),
      );
    }
    return problems;
  }

  /** Problems over many exchanges (only the public API's; the admin API is not in the contract). */
  checkAll(exchanges: RecordedExchange[]): string[] {
    return exchanges.filter((e) => !new URL(e.url).pathname.startsWith('/__admin')).flatMap((e) => this.check(e));
  }

  private validateJson(pointer: string, exchange: RecordedExchange, where: string): string[] {
    let body: unknown;
    try {
      body = JSON.parse(exchange.body.toString('utf8'));
    } catch {
      return [`${where}: the body is not JSON`];
    }
    return this.validate(pointer, body, where);
  }

  private validate(pointer: string, value: unknown, where: string): string[] {
    const validate = this.ajv.getSchema(`${CONTRACT_ID}#${pointer}`);
    if (!validate) return [`${where}: the contract has no schema at ${pointer}`];
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`);
  }

  private resolve(pointer: string): any {
    return pointer
      .split('/')
      .slice(1)
      .reduce<any>((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A seed for which the fault kit's first draw at `rate` hits and the second misses. */
export function seedHittingOnceThenMissing(rate: number, SeededRandomClass: new (seed: number) => { next(): number }): number {
  for (let seed = 1; seed < 10_000; seed += 1) {
    const random = new SeededRandomClass(seed);
    if (random.next() < rate && random.next() >= rate) return seed;
  }
  throw new Error('no seed found');
}

export async function eventually<T>(probe: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}
