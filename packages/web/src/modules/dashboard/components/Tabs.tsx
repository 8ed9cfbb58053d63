/**
 * The dashboard's pages, linked from each (one navigation entry for the module); a red badge while this node refuses
 * to vote (read once per page: the network view, which shows why, follows it live).
 */
import { useEffect, useState } from 'react';
import { Group, NavLink } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';
import { get } from '../../../api';
import type { NodeHealth } from '../node-status';
import { NodeDegradedBadge } from './NodeStatus';

const PAGES = [
  ['/dashboard', 'nav.dashboard'], ['/dashboard/map', 'nav.dashboardMap'], ['/dashboard/network', 'nav.dashboardNetwork'],
  ['/dashboard/explorer', 'nav.dashboardExplorer'], ['/dashboard/analytics', 'nav.dashboardAnalytics'], ['/dashboard/wall', 'nav.dashboardWall'],
] as const;

export function Tabs() {
  const { t } = useTranslation();
  const [location] = useLocation();
  const onNetwork = location === '/dashboard/network';
  const [health, setHealth] = useState<NodeHealth | null>(null);
  useEffect(() => {
    if (!onNetwork) get<NodeHealth>('/v1/health').then(setHealth, () => {});
  }, [onNetwork]);
  return (
    <Group gap={4} data-testid="dashboard-tabs">
      {PAGES.map(([to, label]) => (
        <NavLink key={to} component={Link} href={to} label={t(label)} active={location === to} w="auto" variant="light" data-testid={`tab-${to}`} style={{ borderRadius: 6 }} />
      ))}
      {!onNetwork && <NodeDegradedBadge health={health} />}
    </Group>
  );
}
