/**
 * Welfare funds (民生资金): residents see their benefits, every payment with every step verified in the browser, and
 * who looked at their application; community staff verify, publish the masked notice and record objections; the
 * department reviews; the treasury instructs and the bank returns receipts and reconciles; regulators and third
 * parties follow every step live with its proof, budget versus paid and every alert; the public sees each
 * programme's totals and the current masked notice without signing in. docs/spec/funds.md
 */
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';
import { isFundsOnly, takesPart } from './who';

const desk = { to: '/funds/work', label: 'nav.fundsWork', order: 2, when: takesPart };
const oversight = { to: '/funds/oversight', label: 'nav.fundsOversight', order: 2.5 };

export const funds: WebModule = {
  name: 'funds',
  routes: [
    { path: '/funds/mine', page: () => import('./pages/Mine').then((m) => m.MinePage) },
    { path: '/funds/work', page: () => import('./pages/Work').then((m) => m.WorkPage) },
    { path: '/funds/oversight', page: () => import('./pages/Oversight').then((m) => m.OversightPage) },
  ],
  publicRoutes: [{ path: '/funds/public', page: () => import('./pages/Public').then((m) => m.PublicPage) }],
  nav: {
    resident: [{ to: '/funds/mine', label: 'nav.fundsMine', order: 2, when: takesPart }],
    official: [desk, { ...oversight, when: takesPart }],
    'grid-worker': [desk],
    'property-staff': [desk],
    regulator: [oversight],
  },
  // the treasury's and the bank's staff land on the desk
  landing: (u) => (isFundsOnly(u) ? '/funds/work' : undefined),
  signInOrgs: () => import('./api').then((m) => m.fundsSigners()),
  messages: { zh, ja, en },
};
