/**
 * The web modules' registry (src/modules/index.ts) is the one list: every folder under src/modules is registered
 * under its folder name and every registered module has its folder; route paths are unique; each home is one of its
 * module's routes and each role has at most one; navigation points at registered routes. And the shell's navigation
 * and landing pages built from it are the ones each role had before the registry.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROLES, type Role, type UserView } from '@machi/core';
import { WEB_MODULES } from '../../src/modules';
import { homeOf, matchesPage, navFor, pagesOf } from '../../src/navigation';

const MODULES_DIR = fileURLToPath(new URL('../../src/modules/', import.meta.url));
const paths = WEB_MODULES.flatMap((m) => m.routes.map((r) => r.path));

describe('web modules registry', () => {
  it('registers every module folder, under its folder name, and nothing without a folder', () => {
    const folders = readdirSync(MODULES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(WEB_MODULES.map((m) => m.name).sort()).toEqual(folders);
  });

  it('has unique module names and route paths', () => {
    const names = WEB_MODULES.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    expect(paths.filter((p, i) => paths.indexOf(p) !== i)).toEqual([]);
  });

  it('names as a home only the module\'s own routes, and at most one home per role', () => {
    for (const m of WEB_MODULES) {
      const own = m.routes.map((r) => r.path);
      for (const [role, home] of Object.entries(m.home ?? {})) expect(own, `${m.name} home of ${role}`).toContain(home);
    }
    for (const role of ROLES) {
      const claimed = WEB_MODULES.filter((m) => m.home?.[role as Role] !== undefined).map((m) => m.name);
      expect(claimed.length, `${role}: ${claimed.join(', ')}`).toBeLessThanOrEqual(1);
    }
  });

  it('points navigation at registered routes, for known roles', () => {
    for (const m of WEB_MODULES) {
      for (const [role, items] of Object.entries(m.nav)) {
        expect(ROLES, m.name).toContain(role);
        for (const n of items ?? []) expect(paths, `${m.name} ${role}`).toContain(n.to);
      }
    }
  });

  it('gives each role the navigation and landing page it had before the registry, with the events, devices, funds, provenance and property pages added', () => {
    const nav = (role: Role) => navFor(role).map((n) => n.to).join(' ');
    expect(nav('resident')).toBe('/ /report /wallet /my-data /events/report /events/mine /funds/mine /property/mine /property/accounts /property/tenders /preserved /works');
    expect(nav('property-staff')).toBe('/board /report / /desk /issue /events/inbox /devices/alarms /devices/open /devices /events/departments /devices/rules /settings /funds/work /property/desk /preserved /dashboard /trace /works');
    expect(nav('official')).toBe('/desk /issue /events/board /events/inbox /events/departments /addresses /funds/work /property/bureau /funds/oversight /preserved /dashboard /trace /works');
    expect(nav('dispatcher')).toBe('/board /events/board /events/inbox /devices/alarms /devices/open /events/departments /addresses /settings /preserved /dashboard');
    expect(nav('maintenance-worker')).toBe('/jobs /devices/alarms /preserved /trace');
    expect(nav('regulator')).toBe('/alerts /funds/oversight /preserved /dashboard');
    expect(nav('grid-worker')).toBe('/grid /events/report /events/mine /funds/work /preserved');
    const homes = Object.fromEntries(ROLES.map((r) => [r, homeOf(r as Role) ?? '(welcome)']));
    expect(homes).toEqual({
      resident: '/', 'property-staff': '/', dispatcher: '/board', 'maintenance-worker': '/jobs', official: '/desk', regulator: '/alerts',
      'grid-worker': '/grid', 'line-worker': '(welcome)', 'utility-staff': '/events/inbox',
    });
  });

  it('narrows navigation and landing by organisation: the command centre works the board, a department its inbox', () => {
    const user = (org: string, role: Role): UserView => ({ id: 'u', org, username: 'x', role, displayName: 'x' });
    const nav = (u: UserView) => navFor(u.role, WEB_MODULES, u).map((n) => n.to).join(' ');
    // the street office: the command centre's board, no inbox
    expect(nav(user('street-office', 'dispatcher'))).toBe('/board /events/board /events/departments /addresses /settings /preserved /dashboard');
    // the street office's address register and grids: its command centre's staff only
    expect(nav(user('street-office', 'official'))).toBe('/desk /issue /events/board /events/departments /addresses /funds/work /funds/oversight /preserved /dashboard /trace /works');
    expect(homeOf('dispatcher', WEB_MODULES, user('street-office', 'dispatcher'))).toBe('/events/board');
    expect(homeOf('official', WEB_MODULES, user('street-office', 'official'))).toBe('/desk');
    // police and urban management (hosted on the street office's node): their inbox, where they land
    // the identity pages only where they serve: a desk where a service names one, the issuing counter where a credential type names the issuer
    for (const org of ['police', 'urban-management', 'comprehensive-management', 'judiciary']) {
      expect(nav(user(org, 'official'))).toBe(`${org === 'police' ? '/issue ' : ''}/events/inbox /events/departments /preserved /dashboard /trace /works`);
      expect(homeOf('official', WEB_MODULES, user(org, 'official'))).toBe('/events/inbox');
      expect(homeOf('dispatcher', WEB_MODULES, user(org, 'dispatcher'))).toBe('/events/inbox');
    }
    // the property company is a department (property) but keeps its repairs board as home
    expect(nav(user('property-company', 'dispatcher'))).toBe('/board /events/inbox /devices/alarms /devices/open /events/departments /settings /preserved /dashboard');
    expect(homeOf('dispatcher', WEB_MODULES, user('property-company', 'dispatcher'))).toBe('/board');
    // a role's navigation without `when` items' users is unchanged for everyone else
    // the owners of the property company's register: their home and fees; every resident: the disclosed accounts and the tenders
    expect(nav(user('property-company', 'resident'))).toBe('/ /report /wallet /my-data /events/report /events/mine /property/mine /property/accounts /property/tenders /preserved /works');
    // welfare funds: the organisations with a part in a programme; the treasury and the bank land on the funds desk
    expect(nav(user('street-office', 'resident'))).toBe('/ /report /wallet /my-data /events/report /events/mine /funds/mine /property/accounts /property/tenders /preserved /works');
    expect(nav(user('civil-affairs', 'official'))).toBe('/desk /issue /events/inbox /events/departments /funds/work /funds/oversight /preserved /dashboard /trace /works');
    for (const org of ['finance-bureau', 'agent-bank']) {
      expect(homeOf('official', WEB_MODULES, user(org, 'official'))).toBe('/funds/work');
      expect(nav(user(org, 'official'))).toBe('/funds/work /funds/oversight /preserved /dashboard /trace /works'); // nothing of the identity desk or the events board
    }
    expect(homeOf('official', WEB_MODULES, user('civil-affairs', 'official'))).toBe('/events/inbox');
    // the housing bureau (hosted on the street office's node): its maintenance-fund desk, where it lands; no other org's official sees it
    expect(nav(user('housing-bureau', 'official'))).toBe('/issue /property/bureau /preserved /dashboard /trace /works');
    expect(homeOf('official', WEB_MODULES, user('housing-bureau', 'official'))).toBe('/property/bureau');
    for (const org of ['street-office', 'civil-affairs', 'police']) expect(nav(user(org, 'official'))).not.toContain('/property/bureau');
  });

  it('shows only the wall screen full-screen, without the shell navigation', () => {
    expect(pagesOf(WEB_MODULES).filter((p) => p.bare === true).map((p) => p.path)).toEqual(['/dashboard/wall']);
    expect(matchesPage([{ path: '/dashboard/wall' }], '/dashboard/wall')).toBe(true);
    expect(matchesPage([{ path: '/dashboard/wall' }], '/dashboard')).toBe(false);
  });
});
