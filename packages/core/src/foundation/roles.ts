/**
 * The roles users act in, across every module: one list, so that a module's access rules, the node's route policy and
 * the web app's navigation all speak of the same roles. docs/spec/privacy.md#roles
 */

export const ROLES = [
  'resident',
  'property-staff',
  'dispatcher',
  'maintenance-worker',
  /** 网格员: patrols a grid of the community, visits households, reports events (docs/spec/events.md) */
  'grid-worker',
  /** a power company's line worker (electrician on the lines; called `grid-worker` before the events module) */
  'line-worker',
  'utility-staff',
  'official',
  'regulator',
] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);
