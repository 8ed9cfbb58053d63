/**
 * Who may call which class of route: the one policy table read by the one authorisation hook (plugin.ts). Every route
 * declares its class in `config: { access: '<class>' }`; a route without one is refused when it is registered.
 * The base classes are below; each module brings its own rows (`NodeModule.routeClasses`), added by
 * src/modules/index.ts. Finer, per-record checks (grants, purposes, own record) happen after this, in the core's
 * `decideAccess` and each module's transition rules.
 */
import type { Role } from '@machi/core';
import type { ModuleRouteClass } from '../modules/index.js';

/** `public`: anyone, no token; `authenticated`: any signed-in role; a list: signed in with one of these roles. */
export type RouteAccess = readonly Role[] | 'public' | 'authenticated';

export const BASE_ROUTE_ACCESS = {
  /** ledger reads, health, genesis, signed-tx submission, proofs, notary: no sign-in */
  public: 'public',
  /** sign-in itself */
  auth: 'public',
  /** the caller's own things: me, logout, my data uses, my alerts */
  self: 'authenticated',
  /** Prometheus metrics (GET /metrics): counts and timings of a public ledger, nothing about a person; public so a
   * scraper needs no session token (restrict it at the network if wanted) */
  metrics: 'public',
} as const satisfies Record<string, RouteAccess>;

export type RouteClass = keyof typeof BASE_ROUTE_ACCESS | ModuleRouteClass;

const table: Record<string, RouteAccess> = { ...BASE_ROUTE_ACCESS };
const classes: string[] = Object.keys(BASE_ROUTE_ACCESS);

/** The policy: every class (complete once src/modules/index.ts has loaded, as every server does). */
export const ROUTE_ACCESS: Readonly<Record<RouteClass, RouteAccess>> = table as Record<RouteClass, RouteAccess>;
/** Every class, base ones first, then each module's in registry order. */
export const ROUTE_CLASSES: readonly RouteClass[] = classes as RouteClass[];

/** Adds a module's rows (called by src/modules/index.ts, once per module); a class defined twice is a bug. */
export function addRouteClasses(module: string, rows: Readonly<Record<string, { access: RouteAccess }>>): void {
  for (const [c, row] of Object.entries(rows)) {
    if (Object.hasOwn(table, c)) throw new Error(`route class ${c} of module ${module} is already defined`);
    table[c] = row.access;
    classes.push(c);
  }
}

export function isRouteClass(s: unknown): s is RouteClass {
  return typeof s === 'string' && Object.hasOwn(table, s);
}

/** True if the class needs no signed-in user. */
export function isPublicClass(c: RouteClass): boolean {
  return ROUTE_ACCESS[c] === 'public';
}

/** Why `role` may not call a route of class `c`, or undefined if it may. */
export function routeDenial(c: RouteClass, role: Role): string | undefined {
  const a: RouteAccess | undefined = ROUTE_ACCESS[c];
  // a class no loaded module defines (its module list was not imported): refused, never an exception
  if (a === undefined) return `route class ${c} is not defined`;
  if (a === 'public' || a === 'authenticated' || a.includes(role)) return undefined;
  return `routes of class ${c} are not open to role ${role}`;
}
