/**
 * Traced items for the property's staff: every item with where it is installed, its last inspection and its scans,
 * and the alerts copied codes raised (a serial scanned where it is not installed, or after it was replaced).
 */
import { useEffect, useState } from 'react';
import { Alert, Anchor, Badge, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import type { PageProps } from '../../types';

type Item = { gtin: string; serial: string; batch?: string; installedAt?: string; lastInspection?: number; replaced: boolean; events: number; scans: number };
type AlertRow = { id: number; gtin: string; serial: string; kind: string; place: string; at: number; scans: number };

export function TracePage(_: PageProps) {
  const { t, i18n } = useTranslation();
  const [items, setItems] = useState<Item[]>([]);
  const [alerts, setAlerts] = useState<AlertRow[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<{ items: Item[] }>('/v1/trace/items').then((r) => setItems(r.items), setError);
    get<{ alerts: AlertRow[] }>('/v1/trace/alerts').then((r) => setAlerts(r.alerts), setError);
  }, []);
  const day = (ms: number) => new Date(ms).toLocaleDateString(i18n.language);
  const link = (i: { gtin: string; serial: string; batch?: string }) => `/01/${i.gtin}${i.batch === undefined ? '' : `/10/${encodeURIComponent(i.batch)}`}/21/${encodeURIComponent(i.serial)}`;
  return (
    <Stack gap="md">
      <Title order={3}>{t('provenance.trace.title')}</Title>
      <ErrorAlert error={error} />
      {alerts.length > 0 && (
        <Alert color="red" title={t('provenance.trace.alerts', { count: alerts.length })} data-testid="trace-alerts">
          {alerts.slice(0, 10).map((a) => <Text key={a.id} size="sm">{day(a.at)} · {a.gtin} / {a.serial} · {t(`provenance.trace.alert.${a.kind}`, { place: a.place === '' ? '?' : a.place })} · {t('provenance.trace.scans')} {a.scans}</Text>)}
        </Alert>
      )}
      <Table striped>
        <Table.Thead><Table.Tr><Table.Th>GTIN</Table.Th><Table.Th>{t('provenance.trace.serial')}</Table.Th><Table.Th>{t('provenance.trace.installed')}</Table.Th><Table.Th>{t('provenance.trace.inspected')}</Table.Th><Table.Th>{t('provenance.trace.scans')}</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {items.map((i) => (
            <Table.Tr key={`${i.gtin}/${i.serial}`} data-testid="trace-item">
              <Table.Td>{i.gtin}</Table.Td>
              <Table.Td><Anchor href={link(i)} target="_blank">{i.serial}</Anchor> {i.replaced && <Badge size="xs" color="orange">{t('provenance.scan.replaced')}</Badge>}</Table.Td>
              <Table.Td>{i.installedAt ?? '-'}</Table.Td>
              <Table.Td>{i.lastInspection === undefined ? '-' : day(i.lastInspection)}</Table.Td>
              <Table.Td>{i.scans}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
