/**
 * The street office command centre's board (a desk): every open event with its departments and their timers — the
 * acknowledgement due on a major event, the handling deadline — overdue and missed acknowledgements highlighted,
 * major events marked, those waiting for triage first in the filter. Each row opens the event (triage, dispatch,
 * check and close, send back). Cards on a phone.
 */
import { useCallback, useEffect, useState } from 'react';
import { Badge, Group, Pagination, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { EVENTS_PAGE_DEFAULT, type EventBoard, type EventSummary } from '@machi/core';
import { get } from '../../../api';
import { useLiveEvents } from '../api';
import { ErrorAlert } from '../../../components/common';
import { EventCard } from '../components/EventCard';
import { MajorBadge, PartTimer, SeverityBadge, StatusBadge, useNames } from '../components/bits';

const FILTERS = {
  all: '',
  triage: 'status=reported',
  major: 'major=true',
  late: 'overdue=true',
  handled: 'status=handled',
} as const;
type Filter = keyof typeof FILTERS;

export function BoardPage() {
  const { t } = useTranslation();
  const names = useNames();
  const desk = useMediaQuery('(min-width: 62em)', true);
  const [filter, setFilter] = useState<Filter>('all');
  const [page, setPage] = useState(1);
  const [board, setBoard] = useState<EventBoard | null>(null);
  const [counts, setCounts] = useState<{ late: number; major: number; triage: number } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    const q = [FILTERS[filter], `offset=${(page - 1) * EVENTS_PAGE_DEFAULT}`, `limit=${EVENTS_PAGE_DEFAULT}`].filter(Boolean).join('&');
    get<EventBoard>(`/v1/events/board?${q}`).then(setBoard, setError);
    Promise.all(['overdue=true', 'major=true', 'status=reported'].map((f) => get<EventBoard>(`/v1/events/board?${f}&limit=1`))).then(
      ([late, major, triage]) => setCounts({ late: late!.total, major: major!.total, triage: triage!.total }),
      () => {},
    );
  }, [filter, page]);
  useEffect(load, [load]);
  useLiveEvents(load);

  const rows = board?.events ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>{t('events.board.title')}</Title>
        <Group gap="xs">
          {counts !== null && counts.late > 0 && <Badge color="red" size="lg" data-testid="late-count">{t('events.board.late', { count: counts.late })}</Badge>}
          {counts !== null && counts.major > 0 && <Badge color="red" variant="outline" size="lg" data-testid="major-count">{t('events.board.majors', { count: counts.major })}</Badge>}
          {counts !== null && counts.triage > 0 && <Badge color="gray" size="lg">{t('events.board.toTriage', { count: counts.triage })}</Badge>}
        </Group>
      </Group>
      <SegmentedControl value={filter} onChange={(v) => { setFilter(v as Filter); setPage(1); }} data-testid="board-filter" w="fit-content"
        data={(Object.keys(FILTERS) as Filter[]).map((f) => ({ value: f, label: t(`events.board.filter.${f}`) }))} />
      <ErrorAlert error={error} />
      {board !== null && rows.length === 0 && <Text c="dimmed">{t('events.board.empty')}</Text>}
      {desk ? (
        <Table striped highlightOnHover withTableBorder data-testid="board">
          <Table.Thead>
            <Table.Tr>
              <Table.Th miw={180}>{t('events.field.category')}</Table.Th><Table.Th>{t('events.field.place')}</Table.Th><Table.Th w={110}>{t('events.field.severity')}</Table.Th>
              <Table.Th miw={170}>{t('events.field.status')}</Table.Th><Table.Th>{t('events.field.departments')}</Table.Th><Table.Th w={120}>{t('events.field.reported')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((e) => <Row key={e.event} e={e} names={names} />)}
          </Table.Tbody>
        </Table>
      ) : (
        <Stack>{rows.map((e) => <EventCard key={e.event} e={e} />)}</Stack>
      )}
      {board !== null && board.total > board.limit && (
        <Pagination total={Math.ceil(board.total / board.limit)} value={page} onChange={setPage} />
      )}
    </Stack>
  );
}

function Row({ e, names }: { e: EventSummary; names: ReturnType<typeof useNames> }) {
  const { t } = useTranslation();
  const late = e.overdue || e.ackMissed;
  return (
    <Table.Tr bg={late ? 'red.0' : undefined} data-testid="board-row" data-event={e.event} data-overdue={e.overdue} data-ack-missed={e.ackMissed} data-major={e.major}>
      <Table.Td>
        <Stack gap={4} align="flex-start">
          <Text component={Link} href={`/event/${e.event}`} c="teal.9" fw={600} data-testid="event-link">{t(`events.category.${e.category}`)}</Text>
          <MajorBadge major={e.major} />
          {e.openFlags > 0 && <Badge color="violet" size="xs" tt="none">{t('events.flags.open', { count: e.openFlags })}</Badge>}
        </Stack>
      </Table.Td>
      <Table.Td><Text size="sm">{names.grid(e.grid)} · {names.place(e.location.code)}</Text></Table.Td>
      <Table.Td><SeverityBadge severity={e.severity} /></Table.Td>
      <Table.Td><StatusBadge status={e.status} /></Table.Td>
      <Table.Td>
        <Stack gap={2}>
          {e.parts.length === 0 && <Text size="xs" c="dimmed">—</Text>}
          {e.parts.map((p) => (
            <Group key={p.org} gap={6} wrap="nowrap" data-testid="board-part" data-org={p.org}>
              <Text size="xs" fw={600} w={170} truncate title={names.org(p.org, p.orgName)}>{names.org(p.org, p.orgName)}</Text>
              <Text size="xs" c="dimmed" w={95}>{t(`events.partStatus.${p.status}`)}</Text>
              <Group gap={4} w={250} style={{ rowGap: 0 }}><PartTimer part={p} open={e.open} /></Group>
            </Group>
          ))}
        </Stack>
      </Table.Td>
      <Table.Td><Text size="xs" c="dimmed">{new Date(e.reportedAt).toLocaleString()}</Text></Table.Td>
    </Table.Tr>
  );
}
