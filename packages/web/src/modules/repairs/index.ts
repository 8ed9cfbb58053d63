/**
 * Repairs: residents report and follow requests, dispatchers work the board and set service levels, maintenance
 * workers their jobs; every request's timeline is verified in the browser.
 */
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

export const repairs: WebModule = {
  name: 'repairs',
  routes: [
    { path: '/', page: () => import('./pages/MyRequests').then((m) => m.MyRequestsPage) },
    { path: '/report', page: () => import('./pages/Report').then((m) => m.ReportPage) },
    { path: '/requests/:id', page: () => import('./pages/Request').then((m) => m.RequestPage) },
    { path: '/board', page: () => import('./pages/Board').then((m) => m.BoardPage) },
    { path: '/jobs', page: () => import('./pages/Jobs').then((m) => m.JobsPage) },
    { path: '/settings', page: () => import('./pages/Settings').then((m) => m.SettingsPage) },
  ],
  nav: {
    resident: [{ to: '/', label: 'nav.myRequests' }, { to: '/report', label: 'nav.report' }],
    // settings at the end of the menu, after other modules' pages
    'property-staff': [
      { to: '/board', label: 'nav.board' }, { to: '/report', label: 'nav.report' }, { to: '/', label: 'nav.myRequests' },
      { to: '/settings', label: 'nav.settings', order: 1 },
    ],
    dispatcher: [{ to: '/board', label: 'nav.board' }, { to: '/settings', label: 'nav.settings', order: 1 }],
    'maintenance-worker': [{ to: '/jobs', label: 'nav.jobs' }],
  },
  home: { resident: '/', 'property-staff': '/', dispatcher: '/board', 'maintenance-worker': '/jobs' },
  messages: { zh, ja, en },
};
