/**
 * Digital ID: a resident's wallet (holder keys in this browser) and answering a desk; a department's service desk
 * ("one trip") and the counter that issues credentials.
 */
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

export const identity: WebModule = {
  name: 'identity',
  routes: [
    { path: '/wallet', page: () => import('./pages/Wallet').then((m) => m.WalletPage) },
    { path: '/present', page: () => import('./pages/Present').then((m) => m.PresentPage) },
    { path: '/desk', page: () => import('./pages/Desk').then((m) => m.DeskPage) },
    { path: '/issue', page: () => import('./pages/Issue').then((m) => m.IssuePage) },
  ],
  nav: {
    resident: [{ to: '/wallet', label: 'nav.wallet' }],
    'property-staff': [{ to: '/desk', label: 'nav.desk' }, { to: '/issue', label: 'nav.issue' }],
    official: [{ to: '/desk', label: 'nav.desk' }, { to: '/issue', label: 'nav.issue' }],
  },
  home: { official: '/desk' },
  messages: { zh, ja, en },
};
