/**
 * A department's inbox (police, urban management, … staff): open events where its part is not handled, each with its
 * timers and the next step (acknowledge, accept; handling and the rest on the event's page), and the department's own
 * record from the ledger.
 */
import { useCallback, useEffect, useState } from 'react';
import { Button, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { DepartmentRecordView, EventActResult, EventList, EventSummary } from '@machi/core';
import { get, post } from '../../../api';
import { useLiveEvents } from '../api';
import { ErrorAlert } from '../../../components/common';
import { useSession } from '../../../session';
import { EventCard } from '../components/EventCard';
import { RecordCard } from '../components/Record';
import { useNames } from '../components/bits';

export function InboxPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const names = useNames();
  const [events, setEvents] = useState<EventSummary[] | null>(null);
  const [record, setRecord] = useState<DepartmentRecordView | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    get<EventList>('/v1/events/inbox').then((l) => setEvents(l.events), setError);
    get<DepartmentRecordView>(`/v1/events/departments/${user.org}/record`).then(setRecord, () => {});
  }, [user.org]);
  useEffect(load, [load]);
  useLiveEvents(load);
  const act = async (event: string, action: 'acknowledge' | 'accept') => {
    setBusy(event + action);
    setError(null);
    try {
      await post<EventActResult>(`/v1/events/${event}/${action}`);
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>{t('events.inbox.title', { org: names.org(user.org) })}</Title>
        <Button component={Link} href="/events/departments" variant="subtle" size="xs">{t('events.inbox.allRecords')}</Button>
      </Group>
      {record !== null && <RecordCard r={record} />}
      <ErrorAlert error={error} />
      {events !== null && events.length === 0 && <Text c="dimmed" data-testid="inbox-empty">{t('events.inbox.empty')}</Text>}
      <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} data-testid="inbox">
        {events?.map((e) => {
          const s = e.myPart?.status;
          return (
            <EventCard key={e.event} e={e}>
              <Group gap="xs">
                {s === 'assigned' && <Button size="xs" variant="light" loading={busy === e.event + 'acknowledge'} onClick={() => void act(e.event, 'acknowledge')} data-testid="inbox-acknowledge">{t('events.do.acknowledge')}</Button>}
                {(s === 'assigned' || s === 'acknowledged') && <Button size="xs" loading={busy === e.event + 'accept'} onClick={() => void act(e.event, 'accept')} data-testid="inbox-accept">{t('events.do.accept')}</Button>}
                <Button size="xs" variant="subtle" component={Link} href={`/event/${e.event}`} data-testid="inbox-open">{t('events.inbox.open')}</Button>
              </Group>
            </EventCard>
          );
        })}
      </SimpleGrid>
    </Stack>
  );
}
