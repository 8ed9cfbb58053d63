/**
 * Report an event: a grid worker on patrol (a building or a common area of their grid) or a resident (a common area
 * only: a home is a repair request). The category comes from the catalogue with its GB/T 30428.2 class; the form says
 * when the category and severity make it a major event (fanned out at once to every responsible department).
 * The description stays on this node; its salted hash goes on the ledger.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Card, SegmentedControl, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { majorRule, type EventActResult, type EventCategory, type EventReportBody, type EventSeverity, type GridList } from '@machi/core';
import { get, post } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { useSession } from '../../../session';
import { PhotoPicker, useCatalogue, useNames, type Picked } from '../components/bits';

/** The category's name with its GB/T 30428.2 class (where the name is not that class already, as in Chinese). */
const categoryLabel = (name: string, gbClass: string): string => (name === gbClass ? name : `${name} · ${gbClass}`);

interface Place { grid: string; name?: string; buildings: { code: string; name?: string }[]; commonAreas: { code: string; name: string }[] }

export function ReportPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const names = useNames();
  const [, navigate] = useLocation();
  const [error, setError] = useState<unknown>(null);
  const cat = useCatalogue(setError);
  const gridWorker = user.role === 'grid-worker';
  const [places, setPlaces] = useState<Place[]>([]);
  const [grid, setGrid] = useState<string | null>(null);
  const [kind, setKind] = useState<'building' | 'common-area'>(gridWorker ? 'building' : 'common-area');
  const [code, setCode] = useState<string | null>(null);
  const [category, setCategory] = useState<string | null>(null);
  const [severity, setSeverity] = useState<string>('minor');
  const [description, setDescription] = useState('');
  const [photos, setPhotos] = useState<Picked[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (gridWorker) {
      get<GridList>('/v1/events/grids/mine').then((l) => {
        const p = l.grids.map((g) => ({ grid: g.grid, ...(g.name === undefined ? {} : { name: g.name }), buildings: g.buildings.map((b) => ({ code: b.building, ...(b.name === undefined ? {} : { name: b.name }) })), commonAreas: g.commonAreas }));
        setPlaces(p);
        if (p.length === 1) setGrid(p[0]!.grid);
      }, setError);
    } else if (cat !== null) {
      setPlaces(cat.grids.map((g) => ({ grid: g.grid, ...(g.name === undefined ? {} : { name: g.name }), buildings: g.buildings.map((b) => ({ code: b })), commonAreas: g.commonAreas })));
    }
  }, [gridWorker, cat]);

  const place = places.find((p) => p.grid === grid);
  const codes = kind === 'building' ? (place?.buildings ?? []) : (place?.commonAreas ?? []);
  const rule = category !== null ? majorRule(category as EventCategory, severity as EventSeverity) : null;
  const submit = async () => {
    if (grid === null || code === null || category === null) return;
    setBusy(true);
    setError(null);
    try {
      const body: EventReportBody = {
        category: category as EventCategory, severity: severity as EventSeverity, grid, location: { kind, code }, description: description.trim(),
        ...(photos.length > 0 ? { photos: photos.map((p) => p.hash) } : {}),
      };
      const r = await post<EventActResult>('/v1/events', body);
      navigate(`/event/${r.event}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Card withBorder maw={640}>
      <Stack>
        <Title order={3}>{gridWorker ? t('events.report.title') : t('events.report.titleResident')}</Title>
        {!gridWorker && <Text size="sm" c="dimmed">{t('events.report.residentHint')}</Text>}
        <Select label={t('events.report.category')} value={category} onChange={setCategory} searchable data-testid="report-category" comboboxProps={{ withinPortal: true }}
          data={(cat?.categories ?? []).map((c) => ({ value: c.code, label: categoryLabel(t(`events.category.${c.code}`), c.gbClass) }))} />
        <div>
          <Text size="sm" fw={500} mb={4}>{t('events.report.severity')}</Text>
          <SegmentedControl fullWidth value={severity} onChange={setSeverity} data-testid="report-severity"
            data={(cat?.severities ?? ['minor', 'serious', 'grave', 'critical']).map((s) => ({ value: s, label: t(`events.severity.${s}`) }))} />
        </div>
        {rule !== null && <Alert color="red" data-testid="major-hint">{t('events.report.majorHint', { ack: rule.ackMinutes, handle: rule.deadlineMinutes })}</Alert>}
        {places.length !== 1 && (
          <Select label={t('events.report.grid')} value={grid} onChange={(v) => { setGrid(v); setCode(null); }} data-testid="report-grid" comboboxProps={{ withinPortal: true }}
            data={places.map((p) => ({ value: p.grid, label: names.grid(p.grid, p.name) }))} />
        )}
        {gridWorker && (
          <SegmentedControl value={kind} onChange={(v) => { setKind(v as 'building' | 'common-area'); setCode(null); }} data-testid="report-kind"
            data={[{ value: 'building', label: t('events.locationKind.building') }, { value: 'common-area', label: t('events.locationKind.common-area') }]} />
        )}
        <Select label={kind === 'building' ? t('events.report.building') : t('events.report.commonArea')} value={code} onChange={setCode} data-testid="report-place" comboboxProps={{ withinPortal: true }}
          data={codes.map((c) => ({ value: c.code, label: names.place(c.code, c.name) }))} />
        <Textarea label={t('events.report.description')} value={description} onChange={(e) => setDescription(e.currentTarget.value)} maxLength={2000} autosize minRows={3} data-testid="report-description" />
        <PhotoPicker value={photos} onChange={setPhotos} />
        <Text size="xs" c="dimmed">{t('events.report.privacy')}</Text>
        <Button onClick={() => void submit()} loading={busy} disabled={grid === null || code === null || category === null || description.trim() === ''} data-testid="report-submit">
          {t('events.report.submit')}
        </Button>
        <ErrorAlert error={error} />
      </Stack>
    </Card>
  );
}
