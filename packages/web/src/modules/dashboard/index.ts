/**
 * The command centre (docs/spec/dashboard.md): the community overview with filters and click-through to records with
 * proofs, the grid map, the network view, the explorer, explainable analytics with exports, and the wall screen.
 * Charts are Apache ECharts.
 */
import type { WebModule } from '../types';
import en from './messages/en.json';
import ja from './messages/ja.json';
import zh from './messages/zh.json';

/** one entry: the pages link to each other (components/Tabs.tsx) */
const items = [{ to: '/dashboard', label: 'nav.dashboard', order: 8 }];

export const dashboard: WebModule = {
  name: 'dashboard',
  routes: [
    { path: '/dashboard', page: () => import('./pages/Overview').then((m) => m.OverviewPage) },
    { path: '/dashboard/map', page: () => import('./pages/GridMap').then((m) => m.GridMapPage) },
    { path: '/dashboard/network', page: () => import('./pages/Network').then((m) => m.NetworkPage) },
    { path: '/dashboard/explorer', page: () => import('./pages/Explorer').then((m) => m.ExplorerPage) },
    { path: '/dashboard/analytics', page: () => import('./pages/Analytics').then((m) => m.AnalyticsPage) },
    // the wall screen fills the screen: no shell navigation
    { path: '/dashboard/wall', page: () => import('./pages/Wall').then((m) => m.WallPage), bare: true },
  ],
  nav: { official: items, regulator: items, dispatcher: items, 'property-staff': items },
  messages: { zh, ja, en },
};
