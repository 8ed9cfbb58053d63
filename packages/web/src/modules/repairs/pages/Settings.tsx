/**
 * The organisation's repair settings (dispatchers, property staff): service levels per category — recorded on the
 * ledger, so every node computes the same due times — and what residents see of each worker on their jobs.
 */
import { useCallback, useEffect, useState } from 'react';
import { Badge, Button, Card, Checkbox, FileButton, Group, Image, NumberInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get, photoBlobUrl, put } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { useSession } from '../../../session';
import type { SlaTable, SlaView, StaffCardBody, WorkerList } from '@machi/core';
import { uploadPhoto } from '../api';

function SlaRow({ entry, onSaved }: { entry: SlaView; onSaved: () => void }) {
  const { t } = useTranslation();
  const [urgent, setUrgent] = useState(entry.slaHours.urgent);
  const [normal, setNormal] = useState(entry.slaHours.normal);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const changed = urgent !== entry.slaHours.urgent || normal !== entry.slaHours.normal;
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await put(`/v1/repairs/sla/${entry.category}`, { urgentHours: urgent, normalHours: normal });
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Table.Tr data-testid="sla-row" data-category={entry.category}>
      <Table.Td>{t(`category.${entry.category}`)} {entry.configured && <Badge size="xs" variant="light">{t('settings.onLedger')}</Badge>}</Table.Td>
      <Table.Td><NumberInput size="xs" w={90} min={1} max={720} value={urgent} onChange={(v) => setUrgent(Number(v) || 1)} data-testid="sla-urgent" /></Table.Td>
      <Table.Td><NumberInput size="xs" w={90} min={1} max={720} value={normal} onChange={(v) => setNormal(Number(v) || 1)} data-testid="sla-normal" /></Table.Td>
      <Table.Td>
        <Button size="xs" disabled={!changed} loading={busy} onClick={() => void save()} data-testid="sla-save">{t('settings.save')}</Button>
        <ErrorAlert error={error} />
      </Table.Td>
    </Table.Tr>
  );
}

function WorkerCardRow({ worker, canUpload }: { worker: WorkerList['workers'][number]; canUpload: boolean }) {
  const { t } = useTranslation();
  const [card, setCard] = useState<StaffCardBody | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => {
    get<StaffCardBody>(`/v1/repairs/workers/${worker.username}/card`).then(setCard, setError);
  }, [worker.username]);
  if (card === null) return <ErrorAlert error={error} />;
  const save = async () => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      setCard(await put<StaffCardBody>(`/v1/repairs/workers/${worker.username}/card`, {
        ...(card.phone ? { phone: card.phone } : {}), ...(card.photo ? { photo: card.photo } : {}),
        share: { name: card.share.name, phone: card.share.phone, photo: card.share.photo === true },
      }));
      setSaved(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const upload = async (f: File | null) => {
    if (f === null) return;
    try {
      const r = await uploadPhoto(f);
      setPreview(photoBlobUrl(f));
      setCard({ ...card, photo: r.hash, share: { ...card.share, photo: true } });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card withBorder data-testid="worker-card-settings" data-worker={worker.username}>
      <Group align="flex-end" wrap="wrap">
        <Text fw={600} w={180}>{worker.displayName}</Text>
        <TextInput size="xs" label={t('settings.workPhone')} value={card.phone ?? ''} onChange={(e) => setCard({ ...card, phone: e.currentTarget.value })} data-testid="card-phone" />
        <Checkbox label={t('settings.shareName')} checked={card.share.name} onChange={(e) => setCard({ ...card, share: { ...card.share, name: e.currentTarget.checked } })} />
        <Checkbox label={t('settings.sharePhone')} checked={card.share.phone} onChange={(e) => setCard({ ...card, share: { ...card.share, phone: e.currentTarget.checked } })} data-testid="card-share-phone" />
        <Checkbox label={t('settings.sharePhoto')} checked={card.share.photo === true} disabled={card.photo === undefined} onChange={(e) => setCard({ ...card, share: { ...card.share, photo: e.currentTarget.checked } })} />
        {canUpload && (
          <FileButton onChange={(f) => void upload(f)} accept="image/png,image/jpeg,image/webp">
            {(props) => <Button {...props} size="xs" variant="light">{t('settings.uploadPhoto')}</Button>}
          </FileButton>
        )}
        {preview !== null && <Image src={preview} w={40} h={40} radius="xl" alt="" />}
        <Button size="xs" loading={busy} onClick={() => void save()} data-testid="card-save">{t('settings.save')}</Button>
        {saved && <Text size="xs" c="green">✓</Text>}
      </Group>
      <ErrorAlert error={error} />
    </Card>
  );
}

export function SettingsPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [sla, setSla] = useState<SlaView[] | null>(null);
  const [workers, setWorkers] = useState<WorkerList['workers']>([]);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    get<SlaTable>('/v1/repairs/sla').then((r) => setSla(r.categories), setError);
  }, []);
  useEffect(() => {
    load();
    get<WorkerList>('/v1/repairs/workers').then((w) => setWorkers(w.workers), setError);
  }, [load]);
  return (
    <Stack maw={900}>
      <Title order={3}>{t('settings.title')}</Title>
      <ErrorAlert error={error} />
      <Card withBorder>
        <Title order={5}>{t('settings.sla')}</Title>
        <Text size="sm" c="dimmed" mb="sm">{t('settings.slaHint')}</Text>
        <Table data-testid="sla-table">
          <Table.Thead><Table.Tr><Table.Th>{t('report.category')}</Table.Th><Table.Th>{t('priority.urgent')} (h)</Table.Th><Table.Th>{t('priority.normal')} (h)</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>{sla?.map((e) => <SlaRow key={`${e.category}:${e.slaHours.urgent}:${e.slaHours.normal}`} entry={e} onSaved={load} />)}</Table.Tbody>
        </Table>
      </Card>
      <Title order={5}>{t('settings.cards')}</Title>
      <Text size="sm" c="dimmed">{t('settings.cardsHint')}</Text>
      {workers.map((w) => <WorkerCardRow key={w.username} worker={w} canUpload={user.role === 'property-staff'} />)}
    </Stack>
  );
}
