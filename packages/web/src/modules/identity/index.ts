/**
 * Digital ID: a resident's wallet (holder keys in this browser) and answering a desk; a department's service desk
 * ("one trip") and the counter that issues credentials.
 */
import { CREDENTIAL_TYPES, SERVICES, type UserView } from '@machi/core';
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

/** Organisations with a service desk (a service names its desks) and those that issue a credential type: only their staff find the pages. */
const DESK_ORGS: readonly string[] = [...new Set(Object.values(SERVICES).flatMap((s) => s.desks))];
const ISSUER_ORGS: readonly string[] = [...new Set(Object.values(CREDENTIAL_TYPES).flatMap((t) => t.issuers))];
const desk = { to: '/desk', label: 'nav.desk', when: (u: UserView): boolean => DESK_ORGS.includes(u.org) };
const issue = { to: '/issue', label: 'nav.issue', when: (u: UserView): boolean => ISSUER_ORGS.includes(u.org) };

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
    'property-staff': [desk, issue],
    official: [desk, issue],
  },
  home: { official: '/desk' },
  messages: { zh, ja, en },
};
