/**
 * The node's modules: the one list. Add a module by making its folder (modules/<name>/, exporting a `NodeModule` from
 * its index.ts: docs/modules.md) and adding one line here. Start-up (src/node/start.ts), the access-policy table
 * (src/auth/policy.ts) and the OpenAPI tags (src/api/openapi.ts) are built from this list; a test fails if a folder is
 * missing from it or it names a folder that does not exist. A module comes after the modules it depends on.
 */
import { assert } from '@machi/core';
import { addRouteClasses } from '../auth/policy.js';
import type { NodeModule } from './contract.js';
import { notaryNodeModule } from './notary/index.js';
import { addressesNodeModule } from './addresses/index.js';
import { consortiumNodeModule } from './consortium/index.js';
import { privacyNodeModule } from './privacy/index.js';
import { repairsNodeModule } from './repairs/index.js';
import { identityNodeModule } from './identity/index.js';
import { eventsNodeModule } from './events/index.js';
import { webhooksNodeModule } from './webhooks/index.js';
import { fundsNodeModule } from './funds/index.js';
import { devicesNodeModule } from './devices/index.js';
import { provenanceNodeModule } from './provenance/index.js';
import { propertyNodeModule } from './property/index.js';
import { dashboardNodeModule } from './dashboard/index.js';

export const NODE_MODULES = [
  notaryNodeModule,
  addressesNodeModule,
  consortiumNodeModule,
  privacyNodeModule,
  repairsNodeModule,
  identityNodeModule,
  eventsNodeModule,
  webhooksNodeModule,
  fundsNodeModule,
  devicesNodeModule,
  provenanceNodeModule,
  propertyNodeModule,
  dashboardNodeModule,
] as const;

/** Every route class the modules define. */
export type ModuleRouteClass = RouteClassesOf<(typeof NODE_MODULES)[number]>;
type RouteClassesOf<M> = M extends NodeModule<infer C> ? C : never;

const modules: readonly NodeModule[] = NODE_MODULES;
const seen = new Set<string>();
for (const m of modules) {
  assert(!seen.has(m.name), `node module ${m.name} listed twice`);
  for (const dep of m.dependsOn) assert(seen.has(dep), `node module ${m.name} depends on ${dep}, which must be listed before it`);
  seen.add(m.name);
  addRouteClasses(m.name, m.routeClasses);
}

export type { ModuleContext, NodeModule, OpenedModule } from './contract.js';
