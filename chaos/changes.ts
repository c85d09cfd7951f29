// Continuous changes in Procore while the chaos window is open: users added,
// renamed, given another phone or email, deactivated, reactivated and
// deleted; projects added, renamed, closed and reopened. Picked by a seeded
// generator, made through the Procore simulator's admin API (which raises
// the webhooks), one every `everyMs`. New values are fresh (no change makes
// two records share a number, name or email), so the rules give one answer
// from Procore's final state whatever order the service saw the changes in.
import { SeededRandom } from '../src/simulators/common/random.js';
import type { SimProject, SimUser } from '../src/simulators/procore/state.js';
import { day, sleep, type ProcoreAdmin } from '../bench/stack.js';
import { chaosEmail } from './company.js';

export type ChangeKind =
  | 'user_added'
  | 'user_renamed'
  | 'user_phone'
  | 'user_email'
  | 'user_deactivated'
  | 'user_reactivated'
  | 'user_deleted'
  | 'project_added'
  | 'project_renamed'
  | 'project_closed'
  | 'project_reopened';

const WEIGHTS: Array<[ChangeKind, number]> = [
  ['user_added', 3],
  ['user_renamed', 3],
  ['user_phone', 1],
  ['user_email', 1],
  ['user_deactivated', 2],
  ['user_reactivated', 1],
  ['user_deleted', 1],
  ['project_added', 1],
  ['project_renamed', 2],
  ['project_closed', 1],
  ['project_reopened', 1],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((n, [, w]) => n + w, 0);


/** What the driver keeps of a record to pick the next change. */
type LocalUser = Pick<SimUser, 'id' | 'is_active'>;
type LocalProject = Pick<SimProject, 'id' | 'name' | 'active' | 'template'>;

export class ProcoreChanges {
  readonly made: Record<ChangeKind, number> = Object.fromEntries(WEIGHTS.map(([k]) => [k, 0])) as Record<ChangeKind, number>;
  private readonly random: SeededRandom;
  private users: LocalUser[] = [];
  private projects: LocalProject[] = [];
  private n = 0;

  constructor(
    private readonly procore: ProcoreAdmin,
    private readonly companyId: number,
    private readonly serviceAccountUserId: number,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
  }

  /** Makes a change every `everyMs` until `until()` says stop. */
  async run(everyMs: number, until: () => boolean): Promise<void> {
    this.users = (await this.procore.get<SimUser[]>(`/companies/${this.companyId}/users`)).filter((u) => u.id !== this.serviceAccountUserId);
    this.projects = await this.procore.get<SimProject[]>(`/companies/${this.companyId}/projects`);
    while (!until()) {
      await this.makeOne();
      await sleep(everyMs);
    }
  }

  total(): number {
    return Object.values(this.made).reduce((a, b) => a + b, 0);
  }

  private pick<T>(items: T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(this.random.next() * items.length)];
  }

  private kind(): ChangeKind {
    let r = this.random.next() * TOTAL_WEIGHT;
    for (const [kind, weight] of WEIGHTS) {
      r -= weight;
      if (r < 0) return kind;
    }
    return 'user_renamed';
  }

  private async makeOne(): Promise<void> {
    const kind = this.kind();
    this.n += 1;
    const n = this.n;
    const c = this.companyId;
    const user = (active: boolean) => this.pick(this.users.filter((u) => u.is_active === active));
    const project = (active: boolean) => this.pick(this.projects.filter((p) => p.active === active && !p.template));
    const replaceUser = (u: LocalUser) => (this.users = this.users.map((x) => (x.id === u.id ? u : x)));
    const replaceProject = (p: LocalProject) => (this.projects = this.projects.map((x) => (x.id === p.id ? p : x)));
    let done = true;
    switch (kind) {
      case 'user_added': {
        const fields = {
          first_name: `Newcomer${n}`,
          last_name: 'Chaos',
          email_address: chaosEmail(`newcomer${n}`),
          mobile_phone: `+64 22 ${n}`,
          business_phone: null,
          employee_id: `N${n}`,
          is_employee: true,
          is_active: true,
          job_title: null,
        };
        const { ids } = await this.procore.post<{ ids: number[] }>(`/companies/${c}/users`, { users: [fields] });
        this.users.push({ id: ids[0] as number, is_active: true });
        break;
      }
      case 'user_renamed':
      case 'user_phone':
      case 'user_email': {
        const u = this.pick(this.users);
        if (!u) break;
        const patch =
          kind === 'user_renamed' ? { first_name: `Renamed${n}` } : kind === 'user_phone' ? { mobile_phone: `+64 27 ${n}` } : { email_address: chaosEmail(`moved${n}`) };
        replaceUser(await this.procore.patch<SimUser>(`/companies/${c}/users/${u.id}`, patch));
        break;
      }
      case 'user_deactivated':
      case 'user_reactivated': {
        const u = user(kind === 'user_reactivated' ? false : true);
        if (!u) {
          done = false;
          break;
        }
        replaceUser(await this.procore.post<SimUser>(`/companies/${c}/users/${u.id}/${kind === 'user_deactivated' ? 'deactivate' : 'reactivate'}`));
        break;
      }
      case 'user_deleted': {
        const u = this.pick(this.users);
        if (!u) break;
        await this.procore.call('DELETE', `/companies/${c}/users/${u.id}`);
        this.users = this.users.filter((x) => x.id !== u.id);
        break;
      }
      case 'project_added': {
        const upcoming = this.random.chance(0.3);
        const fields = { name: `Extension ${n}`, project_number: `X-${n}`, active: !upcoming, start_date: upcoming ? day(20) : day(-5), template: false };
        const { ids } = await this.procore.post<{ ids: number[] }>(`/companies/${c}/projects`, { projects: [fields] });
        this.projects.push({ id: ids[0] as number, name: fields.name, active: fields.active, template: false });
        break;
      }
      case 'project_renamed': {
        const p = this.pick(this.projects.filter((x) => !x.template));
        if (!p) break;
        replaceProject(await this.procore.patch<SimProject>(`/projects/${p.id}`, { name: `${p.name.slice(0, 40)} renamed ${n}` }));
        break;
      }
      case 'project_closed':
      case 'project_reopened': {
        const p = project(kind === 'project_reopened' ? false : true);
        if (!p) {
          done = false;
          break;
        }
        const patch = kind === 'project_closed' ? { active: false, start_date: day(-60) } : { active: true };
        replaceProject(await this.procore.patch<SimProject>(`/projects/${p.id}`, patch));
        break;
      }
    }
    if (done) this.made[kind] += 1;
  }
}
