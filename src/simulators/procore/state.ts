// The simulated Procore's data, in memory: companies (and whether the app is
// installed in each), projects, the company directory, documents, uploads,
// tokens and webhook hooks. Records are kept in Procore's own field names so
// that routes can answer them almost as stored. Every change a test or the
// admin API makes to a project or user is announced, for webhook delivery.
import { randomBytes, randomUUID } from 'node:crypto';
import { SeededRandom } from '../common/random.js';

/** Answered to the caller as `{"errors": ...}` with this status. */
export class ProcoreSimError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string | Record<string, string[]>,
  ) {
    super(typeof errors === 'string' ? errors : JSON.stringify(errors));
  }
}

export const APP_NOT_CONNECTED = 'App is not connected to this company';

export interface SimCompany {
  id: number;
  name: string;
  is_active: boolean;
  app_installed: boolean;
}

export interface SimProject {
  id: number;
  company_id: number;
  name: string;
  project_number: string | null;
  description: string | null;
  public_notes: string | null;
  address: string | null;
  city: string | null;
  state_code: string | null;
  country_code: string | null;
  zip: string | null;
  active: boolean;
  start_date: string | null;
  completion_date: string | null;
  template: boolean;
  is_demo: boolean;
  created_at: string;
  updated_at: string;
}
export type ProjectFields = Omit<SimProject, 'id' | 'company_id' | 'created_at' | 'updated_at'>;

export interface SimUser {
  id: number;
  first_name: string | null;
  last_name: string | null;
  email_address: string | null;
  mobile_phone: string | null;
  business_phone: string | null;
  /** some Procore SDKs type it as a number: the simulator serves both */
  employee_id: string | number | null;
  is_employee: boolean;
  is_active: boolean;
  job_title: string | null;
  created_at: string;
  updated_at: string;
}
export type UserFields = Omit<SimUser, 'id' | 'created_at' | 'updated_at'>;

export interface SimFolder {
  id: number;
  project_id: number;
  name: string;
  parent_id: number | null;
  is_deleted: boolean;
  is_recycle_bin: boolean;
  created_at: string;
  updated_at: string;
}

export interface SimFileVersion {
  id: number;
  number: number;
  created_at: string;
  upload_uuid: string;
  content_type: string;
  content: Buffer;
}

export interface SimFile {
  id: number;
  project_id: number;
  name: string;
  parent_id: number;
  is_deleted: boolean;
  created_at: string;
  updated_at: string;
  versions: SimFileVersion[];
}

export interface SimUpload {
  uuid: string;
  project_id: number;
  filename: string;
  content_type: string;
  fields: Record<string, string>;
  created_at_ms: number;
  /** the bytes, once storage received them */
  content: Buffer | null;
}

export interface SimTrigger {
  id: number;
  resource_name: string;
  event_type: string;
}

export interface SimHook {
  id: number;
  company_id: number;
  namespace: string;
  api_version: string;
  destination_url: string;
  destination_headers: Record<string, string>;
  triggers: SimTrigger[];
}

export type ResourceName = 'Projects' | 'Company Users';
export type EventType = 'create' | 'update' | 'delete';

export interface ChangeEvent {
  company_id: number;
  resource_name: ResourceName;
  event_type: EventType;
  resource_id: number;
  project_id: number | null;
}

export interface ServiceAccount {
  id: number;
  login: string;
  name: string;
}

// Ids start above 2^32 so that a client keeping them in 32 bits breaks at once.
const FIRST_IDS = {
  company: 4_400_000_001,
  project: 5_000_000_001,
  user: 6_000_000_001,
  folder: 7_000_000_001,
  file: 8_000_000_001,
  version: 9_000_000_001,
  hook: 4_300_000_001,
  trigger: 4_350_000_001,
};

const FIRST_NAMES = ['Ava', 'Liam', 'Noah', 'Mia', 'Zoe', 'Omar', 'Priya', 'Chen', 'Sofia', 'Mateo', 'Aroha', 'Jack'];
const LAST_NAMES = ['Nguyen', 'Smith', 'Garcia', 'Patel', 'Brown', 'Kowalski', 'Tane', 'Okafor', 'Larsen', 'Silva'];
const CITIES: Array<[string, string, string]> = [
  ['Austin', 'TX', 'US'],
  ['Denver', 'CO', 'US'],
  ['Toronto', 'ON', 'CA'],
  ['Auckland', 'AUK', 'NZ'],
  ['Sydney', 'NSW', 'AU'],
];

export class ProcoreState {
  readonly companies = new Map<number, SimCompany>();
  readonly projects = new Map<number, SimProject>();
  /** company id -> user id -> user: the service account sits in every directory */
  readonly directories = new Map<number, Map<number, SimUser>>();
  readonly folders = new Map<number, SimFolder>();
  readonly files = new Map<number, SimFile>();
  readonly uploads = new Map<string, SimUpload>();
  readonly hooks = new Map<number, SimHook>();
  readonly serviceAccount: ServiceAccount;
  tokenLifetimeSeconds: number;

  /** token -> when it expires, and the signed-in user it stands for (none: the service account) */
  private readonly tokens = new Map<string, { expiresAt: number; userId?: number }>();
  private readonly rootFolders = new Map<number, number>();
  private readonly recycleBins = new Map<number, number>();
  private readonly nextIds = { ...FIRST_IDS };
  private readonly random: SeededRandom;
  private readonly listeners: Array<(event: ChangeEvent) => void> = [];
  private lastStampMs = 0;
  private readonly now: () => number;

  constructor(options: { seed: number; tokenLifetimeSeconds: number; now?: () => number }) {
    this.random = new SeededRandom(options.seed ^ 0x5eed5eed);
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds;
    this.now = options.now ?? Date.now;
    this.serviceAccount = {
      id: this.nextId('user'),
      login: 'corfix-integration@dmsa.procore.example',
      name: 'Corfix Custom Procore app',
    };
  }

  onChange(listener: (event: ChangeEvent) => void): void {
    this.listeners.push(listener);
  }

  private announce(event: ChangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private nextId(kind: keyof typeof FIRST_IDS): number {
    const id = this.nextIds[kind];
    this.nextIds[kind] += 1;
    return id;
  }

  /** Now, never earlier than the previous stamp (a clock stepping back must not reorder updated_at). */
  stamp(): string {
    const ms = Math.max(this.now(), this.lastStampMs);
    this.lastStampMs = ms;
    return new Date(ms).toISOString();
  }

  // --- auth ---------------------------------------------------------------------

  /** A token of the service account, or with `userId` of that user (the authorization-code grant). */
  issueToken(userId?: number): { access_token: string; expires_in: number; created_at: number } {
    const token = randomBytes(24).toString('hex');
    const now = this.now();
    this.tokens.set(token, { expiresAt: now + this.tokenLifetimeSeconds * 1000, ...(userId !== undefined ? { userId } : {}) });
    return { access_token: token, expires_in: this.tokenLifetimeSeconds, created_at: Math.floor(now / 1000) };
  }

  /** Every access token issued so far (tests look for them where no secret may be). */
  issuedAccessTokens(): string[] {
    return [...this.tokens.keys()];
  }

  tokenStatus(token: string): 'valid' | 'expired' | 'unknown' {
    const entry = this.tokens.get(token);
    if (entry === undefined) return 'unknown';
    return this.now() < entry.expiresAt ? 'valid' : 'expired';
  }

  /** The user a token was issued to by a sign-in; undefined for the service account's tokens. */
  tokenUser(token: string): number | undefined {
    return this.tokens.get(token)?.userId;
  }

  /** A user as `/me` shows them: found in any company directory. */
  userIdentity(userId: number): { id: number; login: string | null; name: string } | undefined {
    for (const directory of this.directories.values()) {
      const user = directory.get(userId);
      if (user) return { id: user.id, login: user.email_address, name: [user.first_name, user.last_name].filter(Boolean).join(' ') };
    }
    return undefined;
  }

  /** The companies a user belongs to (active in their directory), as that user's `/companies` lists them. */
  companiesOfUser(userId: number): SimCompany[] {
    return [...this.companies.values()].filter((c) => this.directories.get(c.id)?.get(userId)?.is_active === true);
  }

  /** Every token issued so far stops working now (the client's cache does not know). */
  expireTokens(): number {
    for (const entry of this.tokens.values()) entry.expiresAt = 0;
    return this.tokens.size;
  }

  // --- companies ------------------------------------------------------------------

  addCompany(input: { id?: number; name: string; is_active?: boolean; app_installed?: boolean }): SimCompany {
    const id = input.id ?? this.nextId('company');
    if (this.companies.has(id)) throw new ProcoreSimError(422, { id: ['has already been taken'] });
    const company: SimCompany = {
      id,
      name: input.name,
      is_active: input.is_active ?? true,
      app_installed: input.app_installed ?? true,
    };
    this.companies.set(id, company);
    const directory = new Map<number, SimUser>();
    const stamp = this.stamp();
    directory.set(this.serviceAccount.id, {
      id: this.serviceAccount.id,
      first_name: 'Corfix',
      last_name: 'Integration',
      email_address: this.serviceAccount.login,
      mobile_phone: null,
      business_phone: null,
      employee_id: null,
      is_employee: false,
      is_active: true,
      job_title: 'Developer Managed Service Account',
      created_at: stamp,
      updated_at: stamp,
    });
    this.directories.set(id, directory);
    return company;
  }

  /** Stamps every project and user of the company (the service account too) as created and last changed at `at`; announces nothing. */
  backdateCompany(companyId: number, at: string): { projects: number; users: number } {
    const projects = this.projectsOf(companyId);
    const users = this.usersOf(companyId);
    for (const record of [...projects, ...users]) {
      record.created_at = at;
      record.updated_at = at;
    }
    return { projects: projects.length, users: users.length };
  }

  company(id: number): SimCompany {
    const company = this.companies.get(id);
    if (!company) throw new ProcoreSimError(404, 'Company not found');
    return company;
  }

  /** The customer removes (false) or puts back (true) the app in their company. */
  setAppInstalled(companyId: number, installed: boolean): SimCompany {
    const company = this.company(companyId);
    company.app_installed = installed;
    return company;
  }

  // --- projects -------------------------------------------------------------------

  addProjects(companyId: number, inputs: Array<Partial<ProjectFields> & { name?: string }>): SimProject[] {
    this.company(companyId);
    const created = inputs.map((input) => {
      const id = this.nextId('project');
      const stamp = this.stamp();
      const project: SimProject = {
        id,
        company_id: companyId,
        name: `Project ${id}`,
        project_number: `P-${id}`,
        description: null,
        public_notes: null,
        address: null,
        city: null,
        state_code: null,
        country_code: null,
        zip: null,
        active: true,
        start_date: null,
        completion_date: null,
        template: false,
        is_demo: false,
        ...input,
        created_at: stamp,
        updated_at: stamp,
      };
      this.projects.set(id, project);
      return project;
    });
    for (const p of created) this.announceProject(p, 'create');
    return created;
  }

  /** Projects with varied, seeded field values (names, places, dates, a few templates). */
  generateProjects(companyId: number, count: number, overrides: Partial<ProjectFields> = {}): SimProject[] {
    const inputs = Array.from({ length: count }, (_, i) => {
      const [city, state, country] = this.pick(CITIES);
      const startOffsetDays = Math.floor(this.random.next() * 400) - 200;
      const start = new Date(this.now() + startOffsetDays * 86_400_000).toISOString().slice(0, 10);
      return {
        name: `${this.pick(['North', 'South', 'Harbour', 'Ridge', 'Central'])} ${this.pick(['Tower', 'Bridge', 'School', 'Depot', 'Clinic'])} ${i + 1}`,
        project_number: this.random.chance(0.15) ? null : `${1000 + i}`,
        description: this.random.chance(0.3) ? null : 'Internal notes for the project team',
        public_notes: this.random.chance(0.5) ? null : 'Site access from the east gate',
        address: `${10 + i} Main Street`,
        city,
        state_code: state,
        country_code: country,
        zip: `${10000 + i}`,
        active: this.random.chance(0.8),
        start_date: this.random.chance(0.1) ? null : start,
        template: this.random.chance(0.05),
        ...overrides,
      };
    });
    return this.addProjects(companyId, inputs);
  }

  project(projectId: number, companyId?: number): SimProject {
    const project = this.projects.get(projectId);
    if (!project || (companyId !== undefined && project.company_id !== companyId)) {
      throw new ProcoreSimError(404, 'Not Found');
    }
    return project;
  }

  projectsOf(companyId: number): SimProject[] {
    return [...this.projects.values()].filter((p) => p.company_id === companyId).sort((a, b) => a.id - b.id);
  }

  updateProject(projectId: number, changes: Partial<ProjectFields>): SimProject {
    const project = this.project(projectId);
    Object.assign(project, changes, { updated_at: this.stamp() });
    this.announceProject(project, 'update');
    return project;
  }

  deleteProject(projectId: number): void {
    const project = this.project(projectId);
    this.projects.delete(projectId);
    this.announceProject(project, 'delete');
  }

  private announceProject(project: SimProject, event_type: EventType): void {
    this.announce({
      company_id: project.company_id,
      resource_name: 'Projects',
      event_type,
      resource_id: project.id,
      project_id: project.id,
    });
  }

  // --- company directory -----------------------------------------------------------

  directory(companyId: number): Map<number, SimUser> {
    const directory = this.directories.get(companyId);
    if (!directory) throw new ProcoreSimError(404, 'Company not found');
    return directory;
  }

  addUsers(companyId: number, inputs: Array<Partial<UserFields>>): SimUser[] {
    const directory = this.directory(companyId);
    const created = inputs.map((input) => {
      const id = this.nextId('user');
      const stamp = this.stamp();
      const user: SimUser = {
        id,
        first_name: 'Pat',
        last_name: `Worker ${id}`,
        email_address: `pat.worker.${id}@example.com`,
        mobile_phone: null,
        business_phone: null,
        employee_id: null,
        is_employee: true,
        is_active: true,
        job_title: null,
        ...input,
        created_at: stamp,
        updated_at: stamp,
      };
      directory.set(id, user);
      return user;
    });
    for (const u of created) this.announceUser(companyId, u.id, 'create');
    return created;
  }

  /**
   * Users with varied, seeded values: null and empty names, missing phones,
   * employee ids as strings, numbers or null, some non-employees.
   */
  generateUsers(companyId: number, count: number, overrides: Partial<UserFields> = {}): SimUser[] {
    const base = this.nextIds.user;
    const inputs = Array.from({ length: count }, (_, i) => {
      const first = this.random.chance(0.03) ? this.pick([null, '']) : this.pick(FIRST_NAMES);
      const last = this.pick(LAST_NAMES);
      const employeeRoll = this.random.next();
      return {
        first_name: first,
        last_name: last,
        email_address: `${(first || 'user').toLowerCase()}.${last.toLowerCase()}.${base + i}@example.com`,
        mobile_phone: this.random.chance(0.6) ? `+1555${String(1_000_000 + i).slice(-7)}` : null,
        business_phone: this.random.chance(0.4) ? `+1666${String(1_000_000 + i).slice(-7)}` : this.pick([null, '']),
        employee_id: employeeRoll < 0.4 ? `E${1000 + i}` : employeeRoll < 0.7 ? 1000 + i : null,
        is_employee: this.random.chance(0.75),
        is_active: true,
        job_title: this.pick(['Carpenter', 'Site Manager', 'Electrician', null]),
        ...overrides,
      };
    });
    return this.addUsers(companyId, inputs);
  }

  user(companyId: number, userId: number): SimUser {
    const user = this.directory(companyId).get(userId);
    if (!user) throw new ProcoreSimError(404, 'Not Found');
    return user;
  }

  usersOf(companyId: number): SimUser[] {
    return [...this.directory(companyId).values()].sort((a, b) => a.id - b.id);
  }

  updateUser(companyId: number, userId: number, changes: Partial<UserFields>): SimUser {
    const user = this.user(companyId, userId);
    Object.assign(user, changes, { updated_at: this.stamp() });
    this.announceUser(companyId, userId, 'update');
    return user;
  }

  setUserActive(companyId: number, userId: number, active: boolean): SimUser {
    return this.updateUser(companyId, userId, { is_active: active });
  }

  deleteUser(companyId: number, userId: number): void {
    this.user(companyId, userId);
    this.directory(companyId).delete(userId);
    this.announceUser(companyId, userId, 'delete');
  }

  private announceUser(companyId: number, userId: number, event_type: EventType): void {
    this.announce({ company_id: companyId, resource_name: 'Company Users', event_type, resource_id: userId, project_id: null });
  }

  // --- documents --------------------------------------------------------------------

  /** The project's Documents root, made on first use together with its Recycle Bin. */
  rootFolder(projectId: number): SimFolder {
    const existing = this.rootFolders.get(projectId);
    if (existing !== undefined) return this.folders.get(existing) as SimFolder;
    const stamp = this.stamp();
    const root: SimFolder = {
      id: this.nextId('folder'),
      project_id: projectId,
      name: 'Documents',
      parent_id: null,
      is_deleted: false,
      is_recycle_bin: false,
      created_at: stamp,
      updated_at: stamp,
    };
    this.folders.set(root.id, root);
    this.rootFolders.set(projectId, root.id);
    const bin: SimFolder = { ...root, id: this.nextId('folder'), name: 'Recycle Bin', parent_id: root.id, is_recycle_bin: true };
    this.folders.set(bin.id, bin);
    this.recycleBins.set(projectId, bin.id);
    return root;
  }

  folder(projectId: number, folderId: number): SimFolder {
    this.rootFolder(projectId);
    const folder = this.folders.get(folderId);
    if (!folder || folder.project_id !== projectId) throw new ProcoreSimError(404, 'Not Found');
    return folder;
  }

  /** Direct children; the Recycle Bin lists what was deleted. */
  childrenOf(folder: SimFolder): { folders: SimFolder[]; files: SimFile[] } {
    if (folder.is_recycle_bin) {
      return {
        folders: [...this.folders.values()].filter((f) => f.project_id === folder.project_id && f.is_deleted),
        files: [...this.files.values()].filter((f) => f.project_id === folder.project_id && f.is_deleted),
      };
    }
    return {
      folders: [...this.folders.values()].filter((f) => f.parent_id === folder.id && !f.is_deleted),
      files: [...this.files.values()].filter((f) => f.parent_id === folder.id && !f.is_deleted),
    };
  }

  nameWithPath(folder: SimFolder): string {
    const names: string[] = [];
    let current: SimFolder | undefined = folder;
    while (current && current.parent_id !== null) {
      names.unshift(current.name);
      current = this.folders.get(current.parent_id);
    }
    return names.length === 0 ? folder.name : names.join('/');
  }

  createFolder(projectId: number, parentId: number | null, name: string): SimFolder {
    const parent = parentId === null ? this.rootFolder(projectId) : this.folder(projectId, parentId);
    if (parent.is_deleted || parent.is_recycle_bin) throw new ProcoreSimError(422, { parent_id: ['is invalid'] });
    const trimmed = name.trim();
    if (trimmed === '' || /[\\/]/.test(trimmed)) throw new ProcoreSimError(422, { name: ['is invalid'] });
    if (this.childrenOf(parent).folders.some((f) => sameName(f.name, trimmed))) {
      throw new ProcoreSimError(422, { name: ['has already been taken'] });
    }
    const stamp = this.stamp();
    const folder: SimFolder = {
      id: this.nextId('folder'),
      project_id: projectId,
      name: trimmed,
      parent_id: parent.id,
      is_deleted: false,
      is_recycle_bin: false,
      created_at: stamp,
      updated_at: stamp,
    };
    this.folders.set(folder.id, folder);
    return folder;
  }

  deleteFolder(folderId: number): SimFolder {
    const folder = this.folders.get(folderId);
    if (!folder || folder.parent_id === null || folder.is_recycle_bin) throw new ProcoreSimError(404, 'Not Found');
    folder.is_deleted = true;
    folder.updated_at = this.stamp();
    return folder;
  }

  createUpload(projectId: number, filename: string, contentType: string): SimUpload {
    const uuid = randomUUID();
    const key = `uploads/${projectId}/${uuid}/${filename}`;
    const upload: SimUpload = {
      uuid,
      project_id: projectId,
      filename,
      content_type: contentType,
      created_at_ms: this.now(),
      content: null,
      fields: {
        key,
        'Content-Type': contentType,
        'Content-Disposition': `inline; filename="${filename.replace(/"/g, '')}"`,
        policy: Buffer.from(JSON.stringify({ key, uuid })).toString('base64'),
        success_action_status: '201',
        'x-amz-algorithm': 'AWS4-HMAC-SHA256',
        'x-amz-credential': 'SIMULATED/20260101/us-east-1/s3/aws4_request',
        'x-amz-date': '20260101T000000Z',
        'x-amz-signature': randomBytes(16).toString('hex'),
      },
    };
    this.uploads.set(uuid, upload);
    return upload;
  }

  /** A storage upload whose bytes arrived, ready to back a file or version in this project. */
  private completedUpload(projectId: number, uuid: string): SimUpload & { content: Buffer } {
    const upload = this.uploads.get(uuid);
    if (!upload || upload.project_id !== projectId || upload.content === null) {
      throw new ProcoreSimError(422, { upload_uuid: ['is invalid'] });
    }
    return upload as SimUpload & { content: Buffer };
  }

  createFile(projectId: number, parentId: number | null, name: string, uploadUuid: string, uniqueName: boolean): SimFile {
    const parent = parentId === null ? this.rootFolder(projectId) : this.folder(projectId, parentId);
    if (parent.is_deleted || parent.is_recycle_bin) throw new ProcoreSimError(422, { parent_id: ['is invalid'] });
    const wanted = name.trim();
    if (wanted === '') throw new ProcoreSimError(422, { name: ["can't be blank"] });
    const upload = this.completedUpload(projectId, uploadUuid);
    const taken = this.childrenOf(parent).files.map((f) => f.name);
    let finalName = wanted;
    if (taken.some((t) => sameName(t, wanted))) {
      if (!uniqueName) throw new ProcoreSimError(422, { name: ['has already been taken'] });
      const dot = wanted.lastIndexOf('.');
      const [stem, extension] = dot > 0 ? [wanted.slice(0, dot), wanted.slice(dot)] : [wanted, ''];
      for (let n = 1; ; n += 1) {
        finalName = `${stem} (${n})${extension}`;
        if (!taken.some((t) => sameName(t, finalName))) break;
      }
    }
    const stamp = this.stamp();
    const file: SimFile = {
      id: this.nextId('file'),
      project_id: projectId,
      name: finalName,
      parent_id: parent.id,
      is_deleted: false,
      created_at: stamp,
      updated_at: stamp,
      versions: [],
    };
    file.versions.push(this.versionFrom(upload, 1, stamp));
    this.files.set(file.id, file);
    return file;
  }

  file(projectId: number, fileId: number): SimFile {
    const file = this.files.get(fileId);
    if (!file || file.project_id !== projectId || file.is_deleted) throw new ProcoreSimError(404, 'Not Found');
    return file;
  }

  addFileVersion(projectId: number, fileId: number, uploadUuid: string): SimFile {
    const file = this.file(projectId, fileId);
    const upload = this.completedUpload(projectId, uploadUuid);
    const stamp = this.stamp();
    file.versions.push(this.versionFrom(upload, file.versions.length + 1, stamp));
    file.updated_at = stamp;
    return file;
  }

  deleteFile(fileId: number): SimFile {
    const file = this.files.get(fileId);
    if (!file) throw new ProcoreSimError(404, 'Not Found');
    file.is_deleted = true;
    file.updated_at = this.stamp();
    return file;
  }

  private versionFrom(upload: SimUpload & { content: Buffer }, number: number, stamp: string): SimFileVersion {
    return {
      id: this.nextId('version'),
      number,
      created_at: stamp,
      upload_uuid: upload.uuid,
      content_type: upload.content_type,
      content: upload.content,
    };
  }

  // --- webhooks ------------------------------------------------------------------------

  createHook(companyId: number, input: Omit<SimHook, 'id' | 'company_id' | 'triggers'>): SimHook {
    const hook: SimHook = { id: this.nextId('hook'), company_id: companyId, ...input, triggers: [] };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  hook(companyId: number, hookId: number): SimHook {
    const hook = this.hooks.get(hookId);
    if (!hook || hook.company_id !== companyId) throw new ProcoreSimError(404, 'Not Found');
    return hook;
  }

  hooksOf(companyId: number): SimHook[] {
    return [...this.hooks.values()].filter((h) => h.company_id === companyId);
  }

  deleteHook(companyId: number, hookId: number): void {
    this.hook(companyId, hookId);
    this.hooks.delete(hookId);
  }

  createTrigger(companyId: number, hookId: number, resource_name: string, event_type: string): SimTrigger {
    const hook = this.hook(companyId, hookId);
    if (hook.triggers.some((t) => t.resource_name === resource_name && t.event_type === event_type)) {
      throw new ProcoreSimError(422, { event_type: ['has already been taken'] });
    }
    const trigger: SimTrigger = { id: this.nextId('trigger'), resource_name, event_type };
    hook.triggers.push(trigger);
    return trigger;
  }

  private pick<T>(choices: readonly T[]): T {
    return choices[Math.floor(this.random.next() * choices.length)] as T;
  }
}

/** Procore compares document names without regard to case. */
function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
