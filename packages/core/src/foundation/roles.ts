/**
 * The roles users act in, across every module: one list, so that a module's access rules, the node's route policy and
 * the web app's navigation all speak of the same roles. docs/spec/privacy.md#roles
 */

export const ROLES = [
  'resident',
  'property-staff',
  'dispatcher',
  'maintenance-worker',
  'grid-worker',
  'utility-staff',
  'official',
  'regulator',
] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);
