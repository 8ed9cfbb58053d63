/**
 * The overview's panels as charts (events by category, status and grid; SLA per department; repairs and alarms; fund
 * flows as a Sankey: budget → instructed → paid; data uses per purpose and alerts; property fee collection per month
 * and arrears per building). A click on a figure asks for the
 * records behind it. Shared by the desk overview and the wall screen (`big`).
 */
import { Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Count, OverviewView } from '@machi/core';
import { Chart, type ChartClick } from './Chart';
import { yuan } from '../api';

export type Figure = { panel: string; dim?: string; value?: string };
export const PANEL_IDS = ['events', 'eventsByGrid', 'sla', 'repairs', 'alarms', 'funds', 'privacy', 'property'] as const;
export type PanelId = (typeof PANEL_IDS)[number];

const bar = (items: readonly Count[], label: (k: string) => string, color: string, big: boolean) => ({
  tooltip: { trigger: 'axis' },
  grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
  xAxis: { type: 'value', minInterval: 1 },
  yAxis: { type: 'category', data: items.map((c) => label(c.key)).reverse(), axisLabel: { fontSize: big ? 18 : 11 } },
  series: [{ type: 'bar', data: items.map((c) => ({ value: c.n, key: c.key })).reverse(), itemStyle: { color }, barMaxWidth: 22 }],
});
const pie = (items: readonly Count[], label: (k: string) => string) => ({
  tooltip: { trigger: 'item' },
  legend: { bottom: 0, type: 'scroll' },
  series: [{ type: 'pie', radius: ['35%', '65%'], top: -20, data: items.map((c) => ({ name: label(c.key), value: c.n, key: c.key })), label: { formatter: '{b}: {c}' } }],
});

function Stat({ label, value, testId, onClick }: { label: string; value: number | string; testId?: string; onClick?: () => void }) {
  return (
    <Stack gap={0} align="center" onClick={onClick} style={onClick === undefined ? undefined : { cursor: 'pointer' }}>
      <Text size="xl" fw={700} data-testid={testId}>{value}</Text>
      <Text size="xs" c="dimmed">{label}</Text>
    </Stack>
  );
}

export function Panel({ id, view, onFigure, big = false }: { id: PanelId; view: OverviewView; onFigure: (f: Figure) => void; big?: boolean }) {
  const { t } = useTranslation();
  const p = view.panels;
  const h = big ? 520 : 260;
  const lbl = (ns: string) => (k: string) => t(`${ns}.${k}`, { defaultValue: k });
  const keyOf = (c: ChartClick) => ((c.data as { key?: string } | undefined)?.key ?? c.name);
  switch (id) {
    case 'events':
      return (
        <Card withBorder data-testid="panel-events">
          <Group justify="space-between"><Title order={big ? 2 : 5}>{t('dashboard.panel.events')}</Title><Text size="sm" c="dimmed" data-testid="events-total">{t('dashboard.eventsTotal', { total: p.events.total, open: p.events.open })}</Text></Group>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Chart testId="chart-events-category" big={big} height={h} option={bar(p.events.byCategory, lbl('events.category'), '#228be6', big)} onClick={(c) => onFigure({ panel: 'events', dim: 'category', value: keyOf(c) })} />
            <Chart testId="chart-events-status" big={big} height={h} option={pie(p.events.byStatus, lbl('events.status'))} onClick={(c) => onFigure({ panel: 'events', dim: 'status', value: keyOf(c) })} />
          </SimpleGrid>
        </Card>
      );
    case 'eventsByGrid':
      return (
        <Card withBorder data-testid="panel-grids">
          <Title order={big ? 2 : 5}>{t('dashboard.panel.grids')}</Title>
          <Chart testId="chart-events-grid" big={big} height={h} option={bar(p.events.byGrid, (k) => k, '#7950f2', big)} onClick={(c) => onFigure({ panel: 'events', dim: 'grid', value: keyOf(c) })} />
        </Card>
      );
    case 'sla': {
      const d = p.sla.byDepartment;
      return (
        <Card withBorder data-testid="panel-sla">
          <Title order={big ? 2 : 5}>{t('dashboard.panel.sla')}</Title>
          <Chart testId="chart-sla" big={big} height={h} onClick={(c) => onFigure({ panel: 'sla', dim: 'org', value: c.name })} option={{
            tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
            xAxis: { type: 'category', data: d.map((x) => x.org), axisLabel: { rotate: 20 } }, yAxis: { type: 'value', minInterval: 1 },
            series: [
              { name: t('dashboard.sla.met'), type: 'bar', stack: 's', data: d.map((x) => x.met), itemStyle: { color: '#12b886' } },
              { name: t('dashboard.sla.missed'), type: 'bar', stack: 's', data: d.map((x) => x.missed), itemStyle: { color: '#fa5252' } },
            ],
          }} />
          <Group gap="lg">{d.map((x) => <Text key={x.org} size="sm">{x.org}: {x.rate === null ? '—' : `${Math.round(x.rate * 100)}%`}</Text>)}</Group>
        </Card>
      );
    }
    case 'repairs':
    case 'alarms': {
      const v = id === 'repairs' ? { ...p.repairs, by: p.repairs.byCategory, dim: 'category', ns: 'category' } : { ...p.alarms, by: p.alarms.byClass, dim: 'class', ns: 'devices.class' };
      return (
        <Card withBorder data-testid={`panel-${id}`}>
          <Title order={big ? 2 : 5}>{t(`dashboard.panel.${id}`)}</Title>
          <Group justify="space-around" my="xs">
            <Stat label={t('dashboard.today')} value={v.today} testId={`${id}-today`} />
            <Stat label={t('dashboard.thisMonth')} value={v.month} />
            <Stat label={t('dashboard.open')} value={v.open} />
          </Group>
          <Chart testId={`chart-${id}`} big={big} height={big ? 420 : 200} option={pie(v.by, lbl(v.ns))} onClick={(c) => onFigure({ panel: id, dim: v.dim, value: keyOf(c) })} />
        </Card>
      );
    }
    case 'funds': {
      const nodes: { name: string }[] = [];
      const links: { source: string; target: string; value: number; programme: string; status?: string }[] = [];
      const paid = t('dashboard.funds.paid');
      const unpaid = t('dashboard.funds.notPaid');
      const unused = t('dashboard.funds.unused');
      for (const g of p.funds.programmes) {
        const budget = `${t('dashboard.funds.budget')} · ${g.programme}`;
        const instructed = `${t('dashboard.funds.instructed')} · ${g.programme}`;
        nodes.push({ name: budget }, { name: instructed });
        const b = Math.max(g.budgetFen, g.instructedFen) / 100;
        if (g.instructedFen > 0) links.push({ source: budget, target: instructed, value: g.instructedFen / 100, programme: g.programme });
        if (b - g.instructedFen / 100 > 0) links.push({ source: budget, target: unused, value: b - g.instructedFen / 100, programme: g.programme });
        if (g.paidFen > 0) links.push({ source: instructed, target: paid, value: g.paidFen / 100, programme: g.programme, status: 'paid' });
        if (g.instructedFen - g.paidFen > 0) links.push({ source: instructed, target: unpaid, value: (g.instructedFen - g.paidFen) / 100, programme: g.programme });
      }
      for (const n of [paid, unpaid, unused]) if (links.some((l) => l.target === n)) nodes.push({ name: n });
      return (
        <Card withBorder data-testid="panel-funds">
          <Title order={big ? 2 : 5}>{t('dashboard.panel.funds')}</Title>
          <Chart testId="chart-funds" big={big} height={big ? 520 : 300} onClick={(c) => {
            const l = c.data as { programme?: string; status?: string } | undefined;
            if (l?.programme !== undefined) onFigure({ panel: 'funds', dim: l.status === undefined ? 'programme' : 'status', value: l.status ?? l.programme });
          }} option={{
            tooltip: { trigger: 'item', valueFormatter: (v: number) => `¥${yuan(v * 100)}` },
            series: [{ type: 'sankey', data: nodes, links, emphasis: { focus: 'adjacency' }, lineStyle: { color: 'gradient', curveness: 0.5 }, label: { fontSize: big ? 18 : 11 } }],
          }} />
        </Card>
      );
    }
    case 'privacy':
      return (
        <Card withBorder data-testid="panel-privacy">
          <Group justify="space-between"><Title order={big ? 2 : 5}>{t('dashboard.panel.privacy')}</Title><Text size="sm" c="dimmed">{t('dashboard.privacyTotal', { total: p.privacy.total, denied: p.privacy.denied })}</Text></Group>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Chart testId="chart-privacy-purpose" big={big} height={h} option={pie(p.privacy.byPurpose, lbl('purpose'))} onClick={(c) => onFigure({ panel: 'privacy', dim: 'purpose', value: keyOf(c) })} />
            <Chart testId="chart-privacy-alerts" big={big} height={h} option={bar(p.privacy.alertsByRule, lbl('rule'), '#fd7e14', big)} onClick={(c) => onFigure({ panel: 'privacy', dim: 'alert', value: keyOf(c) })} />
          </SimpleGrid>
        </Card>
      );
    case 'property': {
      const f = p.property;
      const pct = (r: number | null): string => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`);
      const months = f.byMonth;
      const arrears = f.byBuilding.filter((b) => b.arrearsFen > 0);
      return (
        <Card withBorder data-testid="panel-property">
          <Title order={big ? 2 : 5}>{t('dashboard.panel.property')}</Title>
          <Group justify="space-around" my="xs">
            <Stat label={t('dashboard.property.billed')} value={`¥${yuan(f.billedFen)}`} testId="property-billed" />
            <Stat label={t('dashboard.property.paid')} value={`¥${yuan(f.paidFen)}`} />
            <Stat label={t('dashboard.property.rate')} value={pct(f.rate)} testId="property-rate" />
            <Stat label={t('dashboard.property.arrears')} value={`¥${yuan(f.arrearsFen)}`} testId="property-arrears" onClick={() => onFigure({ panel: 'property', dim: 'arrears', value: 'true' })} />
            <Stat label={t('dashboard.property.units')} value={f.unitsInArrears} onClick={() => onFigure({ panel: 'property', dim: 'arrears', value: 'true' })} />
            {f.dunning.map((d) => <Stat key={d.key} label={t(`dashboard.property.dunning.${d.key}`, { defaultValue: d.key })} value={d.n} onClick={() => onFigure({ panel: 'property', dim: 'dunning', value: d.key })} />)}
          </Group>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Chart testId="chart-property-months" big={big} height={h} onClick={(c) => onFigure({ panel: 'property', dim: 'period', value: c.name })} option={{
              tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
              xAxis: { type: 'category', data: months.map((m) => m.period) },
              yAxis: [{ type: 'value', name: '¥' }, { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } }],
              series: [
                { name: t('dashboard.property.billed'), type: 'bar', data: months.map((m) => m.billedFen / 100), itemStyle: { color: '#74c0fc' } },
                { name: t('dashboard.property.paid'), type: 'bar', data: months.map((m) => m.paidFen / 100), itemStyle: { color: '#12b886' } },
                { name: t('dashboard.property.arrears'), type: 'bar', data: months.map((m) => m.arrearsFen / 100), itemStyle: { color: '#fa5252' } },
                { name: t('dashboard.property.rate'), type: 'line', yAxisIndex: 1, data: months.map((m) => (m.rate === null ? null : Math.round(m.rate * 1000) / 10)), itemStyle: { color: '#f59f00' } },
              ],
            }} />
            <Chart testId="chart-property-buildings" big={big} height={h} onClick={(c) => onFigure({ panel: 'property', dim: 'arrearsBuilding', value: keyOf(c) })} option={{
              tooltip: { trigger: 'axis', valueFormatter: (v: number) => `¥${v.toLocaleString()}` },
              title: { text: t('dashboard.property.byBuilding'), left: 0, top: 0, textStyle: { fontSize: big ? 18 : 12, fontWeight: 'normal' } },
              grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
              xAxis: { type: 'value' },
              yAxis: { type: 'category', data: arrears.map((b) => b.building).reverse(), axisLabel: { fontSize: big ? 18 : 11 } },
              series: [{ type: 'bar', data: arrears.map((b) => ({ value: b.arrearsFen / 100, key: b.building })).reverse(), itemStyle: { color: '#fa5252' }, barMaxWidth: 22 }],
            }} />
          </SimpleGrid>
        </Card>
      );
    }
  }
}
