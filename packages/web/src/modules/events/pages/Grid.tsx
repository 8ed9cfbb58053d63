/**
 * A grid worker's grid (网格) on a phone: its buildings with households, when the worker last checked in at each and
 * how many households they visited (30 days), their patrol coverage and reporting record, a patrol check-in per
 * building and a household visit; the grid's open events. Every check-in and visit is a ledger transaction.
 */
import { useCallback, useEffect, useState } from 'react';
import { Badge, Button, Card, Group, Progress, Select, SimpleGrid, Stack, Text, Textarea, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { EventList, EventSummary, GridList, GridView, GridWorkResult, VisitBody } from '@machi/core';
import { get, post } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { EventCard } from '../components/EventCard';
import { useCatalogue, useNames } from '../components/bits';

export function GridPage() {
  const { t } = useTranslation();
  const [grids, setGrids] = useState<GridView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    get<GridList>('/v1/events/grids/mine').then((g) => setGrids(g.grids), setError);
  }, []);
  useEffect(load, [load]);
  return (
    <Stack maw={720}>
      <Group justify="space-between">
        <Title order={3}>{t('events.grid.title')}</Title>
        <Button component={Link} href="/events/report" data-testid="new-event">{t('events.report.new')}</Button>
      </Group>
      <ErrorAlert error={error} />
      {grids !== null && grids.length === 0 && <Text c="dimmed">{t('events.grid.none')}</Text>}
      {grids?.map((g) => <GridCard key={g.grid} g={g} onDone={load} />)}
    </Stack>
  );
}

function GridCard({ g, onDone }: { g: GridView; onDone: () => void }) {
  const { t } = useTranslation();
  const names = useNames();
  const [events, setEvents] = useState<EventSummary[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<EventList>(`/v1/events/grids/${g.grid}/events`).then((l) => setEvents(l.events), setError);
  }, [g]);
  const patrol = async (building: string) => {
    setBusy(building);
    setError(null);
    try {
      const r = await post<GridWorkResult>(`/v1/events/grids/${g.grid}/patrol`, { building });
      setDone(t('events.grid.checkedIn', { place: names.place(building), height: r.height }));
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const mine = g.mine;
  return (
    <Stack data-testid="grid" data-grid={g.grid}>
      <Card withBorder>
        <Stack gap="xs">
          <Group justify="space-between">
            <Title order={4}>{names.grid(g.grid, g.name)}</Title>
            <Badge variant="light">{t('events.grid.households', { count: g.households })}</Badge>
          </Group>
          {mine !== undefined && (
            <>
              <Group justify="space-between">
                <Text size="sm">{t('events.grid.coverage')}</Text>
                <Text size="sm" fw={700} data-testid="coverage">{(mine.coverage * 100).toFixed(1)}%</Text>
              </Group>
              <Progress value={Math.min(100, mine.coverage * 100)} color="teal" />
              <Text size="xs" c="dimmed">
                {t('events.grid.mineDetail', { visited: mine.householdsVisited, households: mine.households, patrolled: mine.buildingsPatrolled, buildings: mine.buildings, reports: mine.reports, timely: mine.timelyReports, residents: mine.residentReports })}
              </Text>
            </>
          )}
          <Text size="xs" c="dimmed">{t('events.grid.openEvents', { count: g.openEvents })}</Text>
        </Stack>
      </Card>
      {done !== null && <Text size="sm" c="teal" data-testid="grid-done">✓ {done}</Text>}
      <ErrorAlert error={error} />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {g.buildings.map((b) => (
          <Card key={b.building} withBorder padding="sm" data-testid="building" data-building={b.building}>
            <Stack gap={6}>
              <Group justify="space-between">
                <Text fw={600}>{names.place(b.building, b.name)}</Text>
                <Text size="xs" c="dimmed">{t('events.grid.households', { count: b.households })}</Text>
              </Group>
              <Text size="xs" c="dimmed">
                {b.lastPatrolAt === null || b.lastPatrolAt === undefined ? t('events.grid.neverPatrolled') : t('events.grid.lastPatrol', { at: new Date(b.lastPatrolAt).toLocaleString() })}
              </Text>
              <Text size="xs" c="dimmed">{t('events.grid.visited', { visited: b.householdsVisited ?? 0, households: b.households })}</Text>
              <Progress size="sm" value={b.households === 0 ? 0 : Math.min(100, ((b.householdsVisited ?? 0) / b.households) * 100)} />
              <Button size="xs" variant="light" loading={busy === b.building} onClick={() => void patrol(b.building)} data-testid="patrol">{t('events.grid.patrol')}</Button>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
      <VisitForm g={g} onDone={(n, building) => { setDone(t('events.grid.visitRecorded', { count: n, place: names.place(building) })); onDone(); }} />
      <Title order={5}>{t('events.grid.eventsTitle')}</Title>
      {events.length === 0 && <Text size="sm" c="dimmed">{t('events.list.empty')}</Text>}
      {events.map((e) => <EventCard key={e.event} e={e} />)}
    </Stack>
  );
}

/** A household visit: the units' standard address codes (一标三实), which the node turns into household tokens. */
function VisitForm({ g, onDone }: { g: GridView; onDone: (households: number, building: string) => void }) {
  const { t } = useTranslation();
  const names = useNames();
  const cat = useCatalogue();
  const [building, setBuilding] = useState<string | null>(null);
  const [units, setUnits] = useState('');
  const [purpose, setPurpose] = useState<string | null>('routine');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const list = units.split(/[\s,，、;；]+/).map((u) => u.trim()).filter(Boolean);
  const submit = async () => {
    if (building === null || purpose === null) return;
    setBusy(true);
    setError(null);
    try {
      const body: VisitBody = { building, units: [...new Set(list)], purpose: purpose as VisitBody['purpose'] };
      const r = await post<GridWorkResult>(`/v1/events/grids/${g.grid}/visits`, body);
      setUnits('');
      onDone(r.households ?? list.length, building);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder data-testid="visit-form">
      <Stack gap="xs">
        <Title order={5}>{t('events.visit.title')}</Title>
        <Select label={t('events.visit.building')} value={building} onChange={setBuilding} data-testid="visit-building" comboboxProps={{ withinPortal: true }}
          data={g.buildings.map((b) => ({ value: b.building, label: names.place(b.building, b.name) }))} />
        <Textarea label={t('events.visit.units')} description={t('events.visit.unitsHint')} value={units} onChange={(e) => setUnits(e.currentTarget.value)} autosize minRows={2} data-testid="visit-units" />
        <Select label={t('events.visit.purpose')} value={purpose} onChange={setPurpose} allowDeselect={false} data-testid="visit-purpose" comboboxProps={{ withinPortal: true }}
          data={(cat?.visitPurposes ?? ['routine']).map((p) => ({ value: p, label: t(`events.visitPurpose.${p}`) }))} />
        <Button disabled={building === null || list.length === 0} loading={busy} onClick={() => void submit()} data-testid="visit-submit">{t('events.visit.submit', { count: list.length })}</Button>
        <ErrorAlert error={error} />
      </Stack>
    </Card>
  );
}
