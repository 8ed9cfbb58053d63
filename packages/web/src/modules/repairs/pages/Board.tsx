/**
 * The dispatcher's board: open requests of the organisation, most urgent SLA first, overdue ones highlighted, with
 * assign/reassign on each. A table on a desk, cards on a phone. Updates live.
 */
import { useCallback, useEffect, useState } from 'react';
import { Badge, Button, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { get, post } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { PriorityBadge, SlaTimer, StatusBadge } from '../components/status';
import { RequestCard } from '../components/RequestCard';
import { useRepairEvents } from '../live';
import { TRANSITIONS, type RepairCatalogues, type RequestList, type RequestView, type WorkerList } from '@machi/core';

const assignable = (status: string): boolean => (TRANSITIONS.assign.from as readonly string[]).includes(status);

export function BoardPage() {
  const { t } = useTranslation();
  const desk = useMediaQuery('(min-width: 62em)', true);
  const [requests, setRequests] = useState<RequestView[] | null>(null);
  const [workers, setWorkers] = useState<WorkerList['workers']>([]);
  const [buildings, setBuildings] = useState<RepairCatalogues['buildings']>([]);
  const [building, setBuilding] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(() => {
    get<RequestList>(`/v1/repairs/board${building === null ? '' : `?building=${building}`}`).then((r) => setRequests(r.requests), setError);
  }, [building]);
  useEffect(load, [load]);
  useEffect(() => {
    get<WorkerList>('/v1/repairs/workers').then((w) => setWorkers(w.workers), setError);
    get<RepairCatalogues>('/v1/repairs/categories').then((c) => setBuildings(c.buildings), () => {});
  }, []);
  useRepairEvents(load);

  const assign = async (request: string, worker: string) => {
    setBusy(request);
    setError(null);
    try {
      await post(`/v1/repairs/${request}/assign`, { worker });
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const workerName = (r: RequestView) => workers.find((w) => w.username === r.workerUsername)?.displayName ?? (r.worker !== undefined ? t('request.workerOf', { org: r.workerOrg }) : '—');
  const picker = (r: RequestView) => assignable(r.status) && (
    <Select size="xs" w={170} placeholder={r.worker === undefined ? t('do.assign') : t('do.reassign')} data-testid="board-assign" value={null} disabled={busy === r.request}
      data={workers.map((w) => ({ value: w.username, label: w.displayName }))} onChange={(v) => v !== null && void assign(r.request, v)} comboboxProps={{ withinPortal: true }} />
  );
  const overdue = requests?.filter((r) => r.overdue).length ?? 0;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>{t('board.title')}</Title>
        <Group>
          {overdue > 0 && <Badge color="red" size="lg" data-testid="overdue-count">{t('board.overdue', { count: overdue })}</Badge>}
          <Select size="xs" w={160} clearable placeholder={t('board.allBuildings')} value={building} onChange={setBuilding}
            data={buildings.map((b) => ({ value: b.code, label: t(`building.${b.code}`, { defaultValue: b.name }) }))} comboboxProps={{ withinPortal: true }} />
        </Group>
      </Group>
      <ErrorAlert error={error} />
      {requests !== null && requests.length === 0 && <Text c="dimmed">{t('board.empty')}</Text>}
      {desk ? (
        <Table striped highlightOnHover withTableBorder data-testid="board">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('report.category')}</Table.Th><Table.Th>{t('report.building')}</Table.Th><Table.Th>{t('report.priority')}</Table.Th>
              <Table.Th>{t('board.status')}</Table.Th><Table.Th>{t('board.sla')}</Table.Th><Table.Th>{t('request.worker')}</Table.Th><Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {requests?.map((r) => (
              <Table.Tr key={r.request} bg={r.overdue ? 'red.0' : undefined} data-testid="board-row" data-request={r.request} data-overdue={r.overdue}>
                <Table.Td><Text component={Link} href={`/requests/${r.request}`} c="teal.9" fw={600}>{t(`category.${r.category}`)}</Text>
                  {r.escalation !== null && <Badge ml="xs" color="red" size="xs">{t('request.escalated', { level: r.escalation.level })}</Badge>}</Table.Td>
                <Table.Td>{t(`building.${r.location.building}`, { defaultValue: r.location.building })} · {t(`location.${r.location.kind}`)}</Table.Td>
                <Table.Td><PriorityBadge priority={r.priority} /></Table.Td>
                <Table.Td><StatusBadge status={r.status} /></Table.Td>
                <Table.Td><SlaTimer dueAt={r.slaDueAt} open={r.open} status={r.status} /></Table.Td>
                <Table.Td>{workerName(r)}</Table.Td>
                <Table.Td>{picker(r)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Stack>
          {requests?.map((r) => (
            <RequestCard key={r.request} r={r}>
              <Group justify="space-between"><Text size="sm">{workerName(r)}</Text>{picker(r)}</Group>
            </RequestCard>
          ))}
        </Stack>
      )}
      <Button component="a" href="/docs" variant="subtle" size="xs" w="fit-content">{t('home.apiDocs')}</Button>
    </Stack>
  );
}
