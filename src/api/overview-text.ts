// How the status page and the operator CLI put the read model
// (integration-overview.ts) into words for people: the same moments, counts
// and shortened sentences in both.
import type { IntegrationOverview } from './integration-overview.js';

/** A moment as people read it (UTC, to the second), or a dash. */
export const moment = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC') : '–');

/** At most `max` characters: a long error sentence is cut in a table or a list (the integration's own view shows it whole). */
export const shorten = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Counts by name, e.g. "created 3 · linked 2", leaving out zeros; a dash for none. */
export function counts(byName: Readonly<Record<string, number>>): string {
  const shown = Object.entries(byName).filter(([, n]) => n > 0);
  return shown.length === 0 ? '–' : shown.map(([name, n]) => `${name} ${n}`).join(' · ');
}

/** When the next try is: "(next try …)". */
export const nextTryText = (at: string | null): string => `(next try ${moment(at)})`;

/** The sync state with since when (and the next try while retrying): "ok", "retrying since … (next try …)", "failed since …". */
export function syncStateText(s: IntegrationOverview['sync_state']): string {
  if (s.state === 'ok') return 'ok';
  const next = s.state === 'retrying' && s.next_try_at ? ` ${nextTryText(s.next_try_at)}` : '';
  return `${s.state} since ${moment(s.since)}${next}`;
}

export const onOff = (on: boolean): string => (on ? 'on' : 'off');

/** The three toggles in the product's words. */
export const settingsText = (s: IntegrationOverview['settings']): string =>
  `Sync Employees Only ${onOff(s.sync_employees_only)} · Auto-activate workers ${onOff(s.auto_activate_workers)} · Sync Forms ${onOff(s.sync_forms)} · Adopt existing ${onOff(s.adopt_existing)}`;

/** How many project ids the page and the CLI show of a selection (the status API lists them all). */
const SELECTION_IDS_SHOWN = 10;

/** The project selection in words: "all", "only 5: 101, 102, …", "all but 2: 101, 102". */
export function projectSelectionText(s: IntegrationOverview['settings']['project_selection']): string {
  if (s.mode === 'all') return 'all';
  const shown = s.project_ids.slice(0, SELECTION_IDS_SHOWN).join(', ');
  const more = s.project_ids.length > SELECTION_IDS_SHOWN ? ` and ${s.project_ids.length - SELECTION_IDS_SHOWN} more` : '';
  return `${s.mode === 'include' ? 'only' : 'all but'} ${s.project_ids.length}: ${shown}${more}`;
}

const countOf = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** How many lines of a preview adopt_existing the other way decides otherwise, e.g. "2 projects and 1 user". */
export const changedText = (changed: { project: number; user: number }): string =>
  `${countOf(changed.project, 'project')} and ${countOf(changed.user, 'user')}`;

/** How far a preview got with projects or users: "12 decided in 3 pages". */
export const decidedText = (e: { entities_done: number; pages_done: number }): string => `${e.entities_done} decided in ${e.pages_done} pages`;
