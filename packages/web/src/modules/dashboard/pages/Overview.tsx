/** Community overview: every panel for a time range, grid and department; a click on a figure lists its records with proofs. */
import { useCallback, useEffect, useState } from 'react';
import { Button, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { MapView, OverviewView, RecordsView } from '@machi/core';
import { get } from '../../../api';
import { Tabs } from '../components/Tabs';
import { ErrorAlert } from '../../../components/common';
import { download, followHeights, qs, type Filter } from '../api';
import { Panel, type Figure } from '../components/Panels';
import { RecordsDrawer } from '../components/Records';

const DAY = 86_400_000;
const isoDay = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const fromIso = (s: string, end: boolean): number => Date.parse(`${s}T00:00:00+08:00`) + (end ? DAY - 1 : 0);

export function useDashboard(): { filter: Filter; setFilter: (f: Filter) => void; view: OverviewView | null; error: unknown } {
  const [filter, setFilter] = useState<Filter>(() => ({ from: fromIso(isoDay(Date.now() - 365 * DAY), false), to: fromIso(isoDay(Date.now()), true) }));
  const [view, setView] = useState<OverviewView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => get<OverviewView>(`/v1/dashboard/overview${qs(filter)}`).then((v) => { setView(v); setError(null); }, setError), [filter]);
  useEffect(() => {
    void load();
    const ctl = new AbortController();
    void followHeights(() => void load(), () => {}, ctl.signal);
    return () => ctl.abort();
  }, [load]);
  return { filter, setFilter, view, error };
}

export function OverviewPage() {
  const { t } = useTranslation();
  const { filter, setFilter, view, error } = useDashboard();
  const [grids, setGrids] = useState<string[]>([]);
  const [orgs, setOrgs] = useState<string[]>([]);
  const [records, setRecords] = useState<RecordsView | null>(null);
  const [recError, setRecError] = useState<unknown>(null);
  const [figure, setFigure] = useState<Figure | null>(null);
  useEffect(() => {
    get<MapView>('/v1/dashboard/map').then((m) => setGrids(m.grids.map((g) => g.grid)), () => {});
    get<{ orgs: { id: string }[] }>('/v1/genesis').then((g) => setOrgs(g.orgs.map((o) => o.id)), () => {});
  }, []);
  const onFigure = (f: Figure) => {
    setRecError(null);
    setFigure(f);
    get<RecordsView>(`/v1/dashboard/records${qs({ ...filter, panel: f.panel, dim: f.dim, value: f.value })}`).then(setRecords, setRecError);
  };
  return (
    <Stack>
      <Tabs />
      <Group justify="space-between">
        <Title order={3}>{t('dashboard.overview.title')}</Title>
        <Text size="sm" c="dimmed" data-testid="height">{view === null ? '' : t('dashboard.height', { height: view.height })}</Text>
      </Group>
      <Group align="end" data-testid="filters">
        <TextInput type="date" label={t('dashboard.filter.from')} data-testid="filter-from" value={filter.from === undefined ? '' : isoDay(filter.from)} onChange={(e) => e.currentTarget.value !== '' && setFilter({ ...filter, from: fromIso(e.currentTarget.value, false) })} />
        <TextInput type="date" label={t('dashboard.filter.to')} data-testid="filter-to" value={filter.to === undefined ? '' : isoDay(filter.to)} onChange={(e) => e.currentTarget.value !== '' && setFilter({ ...filter, to: fromIso(e.currentTarget.value, true) })} />
        <Select label={t('dashboard.filter.grid')} data-testid="filter-grid" clearable placeholder={t('dashboard.filter.all')} data={grids} value={filter.grid ?? null} onChange={(v) => setFilter({ ...filter, grid: v ?? undefined })} />
        <Select label={t('dashboard.filter.department')} data-testid="filter-department" clearable placeholder={t('dashboard.filter.all')} data={orgs} value={filter.department ?? null} onChange={(v) => setFilter({ ...filter, department: v ?? undefined })} />
        <Button variant="default" data-testid="export-csv" onClick={() => void download({ ...filter, panel: 'overview', format: 'csv' })}>{t('dashboard.export.csv')}</Button>
        <Button variant="default" data-testid="export-xlsx" onClick={() => void download({ ...filter, panel: 'overview', format: 'xlsx' })}>{t('dashboard.export.xlsx')}</Button>
      </Group>
      <ErrorAlert error={error} />
      {view !== null && (
        <>
          <Panel id="events" view={view} onFigure={onFigure} />
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <Panel id="eventsByGrid" view={view} onFigure={onFigure} />
            <Panel id="sla" view={view} onFigure={onFigure} />
            <Panel id="repairs" view={view} onFigure={onFigure} />
            <Panel id="alarms" view={view} onFigure={onFigure} />
          </SimpleGrid>
          <Panel id="funds" view={view} onFigure={onFigure} />
          <Panel id="privacy" view={view} onFigure={onFigure} />
          <Panel id="property" view={view} onFigure={onFigure} />
        </>
      )}
      <RecordsDrawer view={records} error={recError} exportParams={figure === null ? undefined : { ...filter, panel: figure.panel, dim: figure.dim, value: figure.value }} onClose={() => { setRecords(null); setRecError(null); }} />
    </Stack>
  );
}
