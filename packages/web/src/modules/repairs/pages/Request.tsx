/**
 * One request: what it is, who is coming, and its timeline — every step with a mark checked against the ledger in
 * this browser. The actions offered follow the core's transition table for the caller (the API decides; a refused
 * action shows the API's reason). Updates live when a step of this request is recorded.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Alert, Avatar, Badge, Button, Card, Group, MultiSelect, NumberInput, Rating, Select, SimpleGrid, Stack, Text, Textarea, Timeline, Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { TRANSITIONS, type ActResult, type RepairCatalogues, type RequestView, type Timeline as TimelineView, type TimelineStep, type WorkerList } from '@machi/core';
import { get, imageUrl, post } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import { useSession } from '../../../session';
import type { Mark } from '../../../verify/ledger';
import type { PageProps } from '../../types';
import { Photo, PhotoPicker } from '../components/photos';
import { PriorityBadge, SlaTimer, StatusBadge } from '../components/status';
import { useRepairEvents } from '../live';
import { verifySteps } from '../verify';

type Action = keyof typeof TRANSITIONS;
const allowedFrom = (action: Action, status: string): boolean => (TRANSITIONS[action].from as readonly string[]).includes(status);

export function RequestPage({ params }: PageProps) {
  const id = params.id ?? '';
  const { t } = useTranslation();
  const { user } = useSession();
  const [req, setReq] = useState<RequestView | null>(null);
  const [steps, setSteps] = useState<TimelineStep[]>([]);
  const [marks, setMarks] = useState<Mark[]>([]);
  const [error, setError] = useState<unknown>(null);

  // loads overlap (a live update during a load): only the latest one's answers are shown
  const latest = useRef(0);
  const load = useCallback(() => {
    const n = ++latest.current;
    Promise.all([get<RequestView>(`/v1/repairs/${id}`), get<TimelineView>(`/v1/repairs/${id}/timeline`)]).then(
      async ([r, tl]) => {
        if (n !== latest.current) return;
        setReq(r);
        setSteps(tl.steps);
        setMarks(tl.steps.map(() => ({ state: 'checking' })));
        const marks = await verifySteps(id, tl.steps);
        if (n === latest.current) setMarks(marks);
      },
      (e: unknown) => n === latest.current && setError(e),
    );
  }, [id]);
  useEffect(load, [load]);
  useRepairEvents(load, (e) => e.request === id);

  if (req === null) return <ErrorAlert error={error} />;
  const failed = marks.filter((m) => m.state === 'failed').length;
  const unavailable = marks.filter((m) => m.state === 'unavailable').length;
  const checked = marks.filter((m) => m.state !== 'checking').length;
  return (
    <Stack maw={860} data-testid="request-page" data-request={id}>
      <Group justify="space-between">
        <Title order={3}>{t(`category.${req.category}`)}</Title>
        <StatusBadge status={req.status} />
      </Group>
      <Card withBorder>
        <Stack gap="xs">
          <Group gap="xs">
            <PriorityBadge priority={req.priority} />
            <Text size="sm">{t(`building.${req.location.building}`, { defaultValue: req.location.building })} · {t(`location.${req.location.kind}`)}{req.unit !== undefined ? ` · ${req.unit}` : ''}</Text>
            {req.escalation !== null && <Badge color="red" data-testid="escalated">{t('request.escalated', { level: req.escalation.level })}</Badge>}
          </Group>
          {req.description !== undefined && <Text data-testid="description" style={{ overflowWrap: 'anywhere' }}>{req.description}</Text>}
          <Group justify="space-between">
            <Text size="xs" c="dimmed">{t('request.reported', { at: new Date(req.createdAt).toLocaleString() })} · {t('report.followers', { count: req.followers })}</Text>
            <SlaTimer dueAt={req.slaDueAt} open={req.open} status={req.status} />
          </Group>
          {req.photos.length > 0 && <Group gap="xs">{req.photos.map((h) => <Photo key={h} request={id} hash={h} />)}</Group>}
        </Stack>
      </Card>
      {req.worker !== undefined && <WorkerCard req={req} />}
      <Actions req={req} onDone={load} />
      <Card withBorder>
        <Group justify="space-between" mb="sm">
          <Title order={4}>{t('timeline.title')}</Title>
          {checked === steps.length && steps.length > 0 && (failed > 0
            ? <Badge color="red" data-testid="verify-summary" data-state="failed">{t('verify.someFailed', { count: failed })}</Badge>
            : unavailable > 0
              ? <Badge color="gray" variant="light" data-testid="verify-summary" data-state="unavailable">{t('verify.unavailable')}</Badge>
              : <Badge color="green" data-testid="verify-summary" data-state="verified">{t('verify.all', { count: steps.length })}</Badge>)}
        </Group>
        {failed > 0 && <Alert color="red" mb="sm" data-testid="verify-alert">{t('verify.failedHint')}</Alert>}
        <Timeline active={steps.length - 1} bulletSize={22} lineWidth={2}>
          {steps.map((s, i) => (
            <Timeline.Item key={s.txHash} title={<Group gap="xs"><Text fw={600}>{t(`action.${s.action}`)}</Text><VerifiedMark mark={marks[i]} /></Group>} data-testid="step" data-action={s.action}>
              <Text size="xs" c="dimmed">{new Date(s.at).toLocaleString()} · {t(`status.${s.status}`)}</Text>
              {marks[i]?.state === 'failed' && <Text size="xs" c="red" data-testid="mark-reason">{(marks[i] as { field: string }).field}: {(marks[i] as { reason: string }).reason}</Text>}
              <StepDetail request={id} step={s} />
            </Timeline.Item>
          ))}
        </Timeline>
        <Text size="xs" c="dimmed" mt="sm">{t('verify.how')}</Text>
      </Card>
      <ErrorAlert error={error} />
    </Stack>
  );
}

function StepDetail({ request, step }: { request: string; step: TimelineStep }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4} mt={4}>
      {step.cause !== undefined && <Text size="sm" data-testid="step-cause">{t('timeline.cause')}: {t(`cause.${step.cause}`)}</Text>}
      {step.parts !== undefined && step.parts.length > 0 && (
        <Text size="sm">{t('timeline.parts')}: {step.parts.map((p) => `${t(`part.${p.part}`)} × ${p.quantity}`).join(', ')}</Text>
      )}
      {step.rating !== undefined && <Rating value={step.rating} readOnly size="sm" />}
      {step.level !== undefined && <Text size="sm" c="red">{t('request.escalated', { level: step.level })}</Text>}
      {step.photoHashes !== undefined && step.photoHashes.length > 0 && step.action !== 'create' && (
        <Group gap="xs">{step.photoHashes.map((h) => <Photo key={h} request={request} hash={h} size={64} />)}</Group>
      )}
    </Stack>
  );
}

function WorkerCard({ req }: { req: RequestView }) {
  const { t } = useTranslation();
  const card = req.workerCard;
  const [photo, setPhoto] = useState<string | null>(null);
  useEffect(() => {
    if (card?.photo !== true) return setPhoto(null);
    let url: string | null = null;
    let gone = false;
    imageUrl(`/v1/repairs/${req.request}/worker-photo`).then((u) => {
      if (gone) URL.revokeObjectURL(u);
      else setPhoto((url = u));
    }, () => !gone && setPhoto(null));
    return () => {
      gone = true;
      if (url !== null) URL.revokeObjectURL(url);
    };
  }, [card?.photo, req.request, req.worker]);
  return (
    <Card withBorder data-testid="worker-card">
      <Group>
        <Avatar color="teal" radius="xl" size="lg" src={photo} data-testid="worker-photo">{(card?.name ?? '?').slice(0, 1)}</Avatar>
        <Stack gap={0}>
          <Text size="xs" c="dimmed">{t('request.worker')}</Text>
          <Text fw={600} data-testid="worker-name">{card?.name ?? t('request.workerOf', { org: t(`org.${req.workerOrg}`, { defaultValue: req.workerOrg }) })}</Text>
          {card?.phone !== undefined && <Text size="sm" component="a" href={`tel:${card.phone}`} data-testid="worker-phone">{card.phone}</Text>}
        </Stack>
      </Group>
    </Card>
  );
}

function Actions({ req, onDone }: { req: RequestView; onDone: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = async (action: string, body?: unknown) => {
    setBusy(true);
    setError(null);
    try {
      await post<ActResult>(`/v1/repairs/${req.request}/${action}`, body);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const isManager = (user.role === 'dispatcher' || user.role === 'property-staff') && user.org === req.org;
  const isWorker = user.role === 'maintenance-worker' && req.workerUsername === user.username && req.workerOrg === user.org;
  const parts: React.ReactNode[] = [];
  if (req.yours && allowedFrom('confirm', req.status)) parts.push(<ConfirmForm key="confirm" busy={busy} onConfirm={(b) => void act('confirm', b)} onReopen={(b) => void act('reopen', b)} />);
  if (isManager && allowedFrom('assign', req.status)) parts.push(<AssignForm key="assign" req={req} busy={busy} onAssign={(worker) => void act('assign', { worker })} />);
  if (isWorker) {
    for (const a of ['accept', 'arrive', 'start'] as const) {
      if (allowedFrom(a, req.status)) parts.push(<Button key={a} onClick={() => void act(a)} loading={busy} data-testid={`do-${a}`}>{t(`do.${a}`)}</Button>);
    }
    if (allowedFrom('diagnose', req.status)) parts.push(<DiagnoseForm key="diagnose" busy={busy} onSubmit={(b) => void act('diagnose', b)} />);
    if (allowedFrom('finish', req.status)) parts.push(<FinishForm key="finish" busy={busy} onSubmit={(b) => void act('finish', b)} />);
  }
  if ((req.yours || isManager) && allowedFrom('cancel', req.status)) {
    parts.push(<Button key="cancel" variant="subtle" color="red" onClick={() => { if (window.confirm(t('do.cancelConfirm'))) void act('cancel'); }} loading={busy} data-testid="do-cancel">{t('do.cancel')}</Button>);
  }
  if (parts.length === 0 && error === null) return null;
  return (
    <Card withBorder bg="teal.0">
      <Stack>
        {parts}
        <ErrorAlert error={error} />
      </Stack>
    </Card>
  );
}

function AssignForm({ req, busy, onAssign }: { req: RequestView; busy: boolean; onAssign: (worker: string) => void }) {
  const { t } = useTranslation();
  const [workers, setWorkers] = useState<WorkerList['workers']>([]);
  const [worker, setWorker] = useState<string | null>(null);
  useEffect(() => {
    get<WorkerList>('/v1/repairs/workers').then((w) => setWorkers(w.workers), () => {});
  }, []);
  return (
    <Group align="flex-end">
      <Select label={req.worker === undefined ? t('do.assign') : t('do.reassign')} data-testid="assign-worker" value={worker} onChange={setWorker} w={240}
        data={workers.map((w) => ({ value: w.username, label: w.displayName }))} comboboxProps={{ withinPortal: true }} />
      <Button disabled={worker === null} loading={busy} onClick={() => worker !== null && onAssign(worker)} data-testid="do-assign">{t('do.assignButton')}</Button>
    </Group>
  );
}

function DiagnoseForm({ busy, onSubmit }: { busy: boolean; onSubmit: (b: unknown) => void }) {
  const { t } = useTranslation();
  const [cat, setCat] = useState<RepairCatalogues | null>(null);
  const [cause, setCause] = useState<string | null>(null);
  const [parts, setParts] = useState<string[]>([]);
  const [qty, setQty] = useState<Record<string, number>>({});
  const [photos, setPhotos] = useState<{ hash: string; url: string }[]>([]);
  useEffect(() => {
    get<RepairCatalogues>('/v1/repairs/categories').then(setCat, () => {});
  }, []);
  return (
    <Stack data-testid="diagnose-form">
      <Title order={5}>{t('do.diagnose')}</Title>
      <Select label={t('timeline.cause')} value={cause} onChange={setCause} data-testid="diagnose-cause" comboboxProps={{ withinPortal: true }}
        data={(cat?.causes ?? []).map((c) => ({ value: c, label: t(`cause.${c}`) }))} />
      <MultiSelect label={t('timeline.parts')} value={parts} onChange={setParts} data-testid="diagnose-parts" comboboxProps={{ withinPortal: true }}
        data={(cat?.parts ?? []).map((p) => ({ value: p, label: t(`part.${p}`) }))} />
      {parts.length > 0 && (
        <SimpleGrid cols={{ base: 2, sm: 3 }}>
          {parts.map((p) => <NumberInput key={p} label={t(`part.${p}`)} min={1} max={99} value={qty[p] ?? 1} onChange={(v) => setQty({ ...qty, [p]: Number(v) || 1 })} />)}
        </SimpleGrid>
      )}
      <PhotoPicker value={photos} onChange={setPhotos} />
      <Button disabled={cause === null} loading={busy} data-testid="do-diagnose"
        onClick={() => onSubmit({ cause, parts: parts.map((p) => ({ part: p, quantity: qty[p] ?? 1 })), ...(photos.length > 0 ? { photos: photos.map((p) => p.hash) } : {}) })}>
        {t('do.diagnoseButton')}
      </Button>
    </Stack>
  );
}

function FinishForm({ busy, onSubmit }: { busy: boolean; onSubmit: (b: unknown) => void }) {
  const { t } = useTranslation();
  const [photos, setPhotos] = useState<{ hash: string; url: string }[]>([]);
  return (
    <Stack>
      <Title order={5}>{t('do.finish')}</Title>
      <PhotoPicker value={photos} onChange={setPhotos} />
      <Button loading={busy} onClick={() => onSubmit(photos.length > 0 ? { photos: photos.map((p) => p.hash) } : {})} data-testid="do-finish">{t('do.finishButton')}</Button>
    </Stack>
  );
}

function ConfirmForm({ busy, onConfirm, onReopen }: { busy: boolean; onConfirm: (b: unknown) => void; onReopen: (b: unknown) => void }) {
  const { t } = useTranslation();
  const [rating, setRating] = useState(5);
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      <Stack data-testid="confirm-form">
        <Title order={5}>{t('do.confirmTitle')}</Title>
        <Rating value={rating} onChange={setRating} size="lg" data-testid="confirm-rating" />
        <Textarea placeholder={t('do.comment')} value={comment} onChange={(e) => setComment(e.currentTarget.value)} maxLength={500} data-testid="confirm-comment" />
        <Button loading={busy} onClick={() => onConfirm({ rating, ...(comment.trim() !== '' ? { comment: comment.trim() } : {}) })} data-testid="do-confirm">{t('do.confirm')}</Button>
      </Stack>
      <Stack>
        <Title order={5}>{t('do.reopenTitle')}</Title>
        <Textarea placeholder={t('do.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={500} data-testid="reopen-reason" />
        <Button variant="outline" color="red" disabled={reason.trim() === ''} loading={busy} onClick={() => onReopen({ reason: reason.trim() })} data-testid="do-reopen">{t('do.reopen')}</Button>
      </Stack>
    </SimpleGrid>
  );
}
