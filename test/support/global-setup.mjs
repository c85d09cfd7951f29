// Jest loads global setup outside its ESM transform; tsx loads the TypeScript
// stack (and the sources it imports, './x.js' -> './x.ts') natively as ESM.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startTestStack } = await tsImport('./stack.ts', import.meta.url);
  globalThis.__testStack = await startTestStack();
}
