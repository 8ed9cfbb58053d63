/**
 * Property services: owners (phone first) see their units, bills and payments with each step verified in this
 * browser, and vote on open matters after the digital-ID check, then see their ballot counted and the exact tally;
 * owners and residents see the disclosed accounts (art. 943) line by line and the tenders, sealed until the deadline,
 * then their opening record, all verified here; property staff (desk) issue bills, record payments, send reminders,
 * open and close votes, and follow tenders; the housing bureau (hosted on the street office's node) approves and pays
 * maintenance-fund uses and checks owners under its grant. docs/spec/property.md
 */
import type { UserView } from '@machi/core';
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

// the organisation that keeps the register (the core's REGISTER_ORGS; not imported: the first load carries no core runtime)
const keepsRegister = (u: UserView): boolean => u.org === 'property-company';
// the housing bureau's staff (the core's HOUSING_BUREAU; not imported, as above)
const isBureau = (u: UserView): boolean => u.org === 'housing-bureau';

export const property: WebModule = {
  name: 'property',
  routes: [
    { path: '/property/mine', page: () => import('./pages/Mine').then((m) => m.MinePage) },
    { path: '/property/desk', page: () => import('./pages/Desk').then((m) => m.DeskPage) },
    { path: '/property/accounts', page: () => import('./pages/Accounts').then((m) => m.AccountsPage) },
    { path: '/property/tenders', page: () => import('./pages/Tenders').then((m) => m.TendersPage) },
    { path: '/property/bureau', page: () => import('./pages/Bureau').then((m) => m.BureauPage) },
  ],
  nav: {
    // the owners and staff of the organisation that keeps the register
    resident: [
      { to: '/property/mine', label: 'nav.propertyMine', order: 2.2, when: keepsRegister },
      // what art. 943 and the tender rules make public: every resident of the community
      { to: '/property/accounts', label: 'nav.propertyAccounts', order: 2.3 },
      { to: '/property/tenders', label: 'nav.propertyTenders', order: 2.4 },
    ],
    'property-staff': [{ to: '/property/desk', label: 'nav.propertyDesk', order: 2.2, when: keepsRegister }],
    official: [{ to: '/property/bureau', label: 'nav.propertyBureau', order: 2.2, when: isBureau }],
  },
  // the housing bureau has nothing else to do here: it lands on its desk
  landing: (u) => (isBureau(u) ? '/property/bureau' : undefined),
  messages: { zh, ja, en },
};
