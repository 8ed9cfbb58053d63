/**
 * Every department's record from the ledger — contribution and timeliness computed by the core from the signed steps,
 * not self-reported — as a chart and as figures.
 */
import { useEffect, useState } from 'react';
import { Card, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { DepartmentRecordList } from '@machi/core';
import { get } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { RecordCard, RecordsChart } from '../components/Record';

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
    </Stack>
  );
}
