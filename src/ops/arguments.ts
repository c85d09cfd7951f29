// The operator CLI's command line: a command, its ids (checked with the same
// schemas the API checks its paths with, and refused naming the argument),
// and --json. Anything else is a usage error (exit 2).
import { formParams } from '../api/schemas/forms.js';
import { accountParams } from '../api/schemas/integrations.js';

export const ACCOUNT_CONTROLS = ['resync', 'pause', 'resume', 'disconnect'] as const;
export type AccountControl = (typeof ACCOUNT_CONTROLS)[number];

export type OpsCommand =
  | { name: 'help' }
  | { name: 'list'; json: boolean }
  | { name: 'show'; accountId: string; json: boolean }
  | { name: AccountControl; accountId: string; json: boolean }
  | { name: 'retry-form'; accountId: string; formId: string; json: boolean };

export const USAGE = `Usage: npm run ops -- <command> [arguments] [--json]

Commands:
  list                                    every account's integration: status, sync state, last error
  show <corfix_account_id>                one integration: progress, counts by reason, failures, recent decisions, links
  resync <corfix_account_id>              reconcile every Procore project and user now (active integrations)
  retry-form <corfix_account_id> <form_id>  try a form's upload to Procore again now
  pause <corfix_account_id>               pause the continuous syncs
  resume <corfix_account_id>              resume them (from paused, or from error once its cause is fixed)
  disconnect <corfix_account_id>          disconnect: the syncs stop, the Procore hook is removed, links are kept
  help                                    this text

--json prints JSON for scripts instead of text for people.
Reads DATABASE_URL and TEMPORAL_* as the service does (disconnect also the PROCORE_* and CORFIX_* client settings).
Controls are audited (actor "ops"). Exit codes: 0 done, 1 refused or failed, 2 usage or configuration error.`;

/** A command line the CLI cannot run; the message says why (naming the argument). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const ARGUMENTS = {
  list: [],
  show: ['corfix_account_id'],
  resync: ['corfix_account_id'],
  pause: ['corfix_account_id'],
  resume: ['corfix_account_id'],
  disconnect: ['corfix_account_id'],
  'retry-form': ['corfix_account_id', 'form_id'],
  help: [],
} as const satisfies Record<string, readonly string[]>;
type CommandName = keyof typeof ARGUMENTS;

const isCommand = (name: string): name is CommandName => Object.hasOwn(ARGUMENTS, name);

/** The ids, through the API's own path schemas: a bad one is refused naming the argument and what it must be. */
function checkedIds(values: Record<string, string>, withForm: boolean): { accountId: string; formId?: string } {
  const result = withForm ? formParams.safeParse(values) : accountParams.safeParse(values);
  if (!result.success) {
    throw new UsageError(result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; '));
  }
  const ids = result.data as { corfix_account_id: string; form_id?: string };
  return { accountId: ids.corfix_account_id, ...(ids.form_id !== undefined ? { formId: ids.form_id } : {}) };
}

export function parseOpsArguments(argv: readonly string[]): OpsCommand {
  const options = argv.filter((a) => a.startsWith('-'));
  const words = argv.filter((a) => !a.startsWith('-'));
  for (const option of options) {
    if (option !== '--json' && option !== '--help' && option !== '-h') throw new UsageError(`unknown option ${option}`);
  }
  if (options.includes('--help') || options.includes('-h')) return { name: 'help' };
  const [name, ...given] = words;
  if (name === undefined) throw new UsageError('a command is required');
  if (!isCommand(name)) throw new UsageError(`unknown command ${name}`);
  if (name === 'help') return { name };
  const expected: readonly string[] = ARGUMENTS[name];
  if (given.length < expected.length) {
    throw new UsageError(`${name} needs ${expected.map((a) => `<${a}>`).join(' ')}: ${expected[given.length]} is missing`);
  }
  if (given.length > expected.length) throw new UsageError(`${name} takes ${expected.length} argument(s); unexpected ${given[expected.length]}`);
  const json = options.includes('--json');
  if (name === 'list') return { name, json };
  const values = Object.fromEntries(expected.map((arg, i) => [arg, given[i] as string]));
  const ids = checkedIds(values, name === 'retry-form');
  if (name === 'retry-form') return { name, accountId: ids.accountId, formId: ids.formId as string, json };
  return { name, accountId: ids.accountId, json };
}
