// The simulator's own contract, over plain HTTP: what docs/procore-api.md says
// Procore does, and the admin API that tests and the dev stack drive it with.
import Fastify, { type FastifyInstance } from 'fastify';
import { startProcoreSimulator, type ProcoreSimulator } from '../../src/simulators/procore/server.js';

let sim: ProcoreSimulator;
let companyId: number;
let token: string;

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${sim.url}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** A fetch Response whose JSON the test reads without declaring every shape. */
type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

function http(url: string, init?: RequestInit): Promise<JsonResponse> {
  return fetch(url, init);
}

async function api(path: string, init: { headers?: Record<string, string>; method?: string; body?: string | FormData } = {}) {
  return http(`${sim.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'procore-company-id': String(companyId), ...init.headers },
    body: init.body,
  });
}

/** rel -> "page/per_page" */
function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, target, rel] of (header ?? '').matchAll(/<([^>]+)>; rel="(\w+)"/g)) {
    const url = new URL(target!);
    out[rel!] = `${url.searchParams.get('page')}/${url.searchParams.get('per_page')}`;
  }
  return out;
}

beforeAll(async () => {
  sim = await startProcoreSimulator({ seed: 7, webhooks: { retry_delays_ms: [20, 20, 20] } });
  const created = await admin('POST', '/companies', { companies: [{ name: 'Admin Seeded Co' }] });
  companyId = created.json.companies[0].id;
  const tokenResponse = await http(`${sim.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }),
  });
  const body = await tokenResponse.json();
  expect(body).toMatchObject({ token_type: 'bearer', expires_in: 5400, created_at: expect.any(Number) });
  token = body.access_token;
});
afterAll(async () => {
  await sim.stop();
});

describe('access rules', () => {
  test('a call without Procore-Company-Id is answered 400 with Procore\'s words', async () => {
    const response = await fetch(`${sim.url}/rest/v1.0/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: 'Missing Procore-Company-Id header!' });
  });

  test('bad or expired tokens: 401', async () => {
    expect((await api('/rest/v1.0/me', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const wrong = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: 'wrong' }),
    });
    expect(wrong.status).toBe(401);
  });

  test('uninstalling the app: 403 "App is not connected to this company", and it leaves /companies', async () => {
    expect((await admin('POST', `/companies/${companyId}/uninstall`)).status).toBe(200);
    const refused = await api(`/rest/v1.3/companies/${companyId}/users`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ errors: 'App is not connected to this company' });
    expect(await (await api('/rest/v1.0/companies')).json()).toEqual([]);
    await admin('POST', `/companies/${companyId}/reinstall`);
    expect((await api(`/rest/v1.3/companies/${companyId}/users`)).status).toBe(200);
  });
});

describe('lists', () => {
  beforeAll(async () => {
    const seeded = await admin('POST', `/companies/${companyId}/projects`, {
      projects: [{ name: 'Described', description: 'private', public_notes: 'public' }],
      generate: { count: 650 },
    });
    expect(seeded).toMatchObject({ status: 201, json: { count: 651 } });
  });

  test('ids above 2^32 are JSON numbers; view=normal omits description and public_notes', async () => {
    const normal = await (await api(`/rest/v1.1/projects?company_id=${companyId}&filters[by_status]=All&per_page=1`)).text();
    expect(normal).toMatch(/"id":5\d{9},/);
    expect(JSON.parse(normal)[0]).not.toHaveProperty('description');
    const extended = await (await api(`/rest/v1.1/projects?company_id=${companyId}&filters[by_status]=All&per_page=1&view=extended`)).json();
    expect(extended[0]).toMatchObject({ description: 'private', public_notes: 'public' });
  });

  test('per_page is clamped; Total, Per-Page and Link (no next on the last page)', async () => {
    const first = await api(`/rest/v1.1/projects?company_id=${companyId}&filters[by_status]=All&per_page=5000`);
    expect(first.headers.get('per-page')).toBe('300');
    expect(first.headers.get('total')).toBe('651');
    expect(links(first.headers.get('link'))).toEqual({ first: '1/300', next: '2/300', last: '3/300' });
    const last = await api(`/rest/v1.1/projects?company_id=${companyId}&filters[by_status]=All&per_page=300&page=3`);
    expect(await last.json()).toHaveLength(51);
    expect(links(last.headers.get('link'))).toEqual({ first: '1/300', prev: '2/300', last: '3/300' });
    const defaulted = await api(`/rest/v1.1/projects?company_id=${companyId}&filters[by_status]=All`);
    expect(defaulted.headers.get('per-page')).toBe('100');
  });

  test('pages larger than pageTimeouts answer 408, smaller ones are served; the setting can change at any time', async () => {
    sim.pageTimeouts.projects = 100;
    try {
      const large = await api(`/rest/v1.1/projects?company_id=${companyId}&filters[by_status]=All&per_page=300`);
      expect(large.status).toBe(408);
      const small = await api(`/rest/v1.1/projects?company_id=${companyId}&filters[by_status]=All&per_page=100&page=2`);
      expect(small.status).toBe(200);
      expect(await small.json()).toHaveLength(100);
    } finally {
      delete sim.pageTimeouts.projects;
    }
    expect((await api(`/rest/v1.1/projects?company_id=${companyId}&filters[by_status]=All&per_page=300`)).status).toBe(200);
  });

  test('an injected error can carry its own message', async () => {
    sim.faults.setFaults([{ route: 'GET /rest/v1.0/me', errors: [{ status: 422, rate: 1, message: 'ann@example.com is odd' }] }]);
    try {
      const answer = await api('/rest/v1.0/me');
      expect(answer.status).toBe(422);
      expect(await answer.json()).toEqual({ errors: 'ann@example.com is odd' });
    } finally {
      sim.faults.clearFaults();
    }
  });

  test('a malformed updated_at range is refused', async () => {
    const response = await api(`/rest/v1.1/projects?company_id=${companyId}&filters[updated_at]=yesterday`);
    expect(response.status).toBe(400);
  });

  test('admin changes bump updated_at; deactivate and reactivate move a user between the lists', async () => {
    const users = await admin('POST', `/companies/${companyId}/users`, { users: [{ first_name: 'Rangi', employee_id: 12 }] });
    const userId = users.json.ids[0];
    const before = (await admin('GET', `/companies/${companyId}/users`)).json.find((u: any) => u.id === userId);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await admin('POST', `/companies/${companyId}/users/${userId}/deactivate`);
    const inactive = await (await api(`/rest/v1.0/companies/${companyId}/users/inactive`)).json();
    expect(inactive.map((u: any) => u.id)).toEqual([userId]);
    expect(Date.parse(inactive[0].updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    await admin('POST', `/companies/${companyId}/users/${userId}/reactivate`);
    expect(await (await api(`/rest/v1.0/companies/${companyId}/users/inactive`)).json()).toEqual([]);

    const projectId = (await admin('GET', `/companies/${companyId}/projects`)).json[0].id;
    const patched = await admin('PATCH', `/projects/${projectId}`, { name: 'Renamed', active: false });
    expect(patched.json).toMatchObject({ id: projectId, name: 'Renamed', active: false });
    expect((await admin('PATCH', `/projects/${projectId}`, { not_a_field: 1 })).status).toBe(400);
  });

  test('backdate stamps every project and user of the company, the service account too, and announces nothing', async () => {
    const other = (await admin('POST', '/companies', { companies: [{ name: 'Quiet Co' }] })).json.companies[0].id;
    await admin('POST', `/companies/${other}/projects`, { projects: [{ name: 'Old Site' }] });
    await admin('POST', `/companies/${other}/users`, { users: [{ first_name: 'Old' }] });
    const at = '2026-01-02T03:04:05.000Z';
    const deliveriesBefore = (await admin('GET', '/webhooks')).json.deliveries.length;
    expect((await admin('POST', `/companies/${other}/backdate`, { at })).json).toEqual({ projects: 1, users: 2 });
    const records = [...(await admin('GET', `/companies/${other}/projects`)).json, ...(await admin('GET', `/companies/${other}/users`)).json];
    expect(records.map((r: any) => [r.created_at, r.updated_at])).toEqual(records.map(() => [at, at]));
    expect((await admin('GET', '/webhooks')).json.deliveries.length).toBe(deliveriesBefore);
    expect((await admin('POST', `/companies/${other}/backdate`, { at: 'last week' })).status).toBe(400);
    expect((await admin('POST', '/companies/999999/backdate', { at })).status).toBe(404);
  });
});

describe('rate limits', () => {
  afterAll(async () => {
    await admin('PUT', '/rate-limits', { spike: { limit: 100, window_seconds: 10 }, retry_after_rate: 0.5 });
  });

  test('headers on every answer, failed calls count, 429s with and without Retry-After', async () => {
    const set = await admin('PUT', '/rate-limits', { spike: { limit: 3, window_seconds: 600 }, retry_after_rate: 0.5 });
    expect(set.json).toMatchObject({ spike: { limit: 3, window_seconds: 600 }, hourly: { limit: 3600 } });
    const answers = [];
    // These calls fail (404: no such project) and still count against the limit.
    for (let i = 0; i < 16; i += 1) answers.push(await api('/rest/v1.0/projects/1?company_id=1'));
    for (const answer of answers) {
      expect(answer.headers.get('x-rate-limit-limit')).toBe('3');
      expect(Number(answer.headers.get('x-rate-limit-reset')) % 600).toBe(0);
    }
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([404, 404, 404]);
    expect(answers.slice(0, 3).map((a) => a.headers.get('x-rate-limit-remaining'))).toEqual(['2', '1', '0']);
    const refused = answers.slice(3);
    expect(refused.every((a) => a.status === 429)).toBe(true);
    const withRetryAfter = refused.filter((a) => a.headers.get('retry-after') !== null);
    expect(withRetryAfter.length).toBeGreaterThan(0);
    expect(withRetryAfter.length).toBeLessThan(refused.length);
    // The busiest window counted all 16, the 13 refused ones too; new limits start the peaks afresh.
    expect((await admin('GET', '/rate-limits')).json.peaks).toEqual({ [String(companyId)]: { spike: 16, hourly: 16 } });
    expect((await admin('PUT', '/rate-limits', { spike: { limit: 3, window_seconds: 600 } })).json.peaks).toEqual({});
  });
});

describe('documents', () => {
  let projectId: number;
  beforeAll(async () => {
    projectId = (await admin('POST', `/companies/${companyId}/projects`, { projects: [{ name: 'Docs' }] })).json.ids[0];
  });

  async function createUpload(): Promise<{ uuid: string; url: string; fields: Record<string, string> }> {
    const response = await api(`/rest/v1.1/projects/${projectId}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_filename: 'f.pdf', response_content_type: 'application/pdf' }),
    });
    expect(response.status).toBe(201);
    return response.json();
  }

  test('storage wants every field unchanged and before the file; fields after the file are ignored', async () => {
    const upload = await createUpload();
    const send = async (build: (form: FormData) => void) => {
      const form = new FormData();
      build(form);
      return fetch(upload.url, { method: 'POST', body: form });
    };
    const fileLast = (form: FormData) => form.append('file', new Blob([Buffer.from('pdf')]), 'f.pdf');
    const missing = await send((form) => {
      for (const [k, v] of Object.entries(upload.fields)) if (k !== 'policy') form.append(k, v);
      fileLast(form);
    });
    expect(missing.status).toBe(403);
    const fieldsAfter = await send((form) => {
      form.append('key', upload.fields['key']!);
      fileLast(form);
      for (const [k, v] of Object.entries(upload.fields)) if (k !== 'key') form.append(k, v);
    });
    expect(fieldsAfter.status).toBe(403);
    expect(sim.state.uploads.get(upload.uuid)!.content).toBeNull();
    const good = await send((form) => {
      for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
      fileLast(form);
    });
    expect(good.status).toBe(201);
    expect(sim.state.uploads.get(upload.uuid)!.content!.toString()).toBe('pdf');
  });

  test('create file: an upload never sent to storage is refused; unique_name=false on a taken name is 422', async () => {
    const upload = await createUpload();
    const form = (uuid: string, unique: boolean) => {
      const body = new FormData();
      body.append('file[name]', 'Same.pdf');
      body.append('file[upload_uuid]', uuid);
      body.append('file[unique_name]', String(unique));
      return body;
    };
    const unsent = await api(`/rest/v1.0/files?project_id=${projectId}`, { method: 'POST', body: form(upload.uuid, true) });
    expect(unsent.status).toBe(422);
    expect(await unsent.json()).toEqual({ errors: { upload_uuid: ['is invalid'] } });

    const body = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) body.append(k, v);
    body.append('file', new Blob([Buffer.from('x')]), 'f.pdf');
    expect((await fetch(upload.url, { method: 'POST', body })).status).toBe(201);
    expect((await api(`/rest/v1.0/files?project_id=${projectId}`, { method: 'POST', body: form(upload.uuid, false) })).status).toBe(201);
    const taken = await api(`/rest/v1.0/files?project_id=${projectId}`, { method: 'POST', body: form(upload.uuid, false) });
    expect(taken.status).toBe(422);
    expect(await taken.json()).toEqual({ errors: { name: ['has already been taken'] } });

    const tree = await admin('GET', `/projects/${projectId}/documents`);
    const file = tree.json.files.find((f: any) => f.name === 'Same.pdf');
    const content = await fetch(`${sim.url}/__admin/files/${file.id}/versions/1/content`);
    expect(await content.text()).toBe('x');

    // The company's files and one file, with when each version was stored (not its bytes).
    const listed = (await admin('GET', `/companies/${companyId}/files`)).json.find((f: any) => f.id === file.id);
    expect(listed).toEqual({
      id: file.id,
      project_id: projectId,
      parent_id: expect.any(Number),
      name: 'Same.pdf',
      is_deleted: false,
      versions: [{ number: 1, created_at: expect.any(String), size: 1, content_type: expect.any(String) }],
    });
    expect((await admin('GET', `/files/${file.id}`)).json).toEqual(listed);
    expect((await admin('GET', '/files/999999')).status).toBe(404);
    expect((await admin('GET', '/companies/999999/files')).status).toBe(404);
  });

  test('a duplicate folder name under one parent: 422 name taken', async () => {
    const create = () =>
      api(`/rest/v1.0/folders?project_id=${projectId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ folder: { name: 'Corfix Forms' } }),
      });
    expect((await create()).status).toBe(201);
    const again = await create();
    expect(again.status).toBe(422);
    expect(await again.json()).toEqual({ errors: { name: ['has already been taken'] } });
  });
});

describe('webhooks', () => {
  let receiver: FastifyInstance;
  let url: string;
  const statuses: number[] = [];
  const ulids: string[] = [];

  beforeAll(async () => {
    receiver = Fastify();
    receiver.post('/hook', async (request, reply) => {
      // Fails the first two deliveries: Procore must try again.
      const status = statuses.length < 2 ? 500 : 200;
      statuses.push(status);
      ulids.push((request.body as { ulid: string }).ulid);
      return reply.code(status).send({});
    });
    url = `${await receiver.listen({ port: 0, host: '127.0.0.1' })}/hook`;
  });
  afterAll(async () => {
    await receiver.close();
  });

  test('a delivery answered 5xx is retried until it succeeds (at least once, same ulid)', async () => {
    const hook = await api('/rest/v1.0/webhooks/hooks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        company_id: companyId,
        hook: { api_version: 'v2', namespace: 'retry-test', destination_url: url, destination_headers: { Authorization: 'Bearer s' } },
      }),
    });
    const hookId = (await hook.json()).id;
    await api(`/rest/v1.0/webhooks/hooks/${hookId}/triggers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ company_id: companyId, api_version: 'v2', trigger: { resource_name: 'Projects', event_type: 'delete' } }),
    });
    const projectId = (await admin('GET', `/companies/${companyId}/projects`)).json[0].id;
    expect((await admin('DELETE', `/projects/${projectId}`)).status).toBe(204);
    await sim.webhooks.idle();
    expect(statuses).toEqual([500, 500, 200]);
    expect(new Set(ulids).size).toBe(1);
    const deliveries = (await admin('GET', '/webhooks')).json.deliveries;
    expect(deliveries).toEqual([expect.objectContaining({ state: 'delivered', attempts: expect.any(Array) })]);
    expect(deliveries[0].payload).toMatchObject({ event_type: 'delete', resource_name: 'Projects', resource_id: projectId });
  });
});

describe('faults and counts (common kit)', () => {
  test('the same seed and the same requests give the same faults', async () => {
    const run = async (): Promise<number[]> => {
      const other = await startProcoreSimulator({ seed: 99 });
      try {
        const company = other.state.addCompany({ name: 'Seeded' });
        const put = await fetch(`${other.url}/__admin/faults`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ faults: [{ route: 'GET /rest/v1.0/companies', errors: [{ status: 500, rate: 0.5 }] }] }),
        });
        expect(put.status).toBe(200);
        const tokenBody = await (
          await http(`${other.url}/oauth/token`, {
            method: 'POST',
            body: new URLSearchParams({ grant_type: 'client_credentials', client_id: other.clientId, client_secret: other.clientSecret }),
          })
        ).json();
        const statuses: number[] = [];
        for (let i = 0; i < 12; i += 1) {
          const response = await fetch(`${other.url}/rest/v1.0/companies`, {
            headers: { authorization: `Bearer ${tokenBody.access_token}`, 'procore-company-id': String(company.id) },
          });
          statuses.push(response.status);
        }
        const counts = await (await http(`${other.url}/__admin/requests`)).json();
        expect(counts.routes['GET /rest/v1.0/companies'].total).toBe(12);
        // The log holds what the counts count, each with its arrival, in the order answered (here one after another); admin calls are in neither.
        const { requests } = await (await http(`${other.url}/__admin/requests/log`)).json();
        expect(requests.map((r: any) => r.route)).toEqual(['POST /oauth/token', ...statuses.map(() => 'GET /rest/v1.0/companies')]);
        expect(requests.slice(1).map((r: any) => r.status)).toEqual(statuses);
        const arrivals = requests.map((r: any) => r.at);
        expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
        const since = await (await http(`${other.url}/__admin/requests/log?since=${arrivals[5]}`)).json();
        expect(since.requests.length).toBeGreaterThanOrEqual(1);
        expect(since.requests.every((r: any) => r.at >= arrivals[5])).toBe(true);
        await fetch(`${other.url}/__admin/requests`, { method: 'DELETE' });
        expect((await (await http(`${other.url}/__admin/requests/log`)).json()).requests).toEqual([]);
        return statuses;
      } finally {
        await other.stop();
      }
    };
    const first = await run();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });
});
