/**
 * The core's modules: the one list. Add a module by making its folder (modules/<name>/, exporting a `CoreModule` from
 * its index.ts: docs/modules.md) and adding one line here. The transaction registry (app.ts), the error catalogue
 * (errors.ts) and the checks below are built from this list; a test fails if a folder is missing from it or it names
 * a folder that does not exist.
 */
import { addErrorCodes } from '../errors.js';
import { assert } from '../assert.js';
import type { CaseInfo, CaseKind, CoreModule } from '../foundation/module.js';
import type { StateRead } from '../foundation/state.js';
import { notaryModule } from './notary/index.js';
import { privacyModule } from './privacy/index.js';
import { repairsModule } from './repairs/index.js';
import { identityModule } from './identity/index.js';
import { eventsModule } from './events/index.js';
import { webhooksModule } from './webhooks/index.js';
import { fundsModule } from './funds/index.js';
import { devicesModule } from './devices/index.js';
import { addressesModule } from './addresses/index.js';
import { provenanceModule } from './provenance/index.js';
import { consortiumModule } from './consortium/index.js';
import { propertyModule } from './property/index.js';
import { dashboardModule } from './dashboard/index.js';

export * from './notary/index.js';
export * from './privacy/index.js';
export * from './repairs/index.js';
export * from './identity/index.js';
export * from './events/index.js';
export * from './webhooks/index.js';
export * from './funds/index.js';
export * from './devices/index.js';
export * from './addresses/index.js';
export * from './provenance/index.js';
export * from './consortium/index.js';
export * from './property/index.js';
export * from './dashboard/index.js';

export const CORE_MODULES = [
  notaryModule,
  privacyModule,
  repairsModule,
  identityModule,
  webhooksModule,
  fundsModule,
  devicesModule,
  // after devices: a device report names an alarm
  eventsModule,
  addressesModule,
  provenanceModule,
  consortiumModule,
  // after addresses, identity, devices and repairs: units, ballots' ID checks and emergencies' triggers
  propertyModule,
  dashboardModule,
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

/** Every kind of record a case reference may name, from every module. */
export const CASE_KINDS: readonly CaseKind[] = modules.flatMap((m) => m.cases ?? []);

/**
 * The case a reference `<kind>:<id>` names, or why there is none: an unknown kind, an id not of the kind's format, or
 * no such record in the state.
 */
export function resolveCase(read: StateRead, caseRef: string): CaseInfo | undefined {
  const colon = caseRef.indexOf(':');
  const kind = CASE_KINDS.find((k) => k.kind === caseRef.slice(0, colon));
  const id = caseRef.slice(colon + 1);
  if (colon < 0 || kind === undefined || !new RegExp(kind.idPattern).test(id)) return undefined;
  return kind.resolve(read, id);
}
