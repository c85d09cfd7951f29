// The initial sync's progress as `npm run demo` shows it: on a terminal two
// bars (projects and users done against the totals seeded), redrawn in
// place; elsewhere (CI, a test, a pipe) a plain line when the numbers moved,
// at most every few seconds, and the last one when the sync is done, so a
// log gets a handful of lines instead of a redraw per tick.
import cliProgress from 'cli-progress';

export interface SyncProgress {
  projects: number;
  users: number;
}

export interface SyncProgressView {
  update(done: SyncProgress): void;
  /** the final numbers, then the view lets go of the output */
  stop(done: SyncProgress): void;
}

const PLAIN_LINE_EVERY_MS = 3_000;

export function syncProgressView(out: NodeJS.WriteStream, totals: SyncProgress): SyncProgressView {
  const clamp = (done: SyncProgress): SyncProgress => ({
    projects: Math.min(done.projects, totals.projects),
    users: Math.min(done.users, totals.users),
  });
  if (!out.isTTY) {
    let last = '';
    let lastAt = 0;
    const line = (done: SyncProgress) => `  projects ${done.projects}/${totals.projects}, users ${done.users}/${totals.users}`;
    const print = (done: SyncProgress, force: boolean) => {
      const text = line(clamp(done));
      if (text === last || (!force && Date.now() - lastAt < PLAIN_LINE_EVERY_MS)) return;
      out.write(`${text}\n`);
      last = text;
      lastAt = Date.now();
    };
    return { update: (done) => print(done, false), stop: (done) => print(done, true) };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream: out,
      format: '  {entity} {bar} {value}/{total}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      barsize: 40,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const projects = bars.create(totals.projects, 0, { entity: 'projects' });
  const users = bars.create(totals.users, 0, { entity: 'users   ' });
  const update = (done: SyncProgress) => {
    const shown = clamp(done);
    projects.update(shown.projects);
    users.update(shown.users);
  };
  return {
    update,
    stop: (done) => {
      update(done);
      bars.stop();
    },
  };
}
