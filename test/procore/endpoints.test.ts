// Every client call against the simulator, checking what reaches our types.
import Fastify, { type FastifyInstance } from 'fastify';
import type { ProcoreClient } from '../../src/procore/client.js';
import { collect, countsFor, startHarness, type Harness } from './harness.js';

let h: Harness;
let client: ProcoreClient;

/** A time later than every updated_at so far; what changes next is stamped at or after it. */
async function afterEverythingSoFar(): Promise<Date> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return new Date();
}

beforeAll(async () => {
  h = await startHarness();
  client = h.client();
});
afterAll(async () => {
  await h.sim.stop();
});

describe('identity', () => {
  test('me is the service account, with its id as a string', async () => {
    const me = await client.me();
    expect(me).toEqual({
      id: String(h.sim.state.serviceAccount.id),
      login: h.sim.state.serviceAccount.login,
      name: h.sim.state.serviceAccount.name,
    });
    expect(Number(me.id)).toBeGreaterThan(2 ** 32);
  });

  test('companies lists only those where the app is installed', async () => {
    const other = h.sim.state.addCompany({ name: 'Uninstalled Co', app_installed: false });
    const companies = await client.listCompanies();
    expect(companies).toContainEqual({ id: String(h.company.id), name: h.company.name, isActive: true });
    expect(companies.map((c) => c.id)).not.toContain(String(other.id));
  });
});

describe('projects', () => {
  let active: number;
  let inactive: number;
  let template: number;

  beforeAll(() => {
    const [a, i, t] = h.sim.state.addProjects(h.company.id, [
      {
        name: 'Harbour Tower',
        project_number: 'HT-1',
        description: 'private',
        public_notes: 'public',
        address: '1 Quay St',
        city: 'Auckland',
        state_code: 'AUK',
        country_code: 'NZ',
        zip: '1010',
        start_date: '2026-01-05',
      },
      { name: 'Old Depot', project_number: null, active: false, start_date: '2020-01-01' },
      { name: 'Template: Tower', template: true },
    ]);
    active = a!.id;
    inactive = i!.id;
    template = t!.id;
  });

  test('a page in the extended view carries every mapped field', async () => {
    const page = await client.projectsPage({ status: 'All' }, 1);
    const tower = page.items.find((p) => p.id === String(active));
    expect(tower).toEqual({
      id: String(active),
      name: 'Harbour Tower',
      projectNumber: 'HT-1',
      description: 'private',
      publicNotes: 'public',
      address: '1 Quay St',
      city: 'Auckland',
      stateCode: 'AUK',
      countryCode: 'NZ',
      zip: '1010',
      active: true,
      startDate: '2026-01-05',
      completionDate: null,
      template: false,
      isDemo: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(page).toMatchObject({ page: 1, total: 3, hasNext: false, nextPage: null, perPage: 300 });
  });

  test('status filter defaults to Active; templates come back unless filtered', async () => {
    const activeOnly = await collect(client.projectPages({}));
    expect(activeOnly.map((p) => p.id).sort()).toEqual([String(active), String(template)].sort());
    const inactiveOnly = await collect(client.projectPages({ status: 'Inactive' }));
    expect(inactiveOnly.map((p) => p.id)).toEqual([String(inactive)]);
    const noTemplates = await collect(client.projectPages({ status: 'All', template: false }));
    expect(noTemplates.map((p) => p.id)).not.toContain(String(template));
    expect(noTemplates).toHaveLength(2);
  });

  test('updated_at range returns only what changed in it', async () => {
    const from = await afterEverythingSoFar();
    h.sim.state.updateProject(inactive, { name: 'Old Depot (renamed)' });
    const changed = await collect(client.projectPages({ status: 'All', updatedAt: { from, to: new Date(Date.now() + 1000) } }));
    expect(changed.map((p) => [p.id, p.name])).toEqual([[String(inactive), 'Old Depot (renamed)']]);
  });

  test('show one project, with description and public notes', async () => {
    const project = await client.getProject(String(active));
    expect(project.description).toBe('private');
    expect(project.publicNotes).toBe('public');
  });
});

describe('company directory', () => {
  test('active users (v1.3) with an updated_at range, inactive users (v1.0)', async () => {
    const [worker, leaver] = h.sim.state.addUsers(h.company.id, [
      { first_name: 'Aroha', last_name: 'Tane', email_address: 'aroha@example.com', employee_id: 4711, mobile_phone: '+64 21 555' },
      { first_name: '', last_name: null, email_address: 'leaver@example.com', employee_id: 'E-9', is_active: false, is_employee: false },
    ]);
    const users = await collect(client.activeUserPages({}));
    expect(users.find((u) => u.id === String(worker!.id))).toEqual({
      id: String(worker!.id),
      firstName: 'Aroha',
      lastName: 'Tane',
      emailAddress: 'aroha@example.com',
      mobilePhone: '+64 21 555',
      businessPhone: null,
      employeeId: '4711',
      isEmployee: true,
      isActive: true,
      updatedAt: expect.any(String),
    });
    expect(users.map((u) => u.id)).toContain(String(h.sim.state.serviceAccount.id));
    expect(users.map((u) => u.id)).not.toContain(String(leaver!.id));

    const firstPage = await client.activeUsersPage({}, 1);
    expect(firstPage.perPage).toBe(1000);
    const inactive = await collect(client.inactiveUserPages());
    expect(inactive).toEqual([expect.objectContaining({ id: String(leaver!.id), firstName: '', lastName: null, employeeId: 'E-9', isActive: false })]);

    const from = await afterEverythingSoFar();
    h.sim.state.updateUser(h.company.id, worker!.id, { mobile_phone: '+64 21 777' });
    const changed = await collect(client.activeUserPages({ updatedAt: { from, to: new Date(Date.now() + 1000) } }));
    expect(changed.map((u) => [u.id, u.mobilePhone])).toEqual([[String(worker!.id), '+64 21 777']]);
  });
});

describe('documents', () => {
  let projectId: string;
  beforeAll(() => {
    projectId = String(h.sim.state.addProjects(h.company.id, [{ name: 'Docs project' }])[0]!.id);
  });

  test('root folder, create folder, show folder', async () => {
    const forms = await client.createFolder(projectId, { name: '06 Corfix Forms' });
    const month = await client.createFolder(projectId, { name: '2026-03', parentId: forms.id });
    const root = await client.rootFolder(projectId);
    expect(root.parentId).toBeNull();
    expect(root.folders.map((f) => f.name)).toEqual(expect.arrayContaining(['06 Corfix Forms', 'Recycle Bin']));
    const shown = await client.folder(projectId, forms.id);
    expect(shown).toMatchObject({ id: forms.id, name: '06 Corfix Forms', parentId: root.id });
    expect(shown.folders).toEqual([expect.objectContaining({ id: month.id, name: '2026-03', parentId: forms.id })]);
  });

  test('a folder name already taken answers the existing folder after re-reading the parent', async () => {
    const first = await client.createFolder(projectId, { name: 'Taken' });
    h.sim.faults.resetCounts();
    const again = await client.createFolder(projectId, { name: 'taken' });
    expect(again.id).toBe(first.id);
    expect(countsFor(h.sim, 'POST /rest/v1.0/folders').by_status).toEqual({ '422': 1 });
    expect(countsFor(h.sim, 'GET /rest/v1.0/folders').total).toBe(1);
  });

  test('upload in three steps; the bytes land in storage; a taken name is renamed; PATCH adds a version', async () => {
    const folder = await client.createFolder(projectId, { name: '2026-04' });
    const bytes = Buffer.from('%PDF-1.7\nfirst revision\n');
    const uuid = await client.uploadContent(projectId, { filename: 'Daily Check 2026-04-02.pdf', contentType: 'application/pdf', data: bytes });
    const file = await client.createFile(projectId, { parentId: folder.id, name: 'Daily Check 2026-04-02.pdf', uploadUuid: uuid });
    expect(file).toMatchObject({ name: 'Daily Check 2026-04-02.pdf', parentId: folder.id, size: bytes.length });
    expect(file.versions).toEqual([expect.objectContaining({ number: 1 })]);
    expect(h.sim.state.files.get(Number(file.id))!.versions[0]!.content.equals(bytes)).toBe(true);

    const second = await client.uploadContent(projectId, { filename: 'x.pdf', contentType: 'application/pdf', data: Buffer.from('other') });
    const renamed = await client.createFile(projectId, { parentId: folder.id, name: 'Daily Check 2026-04-02.pdf', uploadUuid: second });
    expect(renamed.name).toBe('Daily Check 2026-04-02 (1).pdf');
    const third = await client.createFile(projectId, { parentId: folder.id, name: 'Daily Check 2026-04-02.pdf', uploadUuid: second });
    expect(third.name).toBe('Daily Check 2026-04-02 (2).pdf');

    const revised = Buffer.from('%PDF-1.7\nsecond revision, signed\n');
    const revisedUuid = await client.uploadContent(projectId, { filename: 'r.pdf', contentType: 'application/pdf', data: revised });
    const versioned = await client.addFileVersion(projectId, file.id, revisedUuid);
    expect(versioned.id).toBe(file.id);
    expect(versioned.name).toBe(file.name);
    expect(versioned.versions.map((v) => v.number)).toEqual([1, 2]);
    expect(h.sim.state.files.get(Number(file.id))!.versions[1]!.content.equals(revised)).toBe(true);
    expect((await client.getFile(projectId, file.id)).versions.map((v) => v.number)).toEqual([1, 2]);
    const listed = await client.folder(projectId, folder.id);
    expect(listed.files.map((f) => f.name).sort()).toEqual([
      'Daily Check 2026-04-02 (1).pdf',
      'Daily Check 2026-04-02 (2).pdf',
      'Daily Check 2026-04-02.pdf',
    ]);
  });

  test('the storage request carries every field unchanged, the file last, and no bearer token', async () => {
    let seen: { authorization?: string; company?: string; order: string[] } | undefined;
    const storage: FastifyInstance = Fastify();
    storage.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
    storage.post('/bucket', async (request, reply) => {
      const form = await new Response(new Uint8Array(request.body as Buffer), {
        headers: { 'content-type': request.headers['content-type']! },
      }).formData();
      seen = {
        authorization: request.headers.authorization,
        company: request.headers['procore-company-id'] as string | undefined,
        order: [...form.keys()],
      };
      return reply.code(204).send();
    });
    const storageUrl = await storage.listen({ port: 0, host: '127.0.0.1' });
    try {
      await client.sendToStorage(
        { uuid: 'u-1', url: `${storageUrl}/bucket`, fields: { key: 'k/1', policy: 'p', 'x-amz-signature': 's' } },
        { filename: 'a.pdf', contentType: 'application/pdf', data: Buffer.from('x') },
      );
    } finally {
      await storage.close();
    }
    expect(seen).toEqual({ authorization: undefined, company: undefined, order: ['key', 'policy', 'x-amz-signature', 'file'] });
  });

  test('simulated storage refuses a request that carries a bearer token', async () => {
    const upload = await client.createUpload(projectId, { filename: 'a.pdf', contentType: 'application/pdf' });
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append('file', new Blob([Buffer.from('x')]), 'a.pdf');
    const refused = await fetch(upload.url, { method: 'POST', body: form, headers: { authorization: 'Bearer abc' } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/Only one auth mechanism allowed/);
    expect(h.sim.state.uploads.get(upload.uuid)!.content).toBeNull();
  });
});

describe('webhooks', () => {
  let receiver: FastifyInstance;
  let receiverUrl: string;
  const received: Array<{ authorization: string | undefined; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    receiver = Fastify();
    receiver.post('/webhooks/procore', async (request) => {
      received.push({ authorization: request.headers.authorization, body: request.body as Record<string, unknown> });
      return { ok: true };
    });
    receiverUrl = `${await receiver.listen({ port: 0, host: '127.0.0.1' })}/webhooks/procore`;
  });
  afterAll(async () => {
    await receiver.close();
  });

  test('register a hook and triggers, list them; deliveries carry the hook Authorization header', async () => {
    const hook = await client.createHook({ namespace: 'corfix-int-1', destinationUrl: receiverUrl, authorization: 'Bearer hook-secret-1' });
    expect(hook).toMatchObject({ namespace: 'corfix-int-1', destinationUrl: receiverUrl, apiVersion: 'v2' });
    expect(hook).not.toHaveProperty('destinationHeaders');
    const created = await client.createTrigger(hook.id, { resourceName: 'Company Users', eventType: 'update' });
    await client.createTrigger(hook.id, { resourceName: 'Projects', eventType: 'create' });
    const again = await client.createTrigger(hook.id, { resourceName: 'Company Users', eventType: 'update' });
    expect(again.id).toBe(created.id);
    expect(await client.listHooks('corfix-int-1')).toEqual([hook]);
    expect(await client.listHooks('someone-else')).toEqual([]);
    expect((await client.listTriggers(hook.id)).map((t) => `${t.resourceName}/${t.eventType}`).sort()).toEqual([
      'Company Users/update',
      'Projects/create',
    ]);

    const [user] = h.sim.state.addUsers(h.company.id, [{ first_name: 'Hook' }]);
    h.sim.state.setUserActive(h.company.id, user!.id, false);
    const [project] = h.sim.state.addProjects(h.company.id, [{ name: 'Hooked project' }]);
    await h.sim.webhooks.idle();

    expect(received.map((r) => r.authorization)).toEqual(['Bearer hook-secret-1', 'Bearer hook-secret-1']);
    const byResource = Object.fromEntries(received.map((r) => [r.body['resource_name'], r.body]));
    expect(byResource['Company Users']).toMatchObject({
      api_version: 'v2',
      event_type: 'update',
      company_id: h.company.id,
      resource_id: user!.id,
      project_id: null,
      ulid: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    });
    expect(byResource['Projects']).toMatchObject({ event_type: 'create', resource_id: project!.id, project_id: project!.id });

    await client.deleteHook(hook.id);
    await client.deleteHook(hook.id);
    expect(await client.listHooks()).toEqual([]);
  });
});

test('a created id above 2^32 stays exact through a round trip', async () => {
  const [project] = h.sim.state.addProjects(h.company.id, [{ name: 'Big id' }]);
  expect(project!.id).toBeGreaterThan(2 ** 32);
  const shown = await client.getProject(String(project!.id));
  expect(shown.id).toBe(String(project!.id));
});
