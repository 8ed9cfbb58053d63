import { useCallback, useEffect, useState } from 'react';
import { Button, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { get } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import type { MyRequests } from '@machi/core';
import { RequestCard } from '../components/RequestCard';
import { useRepairEvents } from '../live';

export function MyRequestsPage() {
  const { t } = useTranslation();
  const [data, setData] = useState<MyRequests | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    get<MyRequests>('/v1/repairs/mine').then(setData, setError);
  }, []);
  useEffect(load, [load]);
  useRepairEvents(load, (e) => data === null || [...data.reported, ...data.following].some((r) => r.request === e.request));
  return (
    <Stack maw={900}>
      <Group justify="space-between">
        <Title order={3}>{t('mine.title')}</Title>
        <Button component={Link} href="/report" data-testid="new-report">{t('nav.report')}</Button>
      </Group>
      <ErrorAlert error={error} />
      {data !== null && data.reported.length === 0 && <Text c="dimmed">{t('mine.none')}</Text>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {data?.reported.map((r) => <RequestCard key={r.request} r={r} />)}
      </SimpleGrid>
      {data !== null && data.following.length > 0 && (
        <>
          <Title order={4}>{t('mine.following')}</Title>
          <SimpleGrid cols={{ base: 1, md: 2 }}>{data.following.map((r) => <RequestCard key={r.request} r={r} />)}</SimpleGrid>
        </>
      )}
    </Stack>
  );
}
