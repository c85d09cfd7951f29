// The simulator's user sign-in (authorization code), over plain HTTP: who
// signs in is picked by an admin call, a code is good once with its own
// redirect_uri, and the user's token sees only that user and their companies.
import { startProcoreSimulator, type ProcoreSimulator } from '../../src/simulators/procore/server.js';

let sim: ProcoreSimulator;
const redirectUri = 'https://integration.test/v1/oauth/procore/callback';

beforeAll(async () => {
  sim = await startProcoreSimulator({ seed: 3 });
});
afterAll(async () => sim?.stop());

const authorize = (clientId = sim.clientId) =>
  fetch(
    `${sim.url}/oauth/authorize?response_type=code&client_id=${clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&state=s-1`,
    { redirect: 'manual' },
  );

const token = (code: string, uri = redirectUri) =>
  fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: sim.clientId, client_secret: sim.clientSecret, redirect_uri: uri }),
  });

test('the picked user signs in; the code is good once, only with its redirect_uri; the token sees that user and their companies only', async () => {
  const mine = sim.state.addCompany({ name: 'Mine' });
  const notInstalled = sim.state.addCompany({ name: 'Mine too, app not installed', app_installed: false });
  const theirs = sim.state.addCompany({ name: 'Theirs' });
  const [me] = sim.state.addUsers(mine.id, [{ first_name: 'Mia', last_name: 'Stone', email_address: 'mia@mine.example', is_active: true }]);
  sim.state.directory(notInstalled.id).set(me!.id, { ...me! });

  expect((await authorize()).status).toBe(409); // nobody picked yet
  const pick = await fetch(`${sim.url}/__admin/oauth/sign-in`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: me!.id }),
  });
  expect(pick.status).toBe(200);
  expect((await authorize('another-client')).status).toBe(401);

  const answer = await authorize();
  expect(answer.status).toBe(302);
  const back = new URL(answer.headers.get('location') as string);
  expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
  expect(back.searchParams.get('state')).toBe('s-1');
  const code = back.searchParams.get('code') as string;

  expect((await token(code, 'https://elsewhere.test/callback')).status).toBe(401);
  const granted = await token(code);
  expect(granted.status).toBe(200);
  const body = (await granted.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe('bearer');
  const again = await token(code);
  expect(again.status).toBe(401);
  expect(await again.json()).toMatchObject({ error: 'invalid_grant' });

  const headers = { authorization: `Bearer ${body.access_token}`, 'procore-company-id': String(theirs.id) };
  expect(await (await fetch(`${sim.url}/rest/v1.0/me`, { headers })).json()).toEqual({ id: me!.id, login: 'mia@mine.example', name: 'Mia Stone' });
  const companies = (await (await fetch(`${sim.url}/rest/v1.0/companies`, { headers })).json()) as Array<{ id: number }>;
  expect(companies.map((c) => c.id)).toEqual([mine.id, notInstalled.id]);

  await fetch(`${sim.url}/__admin/oauth/sign-in`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decline: true }) });
  const declined = new URL((await authorize()).headers.get('location') as string);
  expect(Object.fromEntries(declined.searchParams)).toEqual({ error: 'access_denied', state: 's-1' });
});
