/** Privacy: a resident sees every use of their personal data (each verified in the browser); a regulator the alerts. */
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

export const privacy: WebModule = {
  name: 'privacy',
  routes: [
    { path: '/my-data', page: () => import('./pages/MyData').then((m) => m.MyDataPage) },
    { path: '/alerts', page: () => import('./pages/Alerts').then((m) => m.AlertsPage) },
  ],
  nav: {
    resident: [{ to: '/my-data', label: 'nav.myData' }],
    regulator: [{ to: '/alerts', label: 'nav.alerts' }],
  },
  home: { regulator: '/alerts' },
  messages: { zh, ja, en },
};
