/**
 * Report a problem: category, priority, home or common area, building (and unit), description, photos. Before
 * submitting, similar open requests of the same building (and category) are shown with "follow" (as FixMyStreet does),
 * so the resident can join one instead of filing a duplicate.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Card, Group, SegmentedControl, Select, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { get, post } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import type { ActResult, RepairCatalogues, RequestList, RequestView } from '@machi/core';
import { PhotoPicker } from '../components/photos';
import { RequestCard } from '../components/RequestCard';

export function ReportPage() {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const [cat, setCat] = useState<RepairCatalogues | null>(null);
  const [category, setCategory] = useState<string | null>(null);
  const [priority, setPriority] = useState<string>('normal');
  const [kind, setKind] = useState<'home' | 'common'>('home');
  const [building, setBuilding] = useState<string | null>(null);
  const [unit, setUnit] = useState('');
  const [description, setDescription] = useState('');
  const [photos, setPhotos] = useState<{ hash: string; url: string }[]>([]);
  const [similar, setSimilar] = useState<RequestView[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<RepairCatalogues>('/v1/repairs/categories').then(setCat, setError);
  }, []);
  useEffect(() => {
    if (building === null) return setSimilar([]);
    const q = new URLSearchParams({ building, ...(category === null ? {} : { category }) });
    get<RequestList>(`/v1/repairs/similar?${q}`).then((r) => setSimilar(r.requests), setError);
  }, [building, category]);

  const chooseCategory = (c: string | null) => {
    setCategory(c);
    const info = cat?.categories.find((x) => x.code === c);
    if (info !== undefined) setPriority(info.defaultPriority);
  };

  const follow = async (request: string) => {
    setBusy(true);
    try {
      await post<ActResult>(`/v1/repairs/${request}/follow`);
      navigate(`/requests/${request}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (category === null || building === null) return;
    setBusy(true);
    setError(null);
    try {
      const r = await post<ActResult>('/v1/repairs', {
        category, priority, location: { kind, building }, description: description.trim(),
        ...(kind === 'home' && unit.trim() !== '' ? { unit: unit.trim() } : {}),
        ...(photos.length > 0 ? { photos: photos.map((p) => p.hash) } : {}),
      });
      navigate(`/requests/${r.request}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const sla = cat?.categories.find((x) => x.code === category)?.slaHours;
  return (
    <Stack maw={640}>
      <Title order={3}>{t('report.title')}</Title>
      <Card withBorder>
        <form onSubmit={(e) => void submit(e)}>
          <Stack>
            <Select
              label={t('report.category')} required data-testid="report-category" value={category} onChange={chooseCategory}
              data={(cat?.categories ?? []).map((c) => ({ value: c.code, label: t(`category.${c.code}`) }))}
              comboboxProps={{ withinPortal: true }}
            />
            <div>
              <Text size="sm" fw={500} mb={4}>{t('report.priority')}</Text>
              <SegmentedControl fullWidth value={priority} onChange={setPriority} data-testid="report-priority"
                data={['normal', 'urgent'].map((p) => ({ value: p, label: t(`priority.${p}`) }))} />
              {sla !== undefined && <Text size="xs" c="dimmed" mt={4}>{t('report.slaHint', { hours: sla[priority as 'urgent' | 'normal'] })}</Text>}
            </div>
            <div>
              <Text size="sm" fw={500} mb={4}>{t('report.where')}</Text>
              <SegmentedControl fullWidth value={kind} onChange={(v) => setKind(v as 'home' | 'common')} data-testid="report-kind"
                data={[{ value: 'home', label: t('location.home') }, { value: 'common', label: t('location.common') }]} />
            </div>
            <Select
              label={t('report.building')} required data-testid="report-building" value={building} onChange={setBuilding}
              data={(cat?.buildings ?? []).map((b) => ({ value: b.code, label: t(`building.${b.code}`, { defaultValue: b.name }) }))}
              comboboxProps={{ withinPortal: true }}
            />
            {kind === 'home' && <TextInput label={t('report.unit')} description={t('report.unitHint')} value={unit} onChange={(e) => setUnit(e.currentTarget.value)} maxLength={32} data-testid="report-unit" />}
            {similar.length > 0 && (
              <Alert color="yellow" title={t('report.similarTitle', { count: similar.length })} data-testid="similar">
                <Stack gap="xs">
                  <Text size="sm">{t('report.similarHint')}</Text>
                  {similar.map((r) => (
                    <RequestCard key={r.request} r={r}>
                      <Group justify="space-between">
                        <Text size="xs" c="dimmed">{t('report.followers', { count: r.followers })}</Text>
                        {r.yours || r.following
                          ? <Text size="xs">{t('report.alreadyYours')}</Text>
                          : <Button size="xs" variant="light" onClick={() => void follow(r.request)} loading={busy} data-testid="follow">{t('report.follow')}</Button>}
                      </Group>
                    </RequestCard>
                  ))}
                </Stack>
              </Alert>
            )}
            <Textarea label={t('report.description')} description={t('report.descriptionHint')} required autosize minRows={3} maxLength={2000}
              value={description} onChange={(e) => setDescription(e.currentTarget.value)} data-testid="report-description" />
            <div>
              <Text size="sm" fw={500} mb={4}>{t('report.photos')}</Text>
              <PhotoPicker value={photos} onChange={setPhotos} />
            </div>
            <ErrorAlert error={error} />
            <Button type="submit" loading={busy} disabled={category === null || building === null || description.trim() === ''} data-testid="report-submit">{t('report.submit')}</Button>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}
