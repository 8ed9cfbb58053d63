/**
 * provenance: preserving records with provenance and custody (certificates, export packages), the public verification
 * page (offline once loaded), copyright works, traced items for staff, and the public scan page a product's QR code
 * (GS1 Digital Link) opens. docs/spec/provenance.md
 */
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

const preserved = { to: '/preserved', label: 'nav.preserved', order: 8 };
const works = { to: '/works', label: 'nav.works', order: 8.5 };
const trace = { to: '/trace', label: 'nav.trace', order: 8.2 };
const verify = () => import('./pages/Verify').then((m) => m.VerifyPage);
const scan = () => import('./pages/Scan').then((m) => m.ScanPage);

export const provenance: WebModule = {
  name: 'provenance',
  routes: [
    { path: '/preserved', page: () => import('./pages/Preserved').then((m) => m.PreservedPage) },
    { path: '/works', page: () => import('./pages/Works').then((m) => m.WorksPage) },
    { path: '/trace', page: () => import('./pages/Trace').then((m) => m.TracePage) },
  ],
  publicRoutes: [
    { path: '/verify', page: verify },
    { path: '/verify/:filing', page: verify },
    { path: '/01/:gtin/21/:serial', page: scan },
    { path: '/01/:gtin/10/:batch/21/:serial', page: scan },
  ],
  nav: {
    resident: [preserved, works],
    'property-staff': [preserved, trace, works],
    'maintenance-worker': [preserved, trace],
    'utility-staff': [preserved, trace],
    official: [preserved, trace, works],
    dispatcher: [preserved],
    'grid-worker': [preserved],
    'line-worker': [preserved],
    regulator: [preserved],
  },
  messages: { zh, ja, en },
};
