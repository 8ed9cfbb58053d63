/**
 * Devices and alarms: on-duty staff work a live alarm board on a phone (a new alarm stands out and sounds, then
 * acknowledge, resolve, and the work order it opened); leaders see every open alarm with its timers and escalations;
 * property staff register devices (credentials shown once), watch their health and set the rules per device class.
 */
import { DEPARTMENTS, type UserView } from '@machi/core';
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

/** Staff of a property company (the organisations that keep the devices; the command centre's dispatchers have none). */
const keepsDevices = (u: UserView): boolean => (DEPARTMENTS.property.defaultOrgs as readonly string[]).includes(u.org);
const board = { to: '/devices/alarms', label: 'nav.devicesAlarms', order: 0.2, when: keepsDevices };
const open = { to: '/devices/open', label: 'nav.devicesOpen', order: 0.3, when: keepsDevices };

export const devices: WebModule = {
  name: 'devices',
  routes: [
    { path: '/devices/alarms', page: () => import('./pages/Board').then((m) => m.BoardPage) },
    { path: '/devices/open', page: () => import('./pages/Open').then((m) => m.OpenAlarmsPage) },
    { path: '/devices', page: () => import('./pages/Devices').then((m) => m.DevicesPage) },
    { path: '/devices/rules', page: () => import('./pages/Rules').then((m) => m.RulesPage) },
  ],
  nav: {
    'property-staff': [
      board, open,
      { to: '/devices', label: 'nav.devices', order: 0.4 },
      { to: '/devices/rules', label: 'nav.devicesRules', order: 0.9 },
    ],
    'maintenance-worker': [board],
    dispatcher: [board, open],
  },
  messages: { zh, ja, en },
};
