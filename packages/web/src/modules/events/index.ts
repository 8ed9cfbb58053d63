/**
 * Events (网格化管理): grid workers patrol, visit and report on a phone; the street office's command centre triages,
 * dispatches, checks and closes at a desk; departments (police, urban management, …) work their inbox, each step signed
 * by the department's own key; residents report about common areas, follow and rate. Every timeline is verified in the
 * browser, and each department's record comes from the ledger.
 */
import type { UserView } from '@machi/core';
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';
import { isCentreStaff, isDepartmentStaff, isEventsOnlyDepartment } from './who';

const records = { to: '/events/departments', label: 'nav.eventsRecords' };
const centre = [
  { to: '/events/board', label: 'nav.eventsBoard', when: isCentreStaff },
  { to: '/events/inbox', label: 'nav.eventsInbox', when: isDepartmentStaff },
  { ...records, order: 0.5, when: (u: UserView) => isCentreStaff(u) || isDepartmentStaff(u) },
];

export const events: WebModule = {
  name: 'events',
  routes: [
    { path: '/grid', page: () => import('./pages/Grid').then((m) => m.GridPage) },
    { path: '/events/report', page: () => import('./pages/Report').then((m) => m.ReportPage) },
    { path: '/events/mine', page: () => import('./pages/Mine').then((m) => m.MinePage) },
    { path: '/events/board', page: () => import('./pages/Board').then((m) => m.BoardPage) },
    { path: '/events/inbox', page: () => import('./pages/Inbox').then((m) => m.InboxPage) },
    { path: '/events/departments', page: () => import('./pages/Departments').then((m) => m.DepartmentsPage) },
    { path: '/event/:id', page: () => import('./pages/Event').then((m) => m.EventPage) },
  ],
  nav: {
    'grid-worker': [{ to: '/grid', label: 'nav.eventsGrid' }, { to: '/events/report', label: 'nav.eventsReport' }, { to: '/events/mine', label: 'nav.eventsMine' }],
    resident: [{ to: '/events/report', label: 'nav.eventsReportResident' }, { to: '/events/mine', label: 'nav.eventsMineResident' }],
    official: centre,
    dispatcher: centre,
    'property-staff': [{ to: '/events/inbox', label: 'nav.eventsInbox', when: isDepartmentStaff }, { ...records, order: 0.5 }],
    'utility-staff': [{ to: '/events/inbox', label: 'nav.eventsInbox', when: isDepartmentStaff }, records],
  },
  home: { 'grid-worker': '/grid', 'utility-staff': '/events/inbox' },
  // a police officer, an urban-management officer … lands on the inbox; the command centre's duty desk on the board
  landing: (u) => (isEventsOnlyDepartment(u) ? '/events/inbox' : u.role === 'dispatcher' && isCentreStaff(u) ? '/events/board' : undefined),
  // police, urban management … whose keys this node hosts sign in here with their own organisation
  signInOrgs: () => import('./api').then((m) => m.hostedOrgs()),
  messages: { zh, ja, en },
};
