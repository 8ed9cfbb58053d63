/**
 * Who sees which events page, from the core's catalogue and role lists (the API decides what anyone may do; this only
 * shows the way): an organisation that stands for a department by default (police, urban management, the property
 * company …) works its inbox; staff of the command centre's roles at any other organisation (the street office) work
 * the board (the treasury, the bank and other organisations see neither).
 */
import { CENTRE_ROLES, COMMAND_CENTRE_ORGS, DEPARTMENTS, DEPARTMENT_ROLES, type DepartmentCode, type UserView } from '@machi/core';

const has = (list: readonly string[], v: string): boolean => list.includes(v);

/** Organisations that stand for a department in the core's default directory. */
export const DEPARTMENT_ORGS: readonly string[] = [...new Set(Object.values(DEPARTMENTS).flatMap((d) => d.defaultOrgs))];

/** Departments whose staff have nothing but events to do here: they land on their inbox. */
const EVENTS_ONLY: readonly DepartmentCode[] = ['police', 'urban-management', 'comprehensive-management', 'judicial', 'civil-affairs'];
const EVENTS_ONLY_ORGS: readonly string[] = EVENTS_ONLY.flatMap((d) => DEPARTMENTS[d].defaultOrgs);

export const isDepartmentStaff = (u: UserView): boolean => has(DEPARTMENT_ROLES, u.role) && has(DEPARTMENT_ORGS, u.org);
export const isCentreStaff = (u: UserView): boolean => has(CENTRE_ROLES, u.role) && has(COMMAND_CENTRE_ORGS, u.org);
export const isEventsOnlyDepartment = (u: UserView): boolean => isDepartmentStaff(u) && has(EVENTS_ONLY_ORGS, u.org);
