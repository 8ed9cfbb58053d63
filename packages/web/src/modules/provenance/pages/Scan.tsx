/**
 * What a resident sees after scanning an item's QR code (a GS1 Digital Link URI served by this node, e.g. a fire
 * extinguisher in the stairwell): the item, where it is installed, its last inspection and every lifecycle event, each
 * verified in this browser against the chain's genesis; the scan is counted, and a scan where the item is not
 * installed, or of a replaced item, shows a warning (the code may be a copy) and alerts the property staff. No sign-in.
 */
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Center, Group, Loader, Stack, Text, TextInput, Timeline, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ScanAnswer, TraceEventView } from '@machi/core';
import { publicCall } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import { verifyRecords, type Mark } from '../../../verify/ledger';
import type { PageProps } from '../../types';
import { PLACE_KEY } from '../api';

const day = (ms: number, lang: string) => new Date(ms).toLocaleDateString(lang, { year: 'numeric', month: 'short', day: 'numeric' });
const place = (uri: string | undefined) => (uri === undefined ? undefined : uri.replace(/^urn:machi:place:/, ''));

export function ScanPage(_: PageProps) {
  const { t, i18n } = useTranslation();
  const [answer, setAnswer] = useState<ScanAnswer | null>(null);
  const [marks, setMarks] = useState<Mark[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [where, setWhere] = useState(() => localStorage.getItem(PLACE_KEY) ?? '');

  const scan = (at: string) => {
    const body = { uri: window.location.href.split('#')[0]!, ...(at === '' ? {} : { place: at }) };
    publicCall<ScanAnswer>('', '/v1/trace/scans', body).then((a) => {
      setAnswer(a);
      setError(null);
      return verifyRecords(a.item.events.map((e) => ({ record: e.event, proof: e.proof })), 'provenance.trace.event').then(setMarks);
    }, setError);
  };
  useEffect(() => scan(localStorage.getItem(PLACE_KEY) ?? ''), []); // eslint-disable-line react-hooks/exhaustive-deps

  if (error !== null && answer === null) return <Stack p="md"><ErrorAlert error={error} /></Stack>;
  if (answer === null) return <Center p="xl"><Loader /></Center>;
  const { item, alert } = answer;
  const markOf = (e: TraceEventView) => marks[item.events.indexOf(item.events.find((x) => x.event.txHash === e.event.txHash)!)];
  const last = item.lastInspection;
  return (
    <Stack gap="md" p="md" maw={640} mx="auto">
      <Title order={3}>{t('provenance.scan.title')}</Title>
      {alert !== undefined && (
        <Alert color="red" title={t('provenance.scan.copied')} data-testid="scan-alert" data-kind={alert.kind}>
          {t(`provenance.scan.alert.${alert.kind}`, { place: item.installedAt ?? '' })}
        </Alert>
      )}
      <Card withBorder data-testid="scan-item">
        <Stack gap={4}>
          <Text fw={700}>{t('provenance.scan.item', { gtin: item.gtin, serial: item.serial })}</Text>
          {item.batch !== undefined && <Text size="sm">{t('provenance.scan.batch', { batch: item.batch })}</Text>}
          <Text size="sm">{item.installedAt === undefined ? t('provenance.scan.notInstalled') : t('provenance.scan.installedAt', { place: item.installedAt })}</Text>
          {item.replaced && <Badge color="orange">{t('provenance.scan.replaced')}</Badge>}
          <Text size="sm" c="dimmed" data-testid="scan-count">{t('provenance.scan.count', { count: item.scans.total, places: item.scans.places })}</Text>
        </Stack>
      </Card>
      <Card withBorder data-testid="scan-inspection">
        {last === undefined ? <Text>{t('provenance.scan.noInspection')}</Text> : (
          <Group justify="space-between" wrap="nowrap">
            <Stack gap={2}>
              <Text fw={700}>{t('provenance.scan.lastInspection', { date: day(last.event.eventTime, i18n.language) })}</Text>
              <Text size="sm">{t(`provenance.disposition.${last.event.disposition ?? 'none'}`)}</Text>
            </Stack>
            <div style={{ flexShrink: 0 }}><VerifiedMark mark={markOf(last)} /></div>
          </Group>
        )}
      </Card>
      <Title order={5}>{t('provenance.scan.history')}</Title>
      <Timeline bulletSize={14} lineWidth={2}>
        {item.events.map((e) => (
          <Timeline.Item key={e.event.txHash} title={<Group gap="xs">{t(`provenance.step.${e.event.step}`)}{e.erroneous && <Badge size="xs" color="gray">{t('provenance.scan.erroneous')}</Badge>}{e.event.errorDeclaration !== undefined && <Badge size="xs" color="yellow">{t('provenance.scan.correction')}</Badge>}</Group>} data-testid="scan-event">
            <Group justify="space-between" wrap="nowrap">
              <Text size="xs" c="dimmed">{day(e.event.eventTime, i18n.language)} · {t(`org.${e.org}`, { defaultValue: e.org })}{place(e.event.bizLocation) === undefined ? '' : ` · ${place(e.event.bizLocation)}`}</Text>
              <div style={{ flexShrink: 0 }}><VerifiedMark mark={markOf(e)} /></div>
            </Group>
          </Timeline.Item>
        ))}
      </Timeline>
      <Card withBorder>
        <Stack gap="xs">
          <Text size="sm">{t('provenance.scan.whereAsk')}</Text>
          <Group wrap="nowrap" align="end">
            <TextInput style={{ flex: 1 }} label={t('provenance.scan.where')} placeholder="b1-stairwell-2" value={where} onChange={(e) => setWhere(e.currentTarget.value)} data-testid="scan-place" />
            <Button onClick={() => { localStorage.setItem(PLACE_KEY, where.trim()); scan(where.trim()); }} data-testid="scan-report">{t('provenance.scan.report')}</Button>
          </Group>
          <ErrorAlert error={error} />
        </Stack>
      </Card>
    </Stack>
  );
}
