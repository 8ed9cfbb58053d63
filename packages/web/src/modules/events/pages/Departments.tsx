/**
 * Every department's record from the ledger — contribution and timeliness computed by the core from the signed steps,
 * not self-reported — as a chart and as figures; and each grid worker's patrol coverage and reporting.
 */
import { useEffect, useState } from 'react';
import { Card, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { DepartmentRecordList, GridRecordView } from '@machi/core';
import { get } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { RecordCard, RecordsChart } from '../components/Record';
import { useCatalogue, useNames } from '../components/bits';

export function DepartmentsPage() {
  const { t } = useTranslation();
  const [list, setList] = useState<DepartmentRecordList | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<DepartmentRecordList>('/v1/events/departments').then(setList, setError);
  }, []);
  return (
    <Stack>
      <Title order={3}>{t('events.records.title')}</Title>
      <Text size="sm" c="dimmed">{t('events.records.how')}</Text>
      <ErrorAlert error={error} />
      {list !== null && list.departments.length > 0 && (
        <Card withBorder><RecordsChart records={list.departments} /></Card>
      )}
      {list?.departments.map((r) => <RecordCard key={r.org} r={r} />)}
      <GridWorkers />
    </Stack>
  );
}

/** Every grid's workers over the last 30 days: households visited ÷ households in the grid, buildings patrolled, reports. */
function GridWorkers() {
  const { t } = useTranslation();
  const names = useNames();
  const cat = useCatalogue();
  const [records, setRecords] = useState<GridRecordView[]>([]);
  useEffect(() => {
    if (cat === null) return;
    Promise.all(cat.grids.map((g) => get<GridRecordView>(`/v1/events/grids/${g.grid}/record`).catch(() => null))).then((r) => setRecords(r.filter((x): x is GridRecordView => x !== null)), () => {});
  }, [cat]);
  if (records.length === 0) return null;
  return (
    <Card withBorder data-testid="grid-records">
      <Title order={4} mb="xs">{t('events.records.gridWorkers')}</Title>
      <Table.ScrollContainer minWidth={640}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('events.report.grid')}</Table.Th><Table.Th>{t('events.records.worker')}</Table.Th><Table.Th w={200}>{t('events.grid.coverage')}</Table.Th>
              <Table.Th>{t('events.records.patrolled')}</Table.Th><Table.Th>{t('events.records.reports')}</Table.Th><Table.Th>{t('events.records.residentReports')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {records.flatMap((g) => g.workers.map((w) => (
              <Table.Tr key={`${g.grid}/${w.worker}`} data-testid="grid-worker-record">
                <Table.Td>{names.grid(g.grid)}</Table.Td>
                <Table.Td>{w.displayName ?? w.username ?? `${w.worker.slice(0, 8)}…`}</Table.Td>
                <Table.Td>
                  <Text size="sm">{(w.coverage * 100).toFixed(1)}% · {w.householdsVisited}/{w.households}</Text>
                  <Progress size="sm" value={Math.min(100, w.coverage * 100)} />
                </Table.Td>
                <Table.Td>{w.buildingsPatrolled}/{w.buildings}</Table.Td>
                <Table.Td>{t('events.records.reportsDetail', { reports: w.reports, timely: w.timelyReports })}</Table.Td>
                <Table.Td>{w.residentReports}</Table.Td>
              </Table.Tr>
            )))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}
