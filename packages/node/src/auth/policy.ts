/**
 * Who may call which class of route: the one policy table read by the one authorisation hook (plugin.ts). Every route
 * declares its class in `config: { access: '<class>' }`; a route without one is refused when it is registered.
 * Finer, per-record checks (grants, purposes, own record) happen after this, in the core's `decideAccess`.
 */
import type { Role } from '@machi/core';

export const ROUTE_CLASSES = [
  /** ledger reads, health, genesis, signed-tx submission, proofs, notary: no sign-in */
  'public',
  /** sign-in itself */
  'auth',
  /** the caller's own things: me, logout, my data uses, my alerts */
  'self',
  'subjects.register',
  'subjects.read',
  'subjects.read-own',
  'subjects.erase',
  'grants.manage',
  'alerts.read-all',
  'access-log.read',
  /** repairs (docs/spec/repairs.md#api): report, follow, confirm, reopen */
  'repairs.report',
  /** the dispatcher's board: open requests of the org, workers, assign, escalate */
  'repairs.board',
  /** a maintenance worker's jobs and steps */
  'repairs.work',
  /** uploading a photo (a report, a diagnosis, a finished job) */
  'repairs.photos',
  /** reading a request and its timeline, my requests, cancel (the transition check decides who may cancel) */
  'repairs.view',
  /**
   * Open311 POST requests.json: public at the hook because GeoReport v2 sends the key as an `api_key` form field,
   * which exists only after the body is parsed; the route authenticates it like a bearer token and authorises it with
   * the `repairs.report` row (src/repairs/open311.ts).
   */
  'open311.report',
  /** digital ID (docs/spec/identity.md#api): issuing credentials and changing their status */
  'identity.issue',
  /** the "one trip" desk: starting a service session and seeing its verified result */
  'identity.desk',
  /** a resident's wallet: credentials, offers, consent, presentations of demo credentials, identity uses */
  'identity.wallet',
] as const;

export type RouteClass = (typeof ROUTE_CLASSES)[number];

/** `public`: anyone, no token; `authenticated`: any signed-in role; a list: signed in with one of these roles. */
export type RouteAccess = readonly Role[] | 'public' | 'authenticated';

export const ROUTE_ACCESS: Readonly<Record<RouteClass, RouteAccess>> = {
  public: 'public',
  auth: 'public',
  self: 'authenticated',
  'subjects.register': ['property-staff', 'official'],
  'subjects.read': ['property-staff', 'dispatcher', 'maintenance-worker', 'grid-worker', 'utility-staff', 'official', 'regulator'],
  'subjects.read-own': ['resident'],
  'subjects.erase': ['property-staff', 'official'],
  'grants.manage': ['property-staff', 'official'],
  'alerts.read-all': ['regulator'],
  'access-log.read': ['regulator', 'official'],
  'repairs.report': ['resident', 'property-staff'],
  'repairs.board': ['dispatcher', 'property-staff'],
  'repairs.work': ['maintenance-worker'],
  'repairs.photos': ['resident', 'property-staff', 'maintenance-worker'],
  'repairs.view': 'authenticated',
  'open311.report': 'public',
  'identity.issue': ['official', 'property-staff'],
  'identity.desk': ['official', 'property-staff'],
  'identity.wallet': ['resident'],
};

export function isRouteClass(s: unknown): s is RouteClass {
  return typeof s === 'string' && Object.hasOwn(ROUTE_ACCESS, s);
}

/** True if the class needs no signed-in user. */
export function isPublicClass(c: RouteClass): boolean {
  return ROUTE_ACCESS[c] === 'public';
}

/** Why `role` may not call a route of class `c`, or undefined if it may. */
export function routeDenial(c: RouteClass, role: Role): string | undefined {
  const a = ROUTE_ACCESS[c];
  if (a === 'public' || a === 'authenticated' || a.includes(role)) return undefined;
  return `routes of class ${c} are not open to role ${role}`;
}
