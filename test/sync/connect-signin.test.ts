// Connect through a Procore sign-in, end to end: the real API (fastify
// inject), Postgres, Temporal and a worker, against the simulators. A user
// of company X connects an account to X; a user of company Y trying the same
// is refused on the return URL, and nothing is left in Postgres (but an audit
// row), Temporal or Corfix. Then every bad input the callback can meet.
import { randomBytes } from 'node:crypto';
import { signConnectState } from '../../src/api/connect-state.js';
import { buildApi } from '../../src/api/server.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger } from '../../src/logger.js';
import {
  API_TOKEN,
  CONNECT_STATE_SECRET,
  PROCORE_REDIRECT_URI,
  startSyncHarness,
  type SyncHarness,
} from '../support/sync-harness.js';
import { eventually } from '../support/eventually.js';

let h: SyncHarness;
const company: Record<'x' | 'y' | 'z' | 'w' | 'v', string> = { x: '', y: '', z: '', w: '', v: '' };
const user: Record<'ofX' | 'ofY' | 'ofZW', number> = { ofX: 0, ofY: 0, ofZW: 0 };

const person = (first: string, email: string) => ({
  first_name: first,
  last_name: 'Signer',
  email_address: email,
  is_employee: true,
  is_active: true,
  employee_id: null,
  mobile_phone: null,
  business_phone: null,
  job_title: null,
});

beforeAll(async () => {
  h = await startSyncHarness({
    name: 'connect-signin',
    corfixAccounts: ['si_acc_a', 'si_acc_b', 'si_acc_c', 'si_acc_d', 'si_acc_e', 'si_acc_f', 'si_acc_g', 'si_acc_h', 'si_acc_i'],
  });
  const p = h.procore.state;
  for (const key of Object.keys(company) as Array<keyof typeof company>) company[key] = String(p.addCompany({ name: `Company ${key}` }).id);
  p.generateProjects(Number(company.x), 3);
  user.ofX = p.addUsers(Number(company.x), [person('Xena', 'xena@x.example')])[0]!.id;
  user.ofY = p.addUsers(Number(company.y), [person('Yuri', 'yuri@y.example')])[0]!.id;
  // one person in two companies (Procore keeps one user id across companies)
  const both = p.addUsers(Number(company.z), [person('Zoe', 'zoe@zw.example')])[0]!;
  p.directory(Number(company.w)).set(both.id, { ...both });
  user.ofZW = both.id;
  await h.startWorker();
});
afterAll(async () => h?.stop());

const connectFields = (account: string, companyId: string) => ({
  corfix_account_id: account,
  procore_company_id: companyId,
  auto_activate_workers: true,
});

/** POST /v1/integrations/authorizations, then the browser through Procore (signed in as `userId`) back to the callback. */
async function signInAndReturn(account: string, companyId: string, userId: number) {
  const authorization = await h.authorize(connectFields(account, companyId));
  expect(authorization.statusCode).toBe(201);
  h.procore.signins.signInAs(userId);
  const back = await h.procoreRedirect(authorization.json['authorize_url'] as string);
  const result = await h.callback(back);
  return { back, result, authorizeUrl: new URL(authorization.json['authorize_url'] as string) };
}

const resultOf = (location: URL) => Object.fromEntries(location.searchParams);
const returnedTo = (location: URL) => `${location.origin}${location.pathname}`;

/** The account's connects that Temporal lists (the initial sync and the continuous syncs carry the account too). */
async function workflowsOf(account: string): Promise<number> {
  let n = 0;
  const query = `CorfixAccountId = "${account}" AND WorkflowType = "ConnectIntegration"`;
  for await (const _ of h.temporal.client.workflow.list({ query })) n += 1;
  return n;
}

/** Temporal's list is eventually consistent: a connect started a moment ago may not be listed yet. */
const listedConnects = (account: string) => eventually(async () => ((await workflowsOf(account)) > 0 ? workflowsOf(account) : undefined));

async function refusalsOf(account: string) {
  const rows = await h.t.db('audit_log').whereRaw(`details->>'corfix_account_id' = ?`, [account]).orderBy('id');
  return rows.map((r: { action: string; integration_id: string | null; details: Record<string, unknown> }) => ({
    action: r.action,
    integration_id: r.integration_id,
    reason: r.details['reason'],
  }));
}

/** Whatever the service wrote anywhere in Postgres, as text. */
async function everythingInPostgres(): Promise<string> {
  const tables = ['integrations', 'audit_log', 'connect_state_nonces', 'project_links', 'worker_links', 'sync_outcomes'];
  const dumps = await Promise.all(tables.map(async (t) => JSON.stringify(await h.t.db(t).select())));
  return dumps.join('\n');
}

describe('Done when', () => {
  // First, while company X is free: the refusal must come from the sign-in alone.
  test('a user of company Y connecting account B to X is refused on the return URL: nothing in Postgres but an audit row, nothing in Temporal or Corfix', async () => {
    const corfixBefore = JSON.stringify(h.corfix.state.snapshot());
    const { result } = await signInAndReturn('si_acc_b', company.x, user.ofY);

    expect(result.statusCode).toBe(303);
    expect(returnedTo(result.location)).toBe('https://corfix.test/settings/procore');
    expect(resultOf(result.location)).toEqual({
      from: 'signin',
      result: 'refused',
      reason: 'not_in_company',
      corfix_account_id: 'si_acc_b',
      message: `the Procore user who signed in does not belong to Procore company ${company.x}; sign in as a user of that company`,
    });

    expect(await h.t.db('integrations').select()).toEqual([]);
    expect(await h.t.db('connect_state_nonces').select()).toEqual([]);
    const audit = await h.t.db('audit_log').select();
    expect(audit).toEqual([
      expect.objectContaining({
        integration_id: null,
        actor: 'procore_signin',
        action: 'connect_refused',
        details: {
          reason: 'not_in_company',
          corfix_account_id: 'si_acc_b',
          procore_company_id: company.x,
          procore_user_id: String(user.ofY),
          procore_login: 'yuri@y.example',
        },
      }),
    ]);
    expect(await workflowsOf('si_acc_b')).toBe(0);
    expect(JSON.stringify(h.corfix.state.snapshot())).toBe(corfixBefore);
  });

  test('a user of company X connects account A to X: the authorize URL, the callback, the sync runs to active, and who connected is recorded', async () => {
    const { back, result, authorizeUrl } = await signInAndReturn('si_acc_a', company.x, user.ofX);
    // the authorize URL is Procore's, for this app, with the configured redirect_uri
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${h.procore.url}/oauth/authorize`);
    expect(Object.fromEntries(authorizeUrl.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: h.procore.clientId,
      redirect_uri: PROCORE_REDIRECT_URI,
    });

    expect(result.statusCode).toBe(303);
    expect(returnedTo(result.location)).toBe('https://corfix.test/settings/procore');
    const answer = resultOf(result.location);
    expect(answer).toMatchObject({ from: 'signin', result: 'connected', corfix_account_id: 'si_acc_a' });
    expect(answer['workflow_id']).toBe(`connect/${answer['integration_id']}`);

    await h.connectResult(answer['integration_id'] as string);
    const status = await h.status('si_acc_a');
    expect(status).toMatchObject({
      status: 'active',
      procore_company_id: company.x,
      settings: { auto_activate_workers: true },
      connected_by: { procore_user_id: String(user.ofX), procore_login: 'xena@x.example' },
    });
    const corfix = h.corfix.state.snapshot();
    const created = (status['initial_sync'] as { outcomes: { project: Record<string, number> } }).outcomes.project['created'];
    expect(created).toBeGreaterThan(0);
    expect(corfix.projects.filter((p) => p.account_id === 'si_acc_a')).toHaveLength(created as number);
    expect(corfix.workers.filter((w) => w.account_id === 'si_acc_a').map((w) => w.email)).toEqual(['xena@x.example']);

    const [row] = await h.t.db('integrations').where({ corfix_account_id: 'si_acc_a' });
    expect({ id: String(row.connected_by_procore_user_id), login: row.connected_by_procore_login }).toEqual({
      id: String(user.ofX),
      login: 'xena@x.example',
    });
    const [audit] = await h.t.db('audit_log').where({ integration_id: answer['integration_id'], action: 'connect' });
    expect(audit.actor).toBe('api');
    expect(audit.details).toMatchObject({ procore_user_id: String(user.ofX), procore_login: 'xena@x.example' });

    // Neither the code nor the state is kept: not in Postgres, not in the workflow's history.
    const code = back.searchParams.get('code') as string;
    const state = back.searchParams.get('state') as string;
    const saved = await everythingInPostgres();
    const history = JSON.stringify(await h.temporal.client.workflow.getHandle(answer['workflow_id'] as string).fetchHistory());
    for (const secret of [code, state, state.split('.')[1] as string, CONNECT_STATE_SECRET, h.procore.clientSecret]) {
      expect(saved).not.toContain(secret);
      expect(history).not.toContain(secret);
    }
  });
});

/** Asserts a refusal: the reason on the return URL, an audit row saying so, and nothing else for the account. */
async function expectRefused(location: URL, account: string, reason: string, message: RegExp) {
  expect(returnedTo(location)).toBe('https://corfix.test/settings/procore');
  const answer = resultOf(location);
  expect(answer).toMatchObject({ result: 'refused', reason });
  expect(answer['message']).toMatch(message);
  expect(await h.t.db('integrations').where({ corfix_account_id: account })).toEqual([]);
  expect(await workflowsOf(account)).toBe(0);
  expect(h.corfix.state.snapshot().workers.filter((w) => w.account_id === account)).toEqual([]);
}

describe('bad input ends on the return URL with a reason, and writes nothing but an audit row', () => {
  test('a replayed state (the same callback twice) is refused the second time', async () => {
    const { back, result } = await signInAndReturn('si_acc_c', company.v, user.ofX);
    expect(resultOf(result.location)).toMatchObject({ reason: 'not_in_company' });
    const replay = await h.callback(back);
    expect(replay.statusCode).toBe(303);
    await expectRefused(replay.location, 'si_acc_c', 'state_used', /already used/);
    expect(resultOf(replay.location)['corfix_account_id']).toBe('si_acc_c');
    expect(await refusalsOf('si_acc_c')).toEqual([
      { action: 'connect_refused', integration_id: null, reason: 'not_in_company' },
      { action: 'connect_refused', integration_id: null, reason: 'state_used' },
    ]);
  });

  test('a replayed state of a connect that succeeded starts nothing more', async () => {
    const { back, result } = await signInAndReturn('si_acc_d', company.y, user.ofY);
    expect(resultOf(result.location)).toMatchObject({ result: 'connected' });
    const replay = await h.callback(back);
    expect(resultOf(replay.location)).toMatchObject({ result: 'refused', reason: 'state_used' });
    expect(await h.t.db('integrations').where({ corfix_account_id: 'si_acc_d' })).toHaveLength(1);
    expect(await listedConnects('si_acc_d')).toBe(1);
    await h.connectResult(resultOf(result.location)['integration_id'] as string);
  });

  test('an expired state (signed by this service more than 10 minutes ago) is refused', async () => {
    const state = signConnectState(
      CONNECT_STATE_SECRET,
      { corfixAccountId: 'si_acc_e', procoreCompanyId: company.v, syncEmployeesOnly: false, autoActivateWorkers: false, syncForms: false },
      { nonce: randomBytes(24).toString('base64url'), expiresAt: new Date(Date.now() - 1000) },
    );
    const { location } = await h.callback(`${PROCORE_REDIRECT_URI}?code=whatever&state=${state}`);
    await expectRefused(location, 'si_acc_e', 'state_expired', /longer than 10 minutes/);
    expect(await refusalsOf('si_acc_e')).toEqual([{ action: 'connect_refused', integration_id: null, reason: 'state_expired' }]);
  });

  test('a forged state (signed with another secret) is refused without a word of what it claims', async () => {
    const forged = signConnectState(
      'not-the-service-secret-but-just-as-long-000',
      { corfixAccountId: 'si_acc_f', procoreCompanyId: company.v, syncEmployeesOnly: false, autoActivateWorkers: false, syncForms: false },
      { nonce: randomBytes(24).toString('base64url'), expiresAt: new Date(Date.now() + 60_000) },
    );
    h.procore.signins.signInAs(user.ofX);
    const back = await h.procoreRedirect(`${h.procore.url}/oauth/authorize?response_type=code&client_id=${h.procore.clientId}&redirect_uri=${encodeURIComponent(PROCORE_REDIRECT_URI)}&state=${forged}`);
    const { location } = await h.callback(back);
    await expectRefused(location, 'si_acc_f', 'state_invalid', /not issued by this service/);
    expect(resultOf(location)['corfix_account_id']).toBeUndefined();
    const [last] = await h.t.db('audit_log').orderBy('id', 'desc').limit(1);
    expect(last.details).toEqual({ reason: 'state_invalid' });
  });

  test('a state changed by one byte (in its fields, or in its signature) is refused; the genuine one still works', async () => {
    const authorization = await h.authorize(connectFields('si_acc_g', company.z));
    h.procore.signins.signInAs(user.ofZW);
    const back = await h.procoreRedirect(authorization.json['authorize_url'] as string);
    const state = back.searchParams.get('state') as string;
    const dot = state.indexOf('.');
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    for (const at of [Math.floor(dot / 2), dot + 1, state.length - 1]) {
      const tampered = new URL(back);
      tampered.searchParams.set('state', flip(state, at));
      const { location } = await h.callback(tampered);
      await expectRefused(location, 'si_acc_g', 'state_invalid', /changed on the way/);
    }
    const genuine = await h.callback(back);
    expect(resultOf(genuine.location)).toMatchObject({ result: 'connected', corfix_account_id: 'si_acc_g' });
    await h.connectResult(resultOf(genuine.location)['integration_id'] as string);
  });

  test('a code already used (with a new state) is refused by Procore, and so on the return URL', async () => {
    const first = await signInAndReturn('si_acc_h', company.v, user.ofX);
    expect(resultOf(first.result.location)).toMatchObject({ reason: 'not_in_company' });
    const again = await h.authorize(connectFields('si_acc_h', company.v));
    const reused = new URL(first.back);
    reused.searchParams.set('state', new URL(again.json['authorize_url'] as string).searchParams.get('state') as string);
    const { location } = await h.callback(reused);
    await expectRefused(location, 'si_acc_h', 'code_refused', /already used, has expired, or was issued for another app/);
  });

  test('Procore refusing the code, or not answering, is said on the return URL', async () => {
    const authorization = await h.authorize(connectFields('si_acc_i', company.v));
    const state = new URL(authorization.json['authorize_url'] as string).searchParams.get('state') as string;
    const made = await h.callback(`${PROCORE_REDIRECT_URI}?code=a-code-procore-never-issued&state=${encodeURIComponent(state)}`);
    await expectRefused(made.location, 'si_acc_i', 'code_refused', /Procore refused the sign-in code \(401\)/);

    h.procore.faults.setFaults([{ route: 'POST /oauth/token', errors: [{ status: 503, rate: 1 }] }]);
    try {
      const next = await h.authorize(connectFields('si_acc_i', company.v));
      h.procore.signins.signInAs(user.ofX);
      const back = await h.procoreRedirect(next.json['authorize_url'] as string);
      const { location } = await h.callback(back);
      await expectRefused(location, 'si_acc_i', 'procore_unavailable', /could not confirm the sign-in \(POST \/oauth\/token \(authorization_code\): status 503\)/);
    } finally {
      h.procore.faults.setFaults([]);
    }
  });

  test('a declined sign-in, and a callback without a state, end on the return URL with the reason', async () => {
    const authorization = await h.authorize(connectFields('si_acc_i', company.v));
    h.procore.signins.next = { decline: true };
    const back = await h.procoreRedirect(authorization.json['authorize_url'] as string);
    expect(back.searchParams.get('error')).toBe('access_denied');
    await expectRefused((await h.callback(back)).location, 'si_acc_i', 'signin_declined', /declined/);

    const { statusCode, location } = await h.callback(`${PROCORE_REDIRECT_URI}?code=abc`);
    expect(statusCode).toBe(303);
    expect(resultOf(location)).toMatchObject({ result: 'refused', reason: 'invalid_callback' });
    expect(resultOf(location)['message']).toMatch(/state: /);
  });

  test('two sign-ins racing for one account: one connects, the other is told it is already connected', async () => {
    const account = 'si_acc_e';
    const first = await h.authorize(connectFields(account, company.w));
    const second = await h.authorize(connectFields(account, company.v));
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    // one person who belongs to W signs in twice; V is given them too, for the race
    const p = h.procore.state;
    const zoe = p.directory(Number(company.w)).get(user.ofZW)!;
    p.directory(Number(company.v)).set(zoe.id, { ...zoe });
    h.procore.signins.signInAs(user.ofZW);
    const backs = [
      await h.procoreRedirect(first.json['authorize_url'] as string),
      await h.procoreRedirect(second.json['authorize_url'] as string),
    ];
    const results = (await Promise.all(backs.map((b) => h.callback(b)))).map((r) => resultOf(r.location));
    expect(results.map((r) => r['result']).sort()).toEqual(['connected', 'refused']);
    const refused = results.find((r) => r['result'] === 'refused')!;
    expect(refused).toMatchObject({ reason: 'already_connected', message: 'this Corfix account is already connected to a Procore company' });
    expect(await h.t.db('integrations').where({ corfix_account_id: account })).toHaveLength(1);
    expect(await listedConnects(account)).toBe(1);
    const connected = results.find((r) => r['result'] === 'connected')!;
    await h.connectResult(connected['integration_id'] as string);
    p.directory(Number(company.v)).delete(zoe.id);
  });
});

describe('the routes around it', () => {
  test('POST /v1/integrations/authorizations validates its body naming the field, and refuses an account already connected', async () => {
    const bad = await h.authorize({ corfix_account_id: 'si_acc_x', procore_company_id: 'twelve' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('procore_company_id');
    const unknown = await h.authorize({ ...connectFields('si_acc_x', company.v), extra: true });
    expect(unknown.statusCode).toBe(400);
    expect(JSON.stringify(unknown.json)).toContain('extra');
    const connected = await h.authorize(connectFields('si_acc_a', company.v));
    expect(connected.statusCode).toBe(409);
    const noToken = await h.api.inject({ method: 'POST', url: '/v1/integrations/authorizations', payload: connectFields('si_acc_x', company.v) });
    expect(noToken.statusCode).toBe(401);
  });

  test('with CONNECT_REQUIRE_PROCORE_SIGNIN, POST /v1/integrations is refused with 403 naming the setting, and the OpenAPI document describes the sign-in routes', async () => {
    const strict = await buildApi({
      db: h.t.db,
      temporal: h.temporal.client,
      taskQueue: h.taskQueue,
      logger: createLogger('silent', 'test'),
      clients: h.clients,
      apiToken: API_TOKEN,
      requireProcoreSignin: true,
    });
    try {
      const response = await strict.inject({
        method: 'POST',
        url: '/v1/integrations',
        headers: { authorization: `Bearer ${API_TOKEN}` },
        payload: connectFields('si_acc_x', company.v),
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toEqual({
        code: 'procore_signin_required',
        message: expect.stringContaining('CONNECT_REQUIRE_PROCORE_SIGNIN'),
      });
      expect(await h.t.db('integrations').where({ corfix_account_id: 'si_acc_x' })).toEqual([]);
    } finally {
      await strict.close();
    }
    const spec = (await h.api.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/integrations/authorizations', '/v1/oauth/procore/callback']));
    expect(spec.paths['/v1/oauth/procore/callback'].get.security).toEqual([]);
    expect(spec.paths['/v1/oauth/procore/callback'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['state', 'code', 'error']),
    );
    expect(Object.keys(spec.paths['/v1/integrations/authorizations'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '409']));
  });

  test('the request log of the callback keeps its path only: neither the code nor the state', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logged = await buildApi({
      db: h.t.db,
      temporal: h.temporal.client,
      taskQueue: h.taskQueue,
      logger: pino({ level: 'trace' }, sink),
      clients: h.clients,
      apiToken: API_TOKEN,
      signin: {
        stateSecret: CONNECT_STATE_SECRET,
        returnUrl: 'https://corfix.test/done',
        procore: {
          apiBaseUrl: h.procore.url,
          authBaseUrl: h.procore.url,
          clientId: h.procore.clientId,
          clientSecret: h.procore.clientSecret,
          redirectUri: PROCORE_REDIRECT_URI,
        },
      },
    });
    try {
      // a company of its own: the race above may have connected V
      const fresh = String(h.procore.state.addCompany({ name: 'Logged' }).id);
      const authorization = await h.authorize(connectFields('si_acc_x', fresh));
      expect(authorization.statusCode).toBe(201);
      h.procore.signins.signInAs(user.ofX);
      const back = await h.procoreRedirect(authorization.json['authorize_url'] as string);
      const response = await logged.inject({ method: 'GET', url: `${back.pathname}${back.search}` });
      expect(response.statusCode).toBe(303);
      const log = lines.join('');
      expect(log).toContain('/v1/oauth/procore/callback');
      expect(log).toContain('not_in_company');
      for (const secret of [back.searchParams.get('code') as string, back.searchParams.get('state') as string]) {
        expect(log).not.toContain(secret);
        expect(log).not.toContain(encodeURIComponent(secret));
      }
    } finally {
      await logged.close();
    }
  });
});
