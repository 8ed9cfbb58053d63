/**
 * Analytics: explainable alerts — events per grid × category and data accesses per accessor against the windows
 * before (the weekly season), unusual payments against their programme's median — each with its baseline, the
 * observed value, the threshold and the records behind it (proofs verified here). Export to CSV or Excel.
 */
import { useEffect, useState } from 'react';
import { Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AnalyticsView } from '@machi/core';
import { get } from '../../../api';
import { Tabs } from '../components/Tabs';
import { ErrorAlert } from '../../../components/common';
import { download } from '../api';
import { Chart } from '../components/Chart';
import { RecordTable } from '../components/Records';

export function AnalyticsPage() {
  const { t } = useTranslation();
  const [view, setView] = useState<AnalyticsView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [shown, setShown] = useState<number | null>(null);
  useEffect(() => {
    get<AnalyticsView>('/v1/dashboard/analytics').then(setView, setError);
  }, []);
  return (
    <Stack>
      <Tabs />
      <Group justify="space-between">
        <Title order={3}>{t('dashboard.analytics.title')}</Title>
        <Group>
          <Button variant="default" data-testid="analytics-csv" onClick={() => void download({ panel: 'analytics', format: 'csv' })}>{t('dashboard.export.csv')}</Button>
          <Button variant="default" data-testid="analytics-xlsx" onClick={() => void download({ panel: 'analytics', format: 'xlsx' })}>{t('dashboard.export.xlsx')}</Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">{view === null ? '' : t('dashboard.analytics.method', { days: view.windowDays, windows: view.baselineWindows })}</Text>
      <ErrorAlert error={error} />
      {view !== null && view.alerts.length === 0 && <Text data-testid="analytics-none">{t('dashboard.analytics.none')}</Text>}
      {view?.alerts.map((a, i) => (
        <Card withBorder key={`${a.kind}/${a.subject}`} data-testid="analytics-alert">
          <Group justify="space-between">
            <Group gap="xs"><Badge color="orange">{t(`dashboard.analytics.kind.${a.kind}`)}</Badge><Text fw={600} ff="monospace" size="sm">{a.subject}</Text></Group>
            <Button size="xs" variant="light" data-testid="analytics-records" onClick={() => setShown(shown === i ? null : i)}>{t('dashboard.analytics.records', { n: a.records.length })}</Button>
          </Group>
          <Text size="sm" mt="xs" data-testid="analytics-explain">{t(a.explain, { observed: a.observed, mean: a.baseline.mean, sd: a.baseline.sd, threshold: a.threshold, days: view.windowDays, windows: a.baseline.windows.length })}</Text>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            {a.baseline.windows.length > 0 && (
              <Chart testId="chart-baseline" height={180} option={{
                tooltip: { trigger: 'axis' }, grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
                xAxis: { type: 'category', data: [...a.baseline.windows.map((_, j) => `-${a.baseline.windows.length - j}`), t('dashboard.analytics.observed')] },
                yAxis: { type: 'value', minInterval: 1 },
                series: [{ type: 'bar', data: [...a.baseline.windows.map((v) => ({ value: v, itemStyle: { color: '#adb5bd' } })), { value: a.observed, itemStyle: { color: '#fa5252' } }], markLine: { symbol: 'none', data: [{ yAxis: a.threshold, name: t('dashboard.analytics.threshold') }], lineStyle: { color: '#fd7e14', type: 'dashed' } } }],
              }} />
            )}
          </SimpleGrid>
          {shown === i && <RecordTable records={a.records} />}
        </Card>
      ))}
    </Stack>
  );
}
