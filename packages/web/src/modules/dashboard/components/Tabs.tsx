/** The dashboard's pages, linked from each (one navigation entry for the module). */
import { Group, NavLink } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';

const PAGES = [
  ['/dashboard', 'nav.dashboard'], ['/dashboard/map', 'nav.dashboardMap'], ['/dashboard/network', 'nav.dashboardNetwork'],
  ['/dashboard/explorer', 'nav.dashboardExplorer'], ['/dashboard/analytics', 'nav.dashboardAnalytics'], ['/dashboard/wall', 'nav.dashboardWall'],
] as const;

export function Tabs() {
  const { t } = useTranslation();
  const [location] = useLocation();
  return (
    <Group gap={4} data-testid="dashboard-tabs">
      {PAGES.map(([to, label]) => (
        <NavLink key={to} component={Link} href={to} label={t(label)} active={location === to} w="auto" variant="light" data-testid={`tab-${to}`} style={{ borderRadius: 6 }} />
      ))}
    </Group>
  );
}
