/**
 * The core's modules: the one list. Add a module by making its folder (modules/<name>/, exporting a `CoreModule` from
 * its index.ts: docs/modules.md) and adding one line here. The transaction registry (app.ts), the error catalogue
 * (errors.ts) and the checks below are built from this list; a test fails if a folder is missing from it or it names
 * a folder that does not exist.
 */
import { addErrorCodes } from '../errors.js';
import { assert } from '../assert.js';
import type { CoreModule } from '../foundation/module.js';
import { notaryModule } from './notary/index.js';
import { privacyModule } from './privacy/index.js';
import { repairsModule } from './repairs/index.js';
import { identityModule } from './identity/index.js';

export * from './notary/index.js';
export * from './privacy/index.js';
export * from './repairs/index.js';
export * from './identity/index.js';

export const CORE_MODULES = [
  notaryModule,
  privacyModule,
  repairsModule,
  identityModule,
] as const;

/** Every error code the modules define. */
export type ModuleErrorCode = ErrorCodesOf<(typeof CORE_MODULES)[number]>;
type ErrorCodesOf<M> = M extends CoreModule<infer E> ? keyof E & string : never;

const modules: readonly CoreModule[] = CORE_MODULES;
const names = new Set<string>();
const prefixes: string[] = [];
for (const m of modules) {
  assert(!names.has(m.name), `core module ${m.name} listed twice`);
  for (const dep of m.dependsOn) assert(names.has(dep), `core module ${m.name} depends on ${dep}, which must be listed before it`);
  names.add(m.name);
  for (const p of m.statePrefixes) {
    assert(prefixes.every((q) => !p.startsWith(q) && !q.startsWith(p)), `state prefix ${p} of ${m.name} overlaps another module's`);
    prefixes.push(p);
  }
  addErrorCodes(m.name, m.errors);
}

export function coreModule(name: string): CoreModule | undefined {
  return modules.find((m) => m.name === name);
}
