/** The records behind a figure, each with its transaction's proof verified in this browser. */
import { useEffect, useState } from 'react';
import { Anchor, Badge, Button, Drawer, Group, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { RecordRef, RecordsView } from '@machi/core';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import type { Mark } from '../../../verify/ledger';
import { download, proveRecord } from '../api';

export function RecordTable({ records }: { records: readonly RecordRef[] }) {
  const { t } = useTranslation();
  const [marks, setMarks] = useState<Record<string, Mark>>({});
  useEffect(() => {
    let live = true;
    setMarks({});
    void (async () => {
      for (const r of records.slice(0, 50)) {
        // a bill (`unit/period`) is issued per building: its transaction names the period
        const { mark } = await proveRecord(r.tx, r.kind === 'bill' ? String(r.fields.period) : r.id);
        if (!live) return;
        setMarks((m) => ({ ...m, [r.id]: mark }));
      }
    })();
    return () => {
      live = false;
    };
  }, [records]);
  return (
    <Table striped data-testid="records">
      <Table.Thead>
        <Table.Tr><Table.Th>{t('dashboard.records.when')}</Table.Th><Table.Th>{t('dashboard.records.what')}</Table.Th><Table.Th>{t('dashboard.records.tx')}</Table.Th><Table.Th>{t('dashboard.records.proof')}</Table.Th></Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {records.map((r) => (
          <Table.Tr key={r.id} data-testid="record">
            <Table.Td><Text size="xs">{new Date(r.at).toLocaleString()}</Text></Table.Td>
            <Table.Td>
              <Text size="xs" ff="monospace">{r.id.slice(0, 14)}…</Text>
              <Group gap={4}>{Object.entries(r.fields).filter(([, v]) => v !== '').map(([k, v]) => <Badge key={k} size="xs" variant="light">{k}: {String(v)}</Badge>)}</Group>
            </Table.Td>
            <Table.Td><Anchor href={`/dashboard/explorer?q=${r.tx}`} size="xs" ff="monospace">{r.tx.slice(0, 12)}…</Anchor></Table.Td>
            <Table.Td><VerifiedMark mark={marks[r.id]} /></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function RecordsDrawer({ view, error, onClose, exportParams }: { view: RecordsView | null; error: unknown; onClose: () => void; exportParams?: Record<string, string | number | undefined> }) {
  const { t } = useTranslation();
  return (
    <Drawer opened={view !== null || (error !== null && error !== undefined)} onClose={onClose} position="right" size="xl" title={view === null ? '' : t('dashboard.records.title', { n: view.total, what: `${view.panel}${view.dim === null ? '' : ` · ${view.dim} = ${view.value}`}` })}>
      <Stack>
        <ErrorAlert error={error} />
        {view !== null && exportParams !== undefined && (
          <Group>
            <Button size="xs" variant="default" onClick={() => void download({ ...exportParams, format: 'csv' })}>{t('dashboard.export.csv')}</Button>
            <Button size="xs" variant="default" onClick={() => void download({ ...exportParams, format: 'xlsx' })}>{t('dashboard.export.xlsx')}</Button>
          </Group>
        )}
        {view !== null && <ScrollArea><RecordTable records={view.records} /></ScrollArea>}
      </Stack>
    </Drawer>
  );
}
