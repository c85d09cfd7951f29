// The service's HTTP API as the chaos run uses it, as an operator or the
// Corfix app would: connect, the status, a resync, the health check. Every
// call tolerates an API that is not answering (a Postgres or Temporal
// restart under way): it answers undefined or false instead of throwing.
import { CHAOS_ACCOUNT } from './company.js';

export const CHAOS_API_TOKEN = 'chaos-api-token-0123456789';

export class ServiceApi {
  constructor(readonly url: string) {}

  private async send(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> } | undefined> {
    try {
      const response = await fetch(`${this.url}${route}`, {
        method,
        headers: { authorization: `Bearer ${CHAOS_API_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
    } catch {
      return undefined;
    }
  }

  async healthy(): Promise<boolean> {
    return (await this.send('GET', '/health'))?.status === 200;
  }

  /** Connects the account to the company (direct route); the integration id, or the refusal in words. */
  async connect(account: string, companyId: number): Promise<{ integrationId: string } | { refused: string }> {
    const answer = await this.send('POST', '/v1/integrations', {
      corfix_account_id: account,
      procore_company_id: String(companyId),
      sync_employees_only: false,
      auto_activate_workers: true,
      sync_forms: true,
    });
    if (answer?.status === 202) return { integrationId: answer.json['integration_id'] as string };
    return { refused: answer ? `${answer.status} ${String((answer.json['error'] as { code?: string } | undefined)?.code ?? '')}` : 'no answer' };
  }

  async status(account = CHAOS_ACCOUNT): Promise<Record<string, unknown> | undefined> {
    const answer = await this.send('GET', `/v1/integrations/${account}`);
    return answer?.status === 200 ? answer.json : undefined;
  }

  /**
   * Asks for a full reconciliation; true once the API told Temporal. A 202
   * with `signalled: false` (Temporal did not answer within the API's 3 s)
   * leaves nothing for the loops to find later: the request must be repeated.
   */
  async resync(account = CHAOS_ACCOUNT): Promise<boolean> {
    const answer = await this.send('POST', `/v1/integrations/${account}/resync`);
    return answer?.status === 202 && answer.json['signalled'] === true;
  }
}
