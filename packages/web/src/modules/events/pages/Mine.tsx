/** My reports (grid workers and residents) with their status, and the events I follow. */
import { useEffect, useState } from 'react';
import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { MyEvents } from '@machi/core';
import { get } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { EventCard } from '../components/EventCard';

export function MinePage() {
  const { t } = useTranslation();
  const [mine, setMine] = useState<MyEvents | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<MyEvents>('/v1/events/mine').then(setMine, setError);
  }, []);
  return (
    <Stack maw={720}>
      <Group justify="space-between">
        <Title order={3}>{t('events.mine.title')}</Title>
        <Button component={Link} href="/events/report" data-testid="new-event">{t('events.report.new')}</Button>
      </Group>
      <ErrorAlert error={error} />
      {mine !== null && mine.reported.length === 0 && <Text c="dimmed">{t('events.list.empty')}</Text>}
      <Stack data-testid="my-reports">{mine?.reported.map((e) => <EventCard key={e.event} e={e} />)}</Stack>
      {mine !== null && mine.following.length > 0 && (
        <>
          <Title order={4}>{t('events.mine.following')}</Title>
          <Stack data-testid="following">{mine.following.map((e) => <EventCard key={e.event} e={e} />)}</Stack>
        </>
      )}
    </Stack>
  );
}
