/**
 * The street office's standard address register (一标三实) and grids: the public codes of buildings and units, and
 * each grid's buildings, households and grid workers — listed for the command centre's staff and added by them (the
 * API decides: registrars register addresses, officials define grids). Who lives at an address is not here: it stays
 * in the holder's vault.
 */
import { CENTRE_ROLES, COMMAND_CENTRE_ORGS, type UserView } from '@machi/core';
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

/** The command centre's staff: its roles at an organisation that runs one (the street office). */
const isStreetOffice = (u: UserView): boolean => (CENTRE_ROLES as readonly string[]).includes(u.role) && COMMAND_CENTRE_ORGS.includes(u.org);
const item = { to: '/addresses', label: 'nav.addresses', order: 0.6, when: isStreetOffice };

export const addresses: WebModule = {
  name: 'addresses',
  routes: [{ path: '/addresses', page: () => import('./pages/Addresses').then((m) => m.AddressesPage) }],
  nav: { official: [item], dispatcher: [item] },
  messages: { zh, ja, en },
};
