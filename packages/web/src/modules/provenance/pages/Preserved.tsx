/**
 * Preserving a record (any signed-in user; residents for their own matters): pick the file — its SHA-256 is computed
 * here, the file is sent only if "keep the file" is ticked (then the node keeps it encrypted) — say what captured it,
 * when and where; then each record with its provenance, its custody steps (each verified here), its certificate and
 * export package, and a handover to another organisation.
 */
import { useEffect, useState } from 'react';
import { Anchor, Badge, Button, Card, Checkbox, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CUSTODY_PURPOSES, PRESERVED_KINDS, type PreservedView } from '@machi/core';
import { get, post } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import { verifyRecords, type Mark } from '../../../verify/ledger';
import type { PageProps } from '../../types';
import { sha256File, uploadPreservedFile } from '../api';
import { FilePick } from '../components/FilePick';

type View = PreservedView & { label?: string };
const iso = (ms: number) => new Date(ms).toLocaleString();

export function PreservedPage(_: PageProps) {
  const { t } = useTranslation();
  const [records, setRecords] = useState<View[] | null>(null);
  const [marks, setMarks] = useState<Record<string, Mark>>({});
  const [error, setError] = useState<unknown>(null);
  const [file, setFile] = useState<File | null>(null);
  const [hash, setHash] = useState<string | null>(null);
  const [kind, setKind] = useState<string>('photo');
  const [device, setDevice] = useState('phone:camera');
  const [where, setWhere] = useState('');
  const [label, setLabel] = useState('');
  const [keep, setKeep] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = () => get<{ records: View[] }>('/v1/preserved').then(async (r) => {
    setRecords(r.records);
    const items = r.records.map((v) => ({ record: v.record, proof: v.proof }));
    const m = await verifyRecords(items, 'provenance.preserve');
    setMarks(Object.fromEntries(r.records.map((v, i) => [v.record.record, m[i]!])));
  }, setError);
  useEffect(() => void load(), []);
  useEffect(() => {
    setHash(null);
    if (file !== null) void sha256File(file).then(setHash);
  }, [file]);

  const submit = async () => {
    if (file === null || hash === null) return;
    setBusy(true);
    setError(null);
    try {
      const v = await post<View>('/v1/preserved', {
        hash, kind, device, capturedAt: file.lastModified > 0 ? Math.min(file.lastModified, Date.now()) : Date.now(), keepFile: keep,
        ...(where.trim() === '' ? {} : { place: where.trim() }), ...(label.trim() === '' ? {} : { label: label.trim() }),
      });
      if (keep) await uploadPreservedFile(v.record.record, file);
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="md">
      <Title order={3}>{t('provenance.preserved.title')}</Title>
      <Text size="sm" c="dimmed">{t('provenance.preserved.intro')}</Text>
      <Card withBorder>
        <Stack gap="sm">
          <FilePick label={t('provenance.preserved.file')} onChange={setFile} testId="preserve-file" />
          {hash !== null && <Text size="xs" style={{ wordBreak: 'break-all' }} data-testid="preserve-hash">SHA-256 {hash}</Text>}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select label={t('provenance.preserved.kind')} data={PRESERVED_KINDS.map((k) => ({ value: k, label: t(`provenance.kind.${k}`) }))} value={kind} onChange={(v) => v !== null && setKind(v)} allowDeselect={false} />
            <TextInput label={t('provenance.preserved.device')} value={device} onChange={(e) => setDevice(e.currentTarget.value)} data-testid="preserve-device" />
            <TextInput label={t('provenance.preserved.place')} value={where} onChange={(e) => setWhere(e.currentTarget.value)} placeholder="b1-lobby" />
            <TextInput label={t('provenance.preserved.label')} value={label} onChange={(e) => setLabel(e.currentTarget.value)} />
          </SimpleGrid>
          <Checkbox label={t('provenance.preserved.keep')} checked={keep} onChange={(e) => setKeep(e.currentTarget.checked)} data-testid="preserve-keep" />
          <Group><Button onClick={() => void submit()} loading={busy} disabled={hash === null} data-testid="preserve-submit">{t('provenance.preserved.submit')}</Button></Group>
          <ErrorAlert error={error} />
        </Stack>
      </Card>
      {(records ?? []).map((v) => <RecordCard key={v.record.record} v={v} mark={marks[v.record.record]} onChange={() => void load()} />)}
    </Stack>
  );
}

function RecordCard({ v, mark, onChange }: { v: View; mark: Mark | undefined; onChange: () => void }) {
  const { t } = useTranslation();
  const [to, setTo] = useState<string | null>(null);
  const [purpose, setPurpose] = useState<string>('transfer');
  const [error, setError] = useState<unknown>(null);
  const c = v.record.capture;
  return (
    <Card withBorder data-testid="preserved-record">
      <Stack gap={4}>
        <Group justify="space-between">
          <Text fw={700}>{v.label === undefined || v.label === '' ? t(`provenance.kind.${v.record.kind}`) : v.label}</Text>
          <VerifiedMark mark={mark} />
        </Group>
        <Text size="xs" style={{ wordBreak: 'break-all' }}>{t('provenance.preserved.filing')}: {v.record.txHash}</Text>
        <Text size="sm">{t('provenance.preserved.captured', { device: c.device, time: iso(c.capturedAt), place: c.place ?? '-' })}</Text>
        <Text size="sm">{t('provenance.preserved.holder', { org: t(`org.${v.holder.org}`, { defaultValue: v.holder.org }) })}</Text>
        {v.custody.map((s) => <Text key={s.txHash} size="xs" c="dimmed">{iso(s.time)} {t(`org.${s.from.org}`, { defaultValue: s.from.org })} → {t(`org.${s.to.org}`, { defaultValue: s.to.org })} ({t(`provenance.purpose.${s.purpose}`)})</Text>)}
        <Group gap="md">
          <Anchor size="sm" href={`/v1/certificates/${v.record.txHash}`} target="_blank" data-testid="certificate-link">{t('provenance.certificate')}</Anchor>
          <Anchor size="sm" href={`/v1/certificates/${v.record.txHash}/package`} download data-testid="package-link">{t('provenance.package')}</Anchor>
          <Anchor size="sm" href={`/verify/${v.record.txHash}`} target="_blank">{t('provenance.verify.title')}</Anchor>
          {v.fileAvailable && <Badge variant="light">{t('provenance.preserved.kept')}</Badge>}
        </Group>
        <Group align="end" wrap="wrap">
          <TextInput size="xs" label={t('provenance.preserved.handTo')} placeholder="police" value={to ?? ''} onChange={(e) => setTo(e.currentTarget.value)} />
          <Select size="xs" label={t('provenance.preserved.purpose')} data={CUSTODY_PURPOSES.map((p) => ({ value: p, label: t(`provenance.purpose.${p}`) }))} value={purpose} onChange={(x) => x !== null && setPurpose(x)} allowDeselect={false} />
          <Button size="xs" variant="light" disabled={to === null || to === ''} onClick={() => post(`/v1/preserved/${v.record.record}/custody`, { to, purpose }).then(onChange, setError)}>{t('provenance.preserved.handOver')}</Button>
        </Group>
        <ErrorAlert error={error} />
      </Stack>
    </Card>
  );
}
