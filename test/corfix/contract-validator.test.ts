// The validator the other Corfix tests rely on must itself catch what it is
// there to catch, or their "every response validates" checks prove nothing.
import path from 'node:path';
import { ContractValidator, type RecordedExchange } from './support.js';

const worker = {
  id: 'wkr_1',
  account_id: 'acc_1',
  first_name: 'Ana',
  last_name: 'Silva',
  email: 'ana@example.com',
  phone_number: null,
  employee_number: null,
  external_ref: 'procore:1:user:2',
  status: 'active',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

function exchange(partial: Omit<Partial<RecordedExchange>, 'body'> & { body: unknown }): RecordedExchange {
  return {
    method: 'GET',
    url: 'http://127.0.0.1:1/v1/accounts/acc_1/workers/wkr_1',
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    requestJson: undefined,
    ...partial,
    body: Buffer.isBuffer(partial.body) ? partial.body : Buffer.from(JSON.stringify(partial.body)),
  };
}

describe('the contract validator', () => {
  const validator = ContractValidator.load();

  test('accepts a response the contract allows', () => {
    expect(validator.check(exchange({ body: worker }))).toEqual([]);
    const list = exchange({
      url: 'http://127.0.0.1:1/v1/accounts/acc_1/workers?page=1',
      body: { data: [worker], page: 1, per_page: 500, total: 1 },
    });
    expect(validator.check(list)).toEqual([]);
  });

  test('names a missing field, a value outside an enum and a bad format', () => {
    const { status: _status, ...withoutStatus } = worker;
    expect(validator.check(exchange({ body: withoutStatus })).join('\n')).toMatch(/status/);
    expect(validator.check(exchange({ body: { ...worker, status: 'sleeping' } })).join('\n')).toMatch(/\/status/);
    expect(validator.check(exchange({ body: { ...worker, email: 'not-an-email' } })).join('\n')).toMatch(/\/email/);
    expect(validator.check(exchange({ body: { ...worker, created_at: 'yesterday' } })).join('\n')).toMatch(/created_at/);
  });

  test('checks error bodies, lists and the per_page ceiling', () => {
    expect(validator.check(exchange({ status: 404, body: { message: 'nope' } })).length).toBeGreaterThan(0);
    expect(validator.check(exchange({ status: 404, body: { error: { code: 'not_found', message: 'no' } } }))).toEqual([]);
    const tooBig = exchange({
      url: 'http://127.0.0.1:1/v1/accounts/acc_1/projects',
      body: { data: [], page: 1, per_page: 1000, total: 0 },
    });
    expect(validator.check(tooBig).join('\n')).toMatch(/per_page/);
  });

  test('wants Retry-After on a 429, a PDF from the PDF path and known paths only', () => {
    const limited = exchange({ status: 429, body: { error: { code: 'rate_limited', message: 'slow down' } } });
    expect(validator.check(limited).join('\n')).toMatch(/Retry-After/);
    expect(validator.check({ ...limited, headers: { ...limited.headers, 'retry-after': '3' } })).toEqual([]);

    const pdfUrl = 'http://127.0.0.1:1/v1/accounts/acc_1/forms/frm_1/pdf';
    const notPdf = exchange({ url: pdfUrl, headers: { 'content-type': 'application/pdf' }, body: Buffer.from('hello') });
    expect(validator.check(notPdf).join('\n')).toMatch(/not a PDF/);
    const pdf = exchange({ url: pdfUrl, headers: { 'content-type': 'application/pdf' }, body: Buffer.from('%PDF-1.7\n') });
    expect(validator.check(pdf)).toEqual([]);

    expect(validator.check(exchange({ url: 'http://127.0.0.1:1/v1/elsewhere', body: {} })).join('\n')).toMatch(
      /not in the contract/,
    );
    const refusedElsewhere = { url: 'http://127.0.0.1:1/v1/elsewhere', status: 404 };
    expect(validator.check(exchange({ ...refusedElsewhere, body: { error: { code: 'not_found', message: 'no route' } } }))).toEqual([]);
    expect(validator.check(exchange({ ...refusedElsewhere, body: { message: 'no route' } })).length).toBeGreaterThan(0);
  });

  test('checks what a successful create sent', () => {
    const created = exchange({
      method: 'POST',
      url: 'http://127.0.0.1:1/v1/accounts/acc_1/workers',
      status: 201,
      body: worker,
      requestJson: { first_name: '', last_name: 'Silva' },
    });
    expect(validator.check(created).join('\n')).toMatch(/request.*first_name/);
  });

  test('says clearly when the contract file is absent', () => {
    const missing = path.resolve('/nonexistent/shared/docs/corfix-api.yaml');
    expect(() => ContractValidator.load(missing)).toThrow(/Corfix contract is missing: expected \/nonexistent/);
  });
});
