/**
 * Grid map: a schematic of the community drawn from the register (the events module's grids and their buildings, the
 * addresses module's names) — no map tiles. Each building is coloured by its open events, alarms or repairs, or by its
 * units in fee arrears (property bills past due, unpaid); a click lists the records with their proofs.
 */
import { useEffect, useState } from 'react';
import { Card, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DASHBOARD_DAY_MS, DASHBOARD_RANGE_DAYS_MAX, type MapView, type RecordsView } from '@machi/core';
import { get } from '../../../api';
import { Tabs } from '../components/Tabs';
import { ErrorAlert } from '../../../components/common';
import { followHeights, qs, yuan } from '../api';
import { RecordsDrawer } from '../components/Records';

type Measure = 'openEvents' | 'openAlarms' | 'openRepairs' | 'unitsInArrears';
const MEASURES = ['openEvents', 'openAlarms', 'openRepairs', 'unitsInArrears'] as const;
const PANEL: Record<Measure, string> = { openEvents: 'events', openAlarms: 'alarms', openRepairs: 'repairs', unitsInArrears: 'property' };
/** the click-through's dimension: the building's records, or (arrears) its bills in arrears */
const DIM: Record<Measure, string> = { openEvents: 'building', openAlarms: 'building', openRepairs: 'building', unitsInArrears: 'arrearsBuilding' };
const CELL = 54;
const GAP = 8;
const COLS = 4;

const colour = (n: number): string => (n === 0 ? '#d3f9d8' : n === 1 ? '#ffec99' : n <= 3 ? '#ffa94d' : '#fa5252');

export function GridMapPage() {
  const { t } = useTranslation();
  const [map, setMap] = useState<MapView | null>(null);
  const [measure, setMeasure] = useState<Measure>('openEvents');
  const [error, setError] = useState<unknown>(null);
  const [records, setRecords] = useState<RecordsView | null>(null);
  useEffect(() => {
    const load = () => get<MapView>('/v1/dashboard/map').then(setMap, setError);
    void load();
    const ctl = new AbortController();
    void followHeights(() => void load(), () => {}, ctl.signal);
    return () => ctl.abort();
  }, []);
  // the longest range a query may span (from 0 was refused as DASHBOARD_RANGE_INVALID)
  const open = (building: string, now = Date.now()) =>
    get<RecordsView>(`/v1/dashboard/records${qs({ panel: PANEL[measure], dim: DIM[measure], value: building, from: now - DASHBOARD_RANGE_DAYS_MAX * DASHBOARD_DAY_MS, to: now })}`).then(setRecords, setError);
  // grids side by side, each a block of its buildings
  let x = 0;
  const blocks = (map?.grids ?? []).map((g) => {
    const cols = Math.min(COLS, Math.max(1, g.buildings.length));
    const rows = Math.ceil(g.buildings.length / cols);
    const w = cols * (CELL + GAP) + GAP;
    const h = rows * (CELL + GAP) + GAP + 28;
    const at = x;
    x += w + 24;
    return { g, at, w, h, cols };
  });
  const height = Math.max(120, ...blocks.map((b) => b.h)) + 16;
  return (
    <Stack>
      <Tabs />
      <Group justify="space-between">
        <Title order={3}>{t('dashboard.map.title')}</Title>
        <SegmentedControl data-testid="map-measure" value={measure} onChange={(v) => setMeasure(v as Measure)} data={MEASURES.map((m) => ({ value: m, label: t(`dashboard.map.${m}`) }))} />
      </Group>
      <ErrorAlert error={error} />
      <Card withBorder>
        <svg width="100%" style={{ maxWidth: Math.max(x, 300) * 1.4 }} viewBox={`0 0 ${Math.max(x, 300)} ${height}`} data-testid="grid-map" role="img" aria-label={t('dashboard.map.title')}>
          {blocks.map(({ g, at, w, h, cols }) => (
            <g key={g.grid} transform={`translate(${at},8)`} data-testid="map-grid">
              <rect width={w} height={h} rx={10} fill="#f1f3f5" stroke="#adb5bd" />
              <text x={GAP} y={20} fontSize={14} fontWeight={600}>{g.grid}</text>
              {g.buildings.map((b, i) => (
                <g key={b.building} transform={`translate(${GAP + (i % cols) * (CELL + GAP)},${28 + Math.floor(i / cols) * (CELL + GAP)})`} style={{ cursor: 'pointer' }}
                  onClick={() => void open(b.building)} data-testid="map-building" data-building={b.building} data-count={b[measure]}>
                  <title>{`${b.name} (${b.building}): ${t(`dashboard.map.${measure}`)} ${b[measure]}${measure === 'unitsInArrears' ? ` (¥${yuan(b.arrearsFen)})` : ''}, ${t('dashboard.map.households', { n: b.households })}`}</title>
                  <rect width={CELL} height={CELL} rx={6} fill={colour(b[measure])} stroke="#495057" />
                  <text x={CELL / 2} y={CELL / 2 - 2} fontSize={10} textAnchor="middle">{b.name.slice(0, 8)}</text>
                  <text x={CELL / 2} y={CELL / 2 + 14} fontSize={14} fontWeight={700} textAnchor="middle">{b[measure]}</text>
                </g>
              ))}
            </g>
          ))}
        </svg>
        <Group gap="md" mt="xs">
          {[0, 1, 2, 4].map((n) => <Group key={n} gap={4}><svg width={14} height={14}><rect width={14} height={14} fill={colour(n)} /></svg><Text size="xs">{n === 4 ? '4+' : n === 2 ? '2–3' : n}</Text></Group>)}
        </Group>
      </Card>
      <RecordsDrawer view={records} error={null} onClose={() => setRecords(null)} />
    </Stack>
  );
}
