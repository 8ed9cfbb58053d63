/**
 * A department's contribution and timeliness as the ledger shows it (departmentMetrics at the node's clock), and a
 * chart of every department's record (Apache ECharts, loaded with the page that shows it).
 */
import { useEffect, useRef } from 'react';
import { Badge, Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { DepartmentRecordView } from '@machi/core';
import { useNames } from './bits';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const FONT = 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans", "Noto Sans CJK SC", "Noto Sans JP", sans-serif';

const pct = (n: number, of: number): string => (of === 0 ? '—' : `${Math.round((n / of) * 100)}%`);

/** One department's figures. */
export function RecordCard({ r }: { r: DepartmentRecordView }) {
  const { t } = useTranslation();
  const names = useNames();
  const figure = (label: string, value: string | number, colour?: string, testId?: string) => (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={700} c={colour} data-testid={testId}>{value}</Text>
    </Stack>
  );
  return (
    <Card withBorder data-testid="record" data-org={r.org}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>{names.org(r.org, r.orgName)}</Text>
          <Group gap={4}>
            {r.departments.map((d) => <Badge key={d} variant="light" size="sm">{t(`events.department.${d}`)}</Badge>)}
            <Badge variant="outline" size="sm" color={r.validator ? 'teal' : 'gray'}>{r.validator ? t('events.record.validator') : r.hosted ? t('events.record.hostedHere') : t('events.record.member')}</Badge>
          </Group>
        </Group>
        <SimpleGrid cols={{ base: 2, sm: 4, lg: 8 }}>
          {figure(t('events.record.assigned'), r.assigned, undefined, 'record-assigned')}
          {figure(t('events.record.handled'), r.handled, undefined, 'record-handled')}
          {figure(t('events.record.onTime'), pct(r.handledOnTime, r.handled))}
          {figure(t('events.record.overdue'), r.overdue, r.overdue > 0 ? 'red' : undefined)}
          {figure(t('events.record.ackOnTime'), `${r.acknowledgedOnTime}/${r.acknowledgementsDue}`)}
          {figure(t('events.record.ackMissed'), r.acknowledgementsMissed, r.acknowledgementsMissed > 0 ? 'red' : undefined, 'record-ack-missed')}
          {figure(t('events.record.sentBack'), r.sentBack)}
          {figure(t('events.record.flags'), `${r.flagsRaised} / ${r.flagsReceived} / ${r.flagsAnswered}`)}
          {figure(t('events.record.help'), `${r.helpRequested} / ${r.helpGiven}`)}
          {figure(t('events.record.escalated'), r.escalated, r.escalated > 0 ? 'red' : undefined)}
        </SimpleGrid>
        {r.imported.assigned > 0 && (
          <Text size="xs" c="dimmed" data-testid="record-imported">
            {t('events.record.imported', { assigned: r.imported.assigned, handled: r.imported.handled, onTime: r.imported.handledOnTime, sentBack: r.imported.sentBack })}
          </Text>
        )}
      </Stack>
    </Card>
  );
}

/** Every department side by side: handling (on time, late, overdue now) and acknowledgements (on time, missed). */
export function RecordsChart({ records }: { records: readonly DepartmentRecordView[] }) {
  const { t, i18n } = useTranslation();
  const names = useNames();
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (el.current === null) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    const orgs = records.map((r) => names.org(r.org, r.orgName));
    const series = (name: string, stack: string, color: string, data: number[]) => ({ name, type: 'bar' as const, stack, data, itemStyle: { color }, barMaxWidth: 22, emphasis: { focus: 'series' as const } });
    chart.setOption({
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: orgs, inverse: true },
      series: [
        series(t('events.chart.handledOnTime'), 'handling', '#12b886', records.map((r) => r.handledOnTime)),
        series(t('events.chart.handledLate'), 'handling', '#fab005', records.map((r) => r.handled - r.handledOnTime)),
        series(t('events.chart.overdue'), 'handling', '#fa5252', records.map((r) => r.overdue)),
        series(t('events.chart.ackOnTime'), 'ack', '#228be6', records.map((r) => r.acknowledgedOnTime)),
        series(t('events.chart.ackMissed'), 'ack', '#c92a2a', records.map((r) => r.acknowledgementsMissed)),
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [records, i18n.language]);
  return <div ref={el} style={{ width: '100%', height: Math.max(220, 60 + records.length * 56) }} data-testid="records-chart" />;
}
