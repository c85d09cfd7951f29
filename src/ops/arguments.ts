// The operator CLI's command line: a command, its ids (checked with the same
// schemas the API checks its paths with, and refused naming the argument),
// --json, and a preview's toggles (checked by the connect body's schema).
// Anything else is a usage error (exit 2).
import type { z } from 'zod';
import { formParams } from '../api/schemas/forms.js';
import { accountParams, connectBody, newIntegrationOf } from '../api/schemas/integrations.js';
import { previewParams } from '../api/schemas/previews.js';
import type { NewIntegration } from '../db/repositories/integrations.js';

export const ACCOUNT_CONTROLS = ['resync', 'pause', 'resume', 'disconnect'] as const;
export type AccountControl = (typeof ACCOUNT_CONTROLS)[number];

export type OpsCommand =
  | { name: 'help' }
  | { name: 'list'; json: boolean }
  | { name: 'show'; accountId: string; json: boolean }
  | { name: AccountControl; accountId: string; json: boolean }
  | { name: 'retry-form'; accountId: string; formId: string; json: boolean }
  /** a preview of connecting (the connect body's settings); `wait`: until it is completed or failed */
  | { name: 'preview'; request: NewIntegration; wait: boolean; json: boolean }
  | { name: 'preview-show'; previewId: string; json: boolean };

export const USAGE = `Usage: npm run ops -- <command> [arguments] [--json]

Commands:
  list                                    every account's integration: status, sync state, last error
  show <corfix_account_id>                one integration: progress, counts by reason, failures, recent decisions, links
  resync <corfix_account_id>              reconcile every Procore project and user now (active integrations)
  retry-form <corfix_account_id> <form_id>  try a form's upload to Procore again now
  pause <corfix_account_id>               pause the continuous syncs
  resume <corfix_account_id>              resume them (from paused, or from error once its cause is fixed)
  disconnect <corfix_account_id>          disconnect: the syncs stop, the Procore hook is removed, links are kept
  preview <corfix_account_id> <procore_company_id> [--adopt-existing] [--sync-employees-only]
          [--auto-activate-workers] [--sync-forms] [--include=<ids> | --exclude=<ids>] [--wait]
                                          what connecting would do, writing nothing; prints the preview id
                                          (--include/--exclude: Procore project ids, comma-separated;
                                          --wait: until it is completed or failed, then its counts)
  preview-show <preview_id>               a preview's state, progress and counts by reason
  help                                    this text

--json prints JSON for scripts instead of text for people.
Reads DATABASE_URL and TEMPORAL_* as the service does (disconnect and preview also the PROCORE_* and CORFIX_* client settings).
Controls are audited (actor "ops"); a preview changes no integration and is not. Exit codes: 0 done, 1 refused or
failed (a preview that failed, with --wait), 2 usage or configuration error.`;

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
  preview: ['corfix_account_id', 'procore_company_id'],
  'preview-show': ['preview_id'],
  help: [],
} as const satisfies Record<string, readonly string[]>;

/** The toggles `preview` takes, each turning on the connect body's field of that name (off when left out, as in the body). */
const PREVIEW_TOGGLES = {
  '--adopt-existing': 'adopt_existing',
  '--sync-employees-only': 'sync_employees_only',
  '--auto-activate-workers': 'auto_activate_workers',
  '--sync-forms': 'sync_forms',
} as const;

/** The project selection `preview` takes: `--include=<ids>` or `--exclude=<ids>`, the connect body's `project_selection`. */
const PREVIEW_SELECTIONS = { '--include': 'include', '--exclude': 'exclude' } as const;

/** The options a command takes besides --json and --help (those taking a value as `--name=value`). */
const COMMAND_OPTIONS: Partial<Record<string, readonly string[]>> = {
  preview: [...Object.keys(PREVIEW_TOGGLES), ...Object.keys(PREVIEW_SELECTIONS), '--wait'],
};
const COMMON_OPTIONS = ['--json', '--help', '-h'];
type CommandName = keyof typeof ARGUMENTS;

const isCommand = (name: string): name is CommandName => Object.hasOwn(ARGUMENTS, name);

/** An option's name: `--include=1,2` is `--include`. */
const optionName = (option: string) => option.split('=')[0] as string;

/** A zod refusal as the CLI says it: each argument named with what it must be. */
const refusalOf = (error: z.ZodError) => new UsageError(error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; '));

/** A preview's request, through the connect body's own schema: checked and defaulted as POST /v1/integrations/preview does. */
function previewRequest(values: Record<string, string>, options: readonly string[]): NewIntegration {
  const toggles = Object.fromEntries(Object.entries(PREVIEW_TOGGLES).map(([option, field]) => [field, options.includes(option)]));
  const selections = Object.entries(PREVIEW_SELECTIONS).flatMap(([option, mode]) =>
    options.filter((o) => optionName(o) === option).map((o) => ({ mode, project_ids: o.slice(option.length + 1).split(',').filter((id) => id !== '') })),
  );
  if (selections.length > 1) throw new UsageError('give one of --include=<ids> or --exclude=<ids>, once');
  const result = connectBody.safeParse({ ...values, ...toggles, ...(selections[0] ? { project_selection: selections[0] } : {}) });
  if (!result.success) throw refusalOf(result.error);
  return newIntegrationOf(result.data);
}

/** The ids, through the API's own path schemas: a bad one is refused naming the argument and what it must be. */
function checkedIds(values: Record<string, string>, withForm: boolean): { accountId: string; formId?: string } {
  const result = withForm ? formParams.safeParse(values) : accountParams.safeParse(values);
  if (!result.success) throw refusalOf(result.error);
  const ids = result.data as { corfix_account_id: string; form_id?: string };
  return { accountId: ids.corfix_account_id, ...(ids.form_id !== undefined ? { formId: ids.form_id } : {}) };
}

export function parseOpsArguments(argv: readonly string[]): OpsCommand {
  const options = argv.filter((a) => a.startsWith('-'));
  const words = argv.filter((a) => !a.startsWith('-'));
  const [name, ...given] = words;
  const allowed = [...COMMON_OPTIONS, ...((name !== undefined && COMMAND_OPTIONS[name]) || [])];
  for (const option of options) {
    if (!allowed.includes(optionName(option))) throw new UsageError(`unknown option ${option}${name !== undefined && isCommand(name) ? ` for ${name}` : ''}`);
  }
  if (options.includes('--help') || options.includes('-h')) return { name: 'help' };
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
  if (name === 'preview') return { name, request: previewRequest(values, options), wait: options.includes('--wait'), json };
  if (name === 'preview-show') {
    const result = previewParams.safeParse(values);
    if (!result.success) throw refusalOf(result.error);
    return { name, previewId: result.data.preview_id, json };
  }
  const ids = checkedIds(values, name === 'retry-form');
  if (name === 'retry-form') return { name, accountId: ids.accountId, formId: ids.formId as string, json };
  return { name, accountId: ids.accountId, json };
}
