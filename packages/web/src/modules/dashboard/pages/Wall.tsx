/**
 * Wall-screen mode for the command centre: full-screen without the app's navigation (a bare route), large type, one
 * panel at a time rotating every WALL_ROTATE_MS, live (the figures reload when the read model applies a block:
 * Server-Sent Events). Click anywhere on the header to pause; the small link at its end goes back to the dashboard.
 */
import { useEffect, useState } from 'react';
import { Badge, Box, Button, Group, Text, Title } from '@mantine/core';
import { Link } from 'wouter';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/common';
import { Panel, PANEL_IDS } from '../components/Panels';
import { useDashboard } from './Overview';

export const WALL_ROTATE_MS = 12_000;

export function WallPage() {
  const { t } = useTranslation();
  const { view, error } = useDashboard();
  const [i, setI] = useState(0);
  const [paused, setPaused] = useState(false);
  const [clock, setClock] = useState(() => new Date());
  useEffect(() => {
    const rotate = setInterval(() => { if (!paused) setI((n) => (n + 1) % PANEL_IDS.length); }, WALL_ROTATE_MS);
    const tick = setInterval(() => setClock(new Date()), 1000);
    return () => { clearInterval(rotate); clearInterval(tick); };
  }, [paused]);
  const id = PANEL_IDS[i]!;
  return (
    <Box data-testid="wall" style={{ fontSize: 22 }}>
      <Group justify="space-between" mb="md" onClick={() => setPaused((p) => !p)} style={{ cursor: 'pointer' }}>
        <Title order={1} style={{ fontSize: 40 }}>{t('dashboard.wall.title')}</Title>
        <Group>
          {view !== null && <Badge size="xl" data-testid="wall-height">{t('dashboard.height', { height: view.height })}</Badge>}
          {view !== null && <Badge size="xl" color="orange" variant="light">{t('dashboard.eventsTotal', { total: view.panels.events.total, open: view.panels.events.open })}</Badge>}
          <Text style={{ fontSize: 32 }} fw={700}>{clock.toLocaleTimeString()}</Text>
          <Badge size="xl" variant="outline" data-testid="wall-panel" data-panel={id}>{i + 1} / {PANEL_IDS.length}{paused ? ` · ${t('dashboard.wall.paused')}` : ''}</Badge>
          <Button component={Link} href="/dashboard" size="xs" variant="subtle" color="gray" onClick={(e: React.MouseEvent) => e.stopPropagation()} data-testid="wall-exit">{t('dashboard.wall.exit')}</Button>
        </Group>
      </Group>
      <ErrorAlert error={error} />
      {view !== null && <Panel id={id} view={view} onFigure={() => {}} big />}
    </Box>
  );
}
