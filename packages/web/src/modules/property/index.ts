/**
 * Property services: owners (phone first) see their units, bills and payments with each step verified in this
 * browser, and vote on open matters after the digital-ID check, then see their ballot counted and the exact tally;
 * property staff (desk) issue bills, record payments, send reminders, open and close votes, and follow tenders.
 * docs/spec/property.md
 */
import type { UserView } from '@machi/core';
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

// the organisation that keeps the register (the core's REGISTER_ORGS; not imported: the first load carries no core runtime)
const keepsRegister = (u: UserView): boolean => u.org === 'property-company';

export const property: WebModule = {
  name: 'property',
  routes: [
    { path: '/property/mine', page: () => import('./pages/Mine').then((m) => m.MinePage) },
    { path: '/property/desk', page: () => import('./pages/Desk').then((m) => m.DeskPage) },
  ],
  nav: {
    // the owners and staff of the organisation that keeps the register
    resident: [{ to: '/property/mine', label: 'nav.propertyMine', order: 2.2, when: keepsRegister }],
    'property-staff': [{ to: '/property/desk', label: 'nav.propertyDesk', order: 2.2, when: keepsRegister }],
  },
  messages: { zh, ja, en },
};
