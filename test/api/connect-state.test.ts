// The sign-in's state: what this service signed comes back intact or not at
// all. Every single-character change is refused, so is another secret, and
// an expired state says so.
import { issueConnectState, MAX_STATE_LENGTH, signConnectState, STATE_LIFETIME_MS, verifyConnectState } from '../../src/api/connect-state.js';

const secret = 'a-state-secret-of-at-least-32-characters';
const request = {
  corfixAccountId: 'acc_main',
  procoreCompanyId: '4400000001',
  syncEmployeesOnly: true,
  autoActivateWorkers: false,
  syncForms: true,
  adoptExisting: false,
};
const now = Date.parse('2026-06-01T12:00:00Z');

test('a state issued here reads back as the same connect fields until it expires 10 minutes later', () => {
  const issued = issueConnectState(secret, request, now);
  expect(issued.expiresAt.getTime()).toBe(now + STATE_LIFETIME_MS);
  expect(verifyConnectState(secret, issued.state, now + STATE_LIFETIME_MS - 1000)).toEqual({
    ok: true,
    request,
    nonce: issued.nonce,
    expiresAt: issued.expiresAt,
  });
  expect(verifyConnectState(secret, issued.state, now + STATE_LIFETIME_MS)).toMatchObject({
    ok: false,
    reason: 'state_expired',
    corfixAccountId: 'acc_main',
  });
  // two states of the same fields differ (their nonces do)
  expect(issueConnectState(secret, request, now).state).not.toBe(issued.state);
});

test('every one-character change of a state is refused as not issued here', () => {
  const { state } = issueConnectState(secret, request, now);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
  for (let at = 0; at < state.length; at += 1) {
    const other = alphabet[(alphabet.indexOf(state[at] as string) + 1) % alphabet.length] as string;
    const changed = state.slice(0, at) + other + state.slice(at + 1);
    expect(verifyConnectState(secret, changed, now)).toMatchObject({ ok: false, reason: 'state_invalid' });
  }
  for (const cut of [state.slice(1), state.slice(0, -1), `${state}A`, state.replace('.', ''), '', '.', 'a.b']) {
    expect(verifyConnectState(secret, cut, now)).toMatchObject({ ok: false, reason: 'state_invalid' });
  }
});

test('a state signed with another secret, or signed here over fields that do not validate, is refused', () => {
  const forged = signConnectState('another-secret-of-at-least-32-characters', request, { nonce: 'n'.repeat(32), expiresAt: new Date(now + 60_000) });
  expect(verifyConnectState(secret, forged, now)).toEqual({
    ok: false,
    reason: 'state_invalid',
    message: 'the sign-in link was not issued by this service, or was changed on the way; start the connect again',
  });
  const badFields = signConnectState(secret, { ...request, corfixAccountId: '../other' }, { nonce: 'n'.repeat(32), expiresAt: new Date(now + 60_000) });
  expect(verifyConnectState(secret, badFields, now)).toMatchObject({ ok: false, reason: 'state_invalid' });
});

test('a project selection travels in the state and reads back as sent; "all" is left out of it', () => {
  for (const projectSelection of [
    { mode: 'include' as const, projectIds: ['101', '562949953421312'] },
    { mode: 'exclude' as const, projectIds: ['7'] },
  ]) {
    const issued = issueConnectState(secret, { ...request, projectSelection }, now);
    expect(verifyConnectState(secret, issued.state, now)).toMatchObject({ ok: true, request: { ...request, projectSelection } });
  }
  const all = issueConnectState(secret, { ...request, projectSelection: { mode: 'all' } }, now);
  expect(all.state.length).toBe(issueConnectState(secret, request, now).state.length);
  expect(verifyConnectState(secret, all.state, now)).toMatchObject({ ok: true, request });
});

test('a long project list makes a state longer than any the callback takes (the sign-in refuses to issue it)', () => {
  const projectIds = Array.from({ length: 200 }, (_, i) => String(562949953421312 + i));
  const issued = issueConnectState(secret, { ...request, projectSelection: { mode: 'include', projectIds } }, now);
  expect(issued.state.length).toBeGreaterThan(MAX_STATE_LENGTH);
  expect(verifyConnectState(secret, issued.state, now)).toMatchObject({ ok: false, reason: 'state_invalid' });
});
