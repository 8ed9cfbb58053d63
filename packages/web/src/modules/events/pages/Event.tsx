/**
 * One event: what, where, how grave; every department on it with its timers; the flags between departments; the
 * actions the caller's organisation may take (the command centre: triage, dispatch, escalate, check and close, send
 * back; a department: acknowledge, accept, handle, ask for help, flag, answer a flag; the reporter: rate; others:
 * follow); and the full timeline — who (which department) did what, when — each step with a mark checked in this
 * browser against the genesis (verifyEventStep: the proof bundle, the signing organisation, every shown field).
 * Refreshes every 15 s.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Badge, Box, Button, Card, Checkbox, Group, NumberInput, Rating, Select, Stack, Table, Text, Timeline, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import {
  CENTRE_ROLES, DEPARTMENT_ROLES, EVENT_REPORTER_ROLES, EVENT_TRANSITIONS,
  type EventAction, type EventActResult, type PartView, type EventBoard, type EventCatalogues, type EventTimeline, type EventTimelineStep, type EventView, type FollowResult,
} from '@machi/core';
import { answer, authHeaders, get, post } from '../../../api';
import { useLiveEvents } from '../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import { useSession } from '../../../session';
import type { PageProps } from '../../types';
import { ImportedBadge, MajorBadge, PartTimer, Photo, PhotoPicker, SeverityBadge, StatusBadge, useCatalogue, useNames, type Picked } from '../components/bits';
import { verifyEventSteps, type StepMark } from '../verify';

const allowedFrom = (action: EventAction, status: string): boolean => (EVENT_TRANSITIONS[action].from as readonly string[]).includes(status);
const has = (list: readonly string[], v: string): boolean => list.includes(v);
type Act = (path: string, body?: unknown) => Promise<void>;

export function EventPage({ params }: PageProps) {
  const id = params.id ?? '';
  const { t } = useTranslation();
  const names = useNames();
  const [ev, setEv] = useState<EventView | null>(null);
  const [tl, setTl] = useState<EventTimeline | null>(null);
  const [marks, setMarks] = useState<StepMark[]>([]);
  const [error, setError] = useState<unknown>(null);
  const cat = useCatalogue();

  // loads overlap (the refresh during a load): only the latest one's answers are shown; marks of steps already
  // verified are kept (a step never changes), new ones are checked
  const latest = useRef(0);
  const verified = useRef(new Map<string, StepMark>());
  const load = useCallback(() => {
    const n = ++latest.current;
    Promise.all([get<EventView>(`/v1/events/${id}`), get<EventTimeline>(`/v1/events/${id}/timeline`)]).then(
      async ([e, timeline]) => {
        if (n !== latest.current) return;
        setEv(e);
        setTl(timeline);
        setError(null);
        setMarks(timeline.steps.map((s) => verified.current.get(s.txHash) ?? { state: 'checking' }));
        const m = await verifyEventSteps(id, timeline.steps);
        timeline.steps.forEach((s, i) => verified.current.set(s.txHash, m[i]!));
        if (n === latest.current) setMarks(m);
      },
      (e: unknown) => n === latest.current && setError(e),
    );
  }, [id]);
  useEffect(() => {
    verified.current = new Map();
    load();
  }, [load]);
  useLiveEvents(load, (f) => f.event === id);

  if (ev === null || tl === null) return <ErrorAlert error={error} />;
  const steps = tl.steps;
  // an imported step's proof names the command centre's event.import (legacy time): shown as such, not as a failure
  const failed = marks.filter((m, i) => m.state === 'failed' && steps[i]?.imported !== true).length;
  const unavailable = marks.filter((m, i) => m.state === 'unavailable' && steps[i]?.imported !== true).length;
  const checked = marks.filter((m) => m.state !== 'checking').length;
  return (
    <Stack maw={980} data-testid="event-page" data-event={id} data-status={ev.status}>
      <Group justify="space-between">
        <Group gap="xs">
          <Title order={3}>{t(`events.category.${ev.category}`)}</Title>
          <MajorBadge major={ev.major} />
          <ImportedBadge imported={ev.imported} />
        </Group>
        <StatusBadge status={ev.status} />
      </Group>
      {ev.imported === true && <Alert color="gray" data-testid="imported-alert">{t('events.importedHint')}</Alert>}
      {ev.open && ev.ackMissed && <Alert color="red" data-testid="ack-missed-alert">{t('events.event.ackMissedAlert')}</Alert>}
      <Card withBorder>
        <Stack gap="xs">
          <Group gap="xs">
            <SeverityBadge severity={ev.severity} />
            <Text size="sm">{names.grid(ev.grid)} · {names.place(ev.location.code)}</Text>
            {cat !== null && <Text size="xs" c="dimmed">GB/T 30428.2 · {cat.categories.find((c) => c.code === ev.category)?.gbClass}</Text>}
          </Group>
          {ev.description !== undefined && <Text data-testid="description">{ev.description}</Text>}
          <Text size="xs" c="dimmed">
            {t('events.event.reportedBy', { kind: t(`events.reporterKind.${ev.reporterKind}`), org: names.org(ev.reporterOrg), at: new Date(ev.reportedAt).toLocaleString() })}
            {' · '}{t('events.event.observed', { at: new Date(ev.observedAt).toLocaleString() })}
            {' · '}{t('events.event.followers', { count: ev.followers })}
          </Text>
          {ev.mergedInto !== null && <Text size="sm">{t('events.event.mergedInto')} <Link href={`/event/${ev.mergedInto}`}>{ev.mergedInto.slice(0, 11)}…</Link></Text>}
          {ev.duplicates.length > 0 && <Text size="sm">{t('events.event.duplicates', { count: ev.duplicates.length })}</Text>}
          {ev.photos.length > 0 && <Group gap="xs">{ev.photos.map((h) => <Photo key={h} event={id} hash={h} size={80} />)}</Group>}
        </Stack>
      </Card>
      {ev.parts.length > 0 && <Parts ev={ev} onDone={load} />}
      {ev.flags.length > 0 && <Flags ev={ev} steps={steps} onDone={load} />}
      <Actions ev={ev} steps={steps} cat={cat} onDone={load} />
      <Card withBorder>
        <Group justify="space-between" mb="sm">
          <Title order={4}>{t('events.timeline.title')}</Title>
          {checked === steps.length && steps.length > 0 && (failed > 0
            ? <Badge color="red" data-testid="verify-summary" data-state="failed">{t('events.verify.someFailed', { count: failed })}</Badge>
            : unavailable > 0
              ? <Badge color="gray" variant="light" data-testid="verify-summary" data-state="unavailable">{t('verify.unavailable')}</Badge>
              : <Badge color="green" data-testid="verify-summary" data-state="verified">{t('events.verify.all', { count: steps.length })}</Badge>)}
        </Group>
        {failed > 0 && <Alert color="red" mb="sm" data-testid="verify-alert">{t('events.verify.failedHint')}</Alert>}
        <Timeline active={steps.length - 1} bulletSize={22} lineWidth={2}>
          {steps.map((s, i) => (
            <Timeline.Item key={s.txHash} data-testid="step" data-action={s.action} data-org={s.org}
              title={<Group gap="xs"><Text fw={600}>{t(`events.action.${s.action}`)}</Text><Badge variant="default" size="sm">{names.org(s.org)}</Badge>{s.imported === true ? <ImportedBadge imported /> : <VerifiedMark mark={marks[i]} />}</Group>}>
              <Text size="xs" c="dimmed">
                {new Date(s.at).toLocaleString()} · {t(`events.status.${s.status}`)}
                {s.actorUsername !== undefined ? ` · ${s.actorUsername}` : ''}
                {marks[i]?.state === 'verified' && marks[i]?.signer !== undefined ? ` · ${t('events.timeline.signedBy', { org: names.org(marks[i]!.signer!) })}` : ''}
                {s.imported === true ? ` · ${t('events.timeline.imported')}` : ''}
              </Text>
              {marks[i]?.state === 'failed' && s.imported !== true && <Text size="xs" c="red" data-testid="mark-reason">{(marks[i] as { field: string }).field}: {(marks[i] as { reason: string }).reason}</Text>}
              <StepDetail event={id} step={s} />
            </Timeline.Item>
          ))}
        </Timeline>
        <Text size="xs" c="dimmed" mt="sm">{t('events.verify.how')}</Text>
      </Card>
      <ErrorAlert error={error} />
    </Stack>
  );
}

function StepDetail({ event, step: s }: { event: string; step: EventTimelineStep }) {
  const { t } = useTranslation();
  const names = useNames();
  const lines: React.ReactNode[] = [];
  if (s.decision !== undefined) lines.push(t(`events.decision.${s.decision}`));
  if (s.reason !== undefined) lines.push(`${t('events.field.reason')}: ${t(`events.reason.${s.reason}`)}`);
  const ds = s.departments ?? [];
  const deadlines = (d: { dueAt: number; ackDueAt?: number }) =>
    `${d.ackDueAt !== undefined ? `${t('events.timeline.ackDue', { at: new Date(d.ackDueAt).toLocaleTimeString() })}; ` : ''}${t('events.timeline.due', { at: new Date(d.dueAt).toLocaleString() })}`;
  // a fan-out gives every department the same deadlines: said once
  if (ds.length > 1 && ds.every((d) => d.dueAt === ds[0]!.dueAt && d.ackDueAt === ds[0]!.ackDueAt)) lines.push(`${ds.map((d) => names.org(d.org)).join(' · ')} (${deadlines(ds[0]!)})`);
  else if (ds.length > 0) lines.push(ds.map((d) => `${names.org(d.org)} (${deadlines(d)})`).join(' · '));
  if (s.result !== undefined) lines.push(`${t('events.field.result')}: ${t(`events.result.${s.result}`)}`);
  if (s.action === 'request_help' && s.to !== undefined) lines.push(t('events.timeline.helpFrom', { org: names.org(s.to) }));
  if (s.action === 'escalate' && s.to !== undefined) lines.push(t('events.timeline.escalated', { org: names.org(s.to), level: s.level ?? 1 }));
  if (s.action === 'flag') lines.push(t('events.timeline.flagged', { kind: t(`events.flagKind.${s.kind ?? 'not-handled'}`), step: (s.step ?? 0) + 1, org: names.org(s.to ?? '') }));
  if (s.action === 'answer_flag' && s.answer !== undefined) lines.push(t('events.timeline.answered', { flag: (s.flag ?? 0) + 1, answer: t(`events.flagAnswer.${s.answer}`) }));
  if (s.check !== undefined) lines.push(t(`events.check.${s.check}`));
  // a report's photos are shown with the event above
  const photos = s.action === 'report' ? [] : [...(s.photoHashes ?? []), ...(s.evidenceHashes ?? [])];
  return (
    <Stack gap={4} mt={4}>
      {lines.map((l, i) => <Text key={i} size="sm" data-testid="step-detail">{l}</Text>)}
      {s.rating !== undefined && <Rating value={s.rating} readOnly size="sm" />}
      {photos.length > 0 && <Group gap="xs">{photos.map((h) => <Photo key={h} event={event} hash={h} size={56} />)}</Group>}
    </Stack>
  );
}

function useAct(onDone: () => void): { act: Act; busy: boolean; error: unknown } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act: Act = async (path, body) => {
    setBusy(true);
    setError(null);
    try {
      await post<EventActResult>(path, body);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { act, busy, error };
}

/** Every department on the event with its timers; the command centre escalates a part past a deadline. */
function Parts({ ev, onDone }: { ev: EventView; onDone: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const names = useNames();
  const { act, busy, error } = useAct(onDone);
  const centre = has(CENTRE_ROLES, user.role) && user.org === ev.centre;
  const time = (at: number | null) => (at === null ? '—' : new Date(at).toLocaleString());
  const desk = useMediaQuery('(min-width: 48em)', true);
  const escalate = (p: PartView) => centre && ev.status === 'dispatched' && (p.ackMissed || p.overdue) && p.escalation < 3 && (
    <Button size="compact-xs" color="red" variant="light" w="fit-content" loading={busy} onClick={() => void act(`/v1/events/${ev.event}/escalate`, { department: p.org })} data-testid="do-escalate">
      {t('events.do.escalate')}
    </Button>
  );
  if (!desk) {
    // a phone: one card per department
    return (
      <Card withBorder>
        <Title order={4} mb="xs">{t('events.parts.title')}</Title>
        <Stack gap="xs" data-testid="parts">
          {ev.parts.map((p) => (
            <Card key={p.org} withBorder padding="xs" bg={ev.open && (p.ackMissed || p.overdue) ? 'red.0' : undefined} data-testid="part" data-org={p.org} data-status={p.status} data-ack-missed={p.ackMissed}>
              <Group justify="space-between" wrap="nowrap">
                <Text size="sm" fw={600}>{names.org(p.org, p.orgName)}</Text>
                <Text size="sm">{t(`events.partStatus.${p.status}`)}</Text>
              </Group>
              <Text size="xs" c="dimmed">{t(`events.via.${p.via}`)}{p.requestedBy !== undefined ? ` · ${names.org(p.requestedBy)}` : ''} · {t('events.parts.due')} {time(p.dueAt)}</Text>
              {p.result !== null && <Text size="xs">{t('events.field.result')}: {t(`events.result.${p.result}`)}</Text>}
              <Group gap={6}><PartTimer part={p} open={ev.open} /></Group>
              {escalate(p)}
            </Card>
          ))}
        </Stack>
        <ErrorAlert error={error} />
      </Card>
    );
  }
  return (
    <Card withBorder>
      <Title order={4} mb="xs">{t('events.parts.title')}</Title>
      <Table.ScrollContainer minWidth={640}>
        <Table data-testid="parts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('events.parts.department')}</Table.Th><Table.Th>{t('events.field.status')}</Table.Th><Table.Th>{t('events.parts.acknowledged')}</Table.Th>
              <Table.Th>{t('events.parts.due')}</Table.Th><Table.Th>{t('events.field.result')}</Table.Th><Table.Th>{t('events.parts.timers')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {ev.parts.map((p) => (
              <Table.Tr key={p.org} bg={ev.open && (p.ackMissed || p.overdue) ? 'red.0' : undefined} data-testid="part" data-org={p.org} data-status={p.status} data-ack-missed={p.ackMissed}>
                <Table.Td>
                  <Text size="sm" fw={600}>{names.org(p.org, p.orgName)}</Text>
                  <Text size="xs" c="dimmed">{t(`events.via.${p.via}`)}{p.requestedBy !== undefined ? ` · ${names.org(p.requestedBy)}` : ''}</Text>
                </Table.Td>
                <Table.Td><Text size="sm">{t(`events.partStatus.${p.status}`)}</Text></Table.Td>
                <Table.Td><Text size="xs">{time(p.acknowledgedAt ?? p.acceptedAt)}</Text>{p.ackDueAt !== null && <Text size="xs" c="dimmed">{t('events.parts.ackBy', { at: new Date(p.ackDueAt).toLocaleTimeString() })}</Text>}</Table.Td>
                <Table.Td><Text size="xs">{time(p.dueAt)}</Text></Table.Td>
                <Table.Td><Text size="xs">{p.result === null ? '—' : t(`events.result.${p.result}`)}</Text>{p.sentBack > 0 && <Text size="xs" c="orange">{t('events.parts.sentBack', { count: p.sentBack })}</Text>}</Table.Td>
                <Table.Td>
                  <Stack gap={2}>
                    <PartTimer part={p} open={ev.open} />
                    {escalate(p)}
                  </Stack>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <ErrorAlert error={error} />
    </Card>
  );
}

/** Flags between departments (mutual supervision), each with its answer; the flagged department answers here. */
function Flags({ ev, steps, onDone }: { ev: EventView; steps: readonly EventTimelineStep[]; onDone: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const names = useNames();
  const { act, busy, error } = useAct(onDone);
  const [answers, setAnswers] = useState<Record<number, string | null>>({});
  const cat = useCatalogue();
  return (
    <Card withBorder>
      <Title order={4} mb="xs">{t('events.flags.title')}</Title>
      <Stack gap="xs">
        {ev.flags.map((f) => {
          const target = steps[f.step];
          const mine = f.target === user.org && f.answer === null && has(DEPARTMENT_ROLES, user.role);
          return (
            <Card key={f.index} withBorder padding="xs" data-testid="flag" data-answered={f.answer !== null}>
              <Text size="sm">
                {t('events.flags.line', { by: names.org(f.by), kind: t(`events.flagKind.${f.kind}`), org: names.org(f.target), step: f.step + 1, action: target === undefined ? '' : t(`events.action.${target.action}`) })}
                {' · '}{new Date(f.raisedAt).toLocaleString()}
              </Text>
              {f.answer !== null
                ? <Text size="sm" c="teal">{t('events.flags.answeredWith', { answer: t(`events.flagAnswer.${f.answer}`), at: new Date(f.answeredAt ?? 0).toLocaleString() })}</Text>
                : <Text size="sm" c="orange">{t('events.flags.waiting', { org: names.org(f.target) })}</Text>}
              {mine && (
                <Group align="flex-end" mt="xs">
                  <Select size="xs" w={220} label={t('events.flags.answer')} value={answers[f.index] ?? null} onChange={(v) => setAnswers({ ...answers, [f.index]: v })} data-testid="flag-answer" comboboxProps={{ withinPortal: true }}
                    data={(cat?.flagAnswers ?? []).map((a) => ({ value: a, label: t(`events.flagAnswer.${a}`) }))} />
                  <Button size="xs" disabled={(answers[f.index] ?? null) === null} loading={busy} data-testid="do-answer-flag"
                    onClick={() => void act(`/v1/events/${ev.event}/answer-flag`, { flag: f.index, answer: answers[f.index] })}>{t('events.do.answerFlag')}</Button>
                </Group>
              )}
            </Card>
          );
        })}
        <ErrorAlert error={error} />
      </Stack>
    </Card>
  );
}

function Actions({ ev, steps, cat, onDone }: { ev: EventView; steps: readonly EventTimelineStep[]; cat: EventCatalogues | null; onDone: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const { act, busy, error } = useAct(onDone);
  const base = `/v1/events/${ev.event}`;
  const centre = has(CENTRE_ROLES, user.role) && user.org === ev.centre;
  const part = ev.parts.find((p) => p.org === user.org);
  const department = has(DEPARTMENT_ROLES, user.role) && part !== undefined;
  const parts: React.ReactNode[] = [];
  if (centre && allowedFrom('triage', ev.status) && (ev.status === 'reported' || ev.major)) {
    parts.push(<TriageForm key="triage" ev={ev} cat={cat} busy={busy} act={act} />);
  }
  if (centre && allowedFrom('dispatch', ev.status) && ev.status !== 'reported') parts.push(<DispatchForm key="dispatch" ev={ev} cat={cat} busy={busy} act={act} />);
  if (centre && allowedFrom('close', ev.status)) parts.push(<CloseForm key="close" ev={ev} cat={cat} busy={busy} act={act} />);
  if (centre && allowedFrom('send_back', ev.status) && ev.parts.some((p) => p.status === 'handled')) parts.push(<SendBackForm key="send-back" ev={ev} cat={cat} busy={busy} act={act} />);
  if (department && ev.status === 'dispatched') {
    if (part.status === 'assigned') parts.push(<Button key="ack" variant="light" loading={busy} onClick={() => void act(`${base}/acknowledge`)} data-testid="do-acknowledge">{t('events.do.acknowledge')}</Button>);
    if (part.status === 'assigned' || part.status === 'acknowledged') parts.push(<Button key="accept" loading={busy} onClick={() => void act(`${base}/accept`)} data-testid="do-accept">{t('events.do.accept')}</Button>);
    if (part.status === 'accepted') parts.push(<HandleForm key="handle" ev={ev} cat={cat} busy={busy} act={act} />);
    if (part.status !== 'handled') parts.push(<HelpForm key="help" ev={ev} cat={cat} busy={busy} act={act} />);
  }
  if ((centre || department) && allowedFrom('flag', ev.status)) {
    const flaggable = steps.filter((s) => s.org !== user.org && ev.parts.some((p) => p.org === s.org) && s.action !== 'report' && s.action !== 'rate');
    if (flaggable.length > 0) parts.push(<FlagForm key="flag" ev={ev} steps={flaggable} cat={cat} busy={busy} act={act} />);
  }
  if (ev.yours && allowedFrom('rate', ev.status) && ev.rating === null) parts.push(<RateForm key="rate" busy={busy} onRate={(rating) => void act(`${base}/rate`, { rating })} />);
  if (!ev.yours && has(EVENT_REPORTER_ROLES, user.role)) parts.push(<FollowButton key="follow" ev={ev} onDone={onDone} />);
  if (parts.length === 0 && error === null) return null;
  return (
    <Card withBorder bg="teal.0" data-testid="actions">
      <Stack>
        {parts}
        <ErrorAlert error={error} />
      </Stack>
    </Card>
  );
}

interface FormProps { ev: EventView; cat: EventCatalogues | null; busy: boolean; act: Act }

function TriageForm({ ev, cat, busy, act }: FormProps) {
  const { t } = useTranslation();
  const [reason, setReason] = useState<string | null>(null);
  const [into, setInto] = useState<string | null>(null);
  const [others, setOthers] = useState<EventBoard['events']>([]);
  useEffect(() => {
    get<EventBoard>('/v1/events/board?limit=100').then((b) => setOthers(b.events.filter((e) => e.event !== ev.event)), () => {});
  }, [ev.event]);
  const base = `/v1/events/${ev.event}/triage`;
  return (
    <Stack data-testid="triage-form">
      <Title order={5}>{t('events.triage.title')}</Title>
      {ev.status === 'reported' && <Button w="fit-content" loading={busy} onClick={() => void act(base, { decision: 'accept' })} data-testid="do-triage-accept">{t('events.triage.accept')}</Button>}
      <Group align="flex-end">
        <Select w={360} label={t('events.triage.mergeInto')} value={into} onChange={setInto} searchable data-testid="triage-into" comboboxProps={{ withinPortal: true }}
          data={others.map((e) => ({ value: e.event, label: `${t(`events.category.${e.category}`)} · ${t(`events.place.${e.location.code}`, { defaultValue: e.location.code })} · ${new Date(e.reportedAt).toLocaleDateString()}` }))} />
        <Button variant="outline" disabled={into === null} loading={busy} onClick={() => void act(base, { decision: 'merge', into })} data-testid="do-triage-merge">{t('events.triage.merge')}</Button>
      </Group>
      <Group align="flex-end">
        <Select w={360} label={t('events.triage.rejectReason')} value={reason} onChange={setReason} data-testid="triage-reason" comboboxProps={{ withinPortal: true }}
          data={(cat?.rejectReasons ?? []).map((r) => ({ value: r, label: t(`events.reason.${r}`) }))} />
        <Button variant="outline" color="red" disabled={reason === null} loading={busy} onClick={() => void act(base, { decision: 'reject', reason })} data-testid="do-triage-reject">{t('events.triage.reject')}</Button>
      </Group>
    </Stack>
  );
}

/** The organisations standing for each department (from the command centre's directory), each once. */
function departmentOrgs(cat: EventCatalogues | null): { org: string; name: string; departments: string[] }[] {
  const out: { org: string; name: string; departments: string[] }[] = [];
  for (const d of cat?.departments ?? []) {
    for (const o of d.orgs) {
      const have = out.find((x) => x.org === o.org);
      if (have === undefined) out.push({ org: o.org, name: o.name, departments: [d.code] });
      else have.departments.push(d.code);
    }
  }
  return out;
}

/** Pick departments, a deadline each (minutes). */
function OrgDeadlines({ orgs, suggested, value, onChange, testId }: {
  orgs: { org: string; name: string; departments: string[] }[]; suggested: readonly string[]; value: Record<string, number | null>; onChange: (v: Record<string, number | null>) => void; testId: string;
}) {
  const { t } = useTranslation();
  const names = useNames();
  return (
    <Stack gap={6}>
      {orgs.map((o) => {
        const on = value[o.org] !== undefined && value[o.org] !== null;
        return (
          <Group key={o.org} gap="sm" wrap="nowrap">
            <Checkbox w={340} checked={on} data-testid={`${testId}-org`} data-org={o.org}
              label={<>{names.org(o.org, o.name)} <Text span size="xs" c="dimmed">{o.departments.map((d) => t(`events.department.${d}`)).join(', ')}</Text></>}
              onChange={(e) => onChange({ ...value, [o.org]: e.currentTarget.checked ? 240 : null })} />
            <Box w={110}>{suggested.some((d) => o.departments.includes(d)) && <Badge size="xs" variant="light">{t('events.dispatch.suggested')}</Badge>}</Box>
            {on && (
              <NumberInput size="xs" w={150} min={5} max={43200} step={30} value={value[o.org] ?? 240} suffix={` ${t('events.dispatch.minutes')}`} data-testid={`${testId}-deadline`} data-org={o.org}
                onChange={(v) => onChange({ ...value, [o.org]: Number(v) || 5 })} />
            )}
          </Group>
        );
      })}
    </Stack>
  );
}

const chosen = (v: Record<string, number | null>) => Object.entries(v).filter((e): e is [string, number] => e[1] !== null).map(([org, deadlineMinutes]) => ({ org, deadlineMinutes }));

function DispatchForm({ ev, cat, busy, act }: FormProps) {
  const { t } = useTranslation();
  const [value, setValue] = useState<Record<string, number | null>>({});
  const orgs = departmentOrgs(cat).filter((o) => !ev.parts.some((p) => p.org === o.org));
  const suggested = cat?.categories.find((c) => c.code === ev.category)?.departments ?? [];
  const departments = chosen(value);
  if (orgs.length === 0) return null;
  return (
    <Stack data-testid="dispatch-form">
      <Title order={5}>{ev.parts.length === 0 ? t('events.dispatch.title') : t('events.dispatch.more')}</Title>
      <OrgDeadlines orgs={orgs} suggested={suggested} value={value} onChange={setValue} testId="dispatch" />
      <Button w="fit-content" disabled={departments.length === 0} loading={busy} data-testid="do-dispatch"
        onClick={() => void act(`/v1/events/${ev.event}/dispatch`, { departments }).then(() => setValue({}))}>{t('events.dispatch.submit', { count: departments.length })}</Button>
    </Stack>
  );
}

function SendBackForm({ ev, cat, busy, act }: FormProps) {
  const { t } = useTranslation();
  const [value, setValue] = useState<Record<string, number | null>>({});
  const [reason, setReason] = useState<string | null>(null);
  const orgs = ev.parts.filter((p) => p.status === 'handled').map((p) => ({ org: p.org, name: p.orgName, departments: p.department === undefined ? [] : [p.department] }));
  const departments = chosen(value);
  return (
    <Stack data-testid="send-back-form">
      <Title order={5}>{t('events.sendBack.title')}</Title>
      <OrgDeadlines orgs={orgs} suggested={[]} value={value} onChange={setValue} testId="send-back" />
      <Group align="flex-end">
        <Select w={300} label={t('events.field.reason')} value={reason} onChange={setReason} data-testid="send-back-reason" comboboxProps={{ withinPortal: true }}
          data={(cat?.sendBackReasons ?? []).map((r) => ({ value: r, label: t(`events.reason.${r}`) }))} />
        <Button variant="outline" color="orange" disabled={departments.length === 0 || reason === null} loading={busy} data-testid="do-send-back"
          onClick={() => void act(`/v1/events/${ev.event}/send-back`, { departments, reason })}>{t('events.sendBack.submit')}</Button>
      </Group>
    </Stack>
  );
}

function CloseForm({ ev, cat, busy, act }: FormProps) {
  const { t } = useTranslation();
  const [check, setCheck] = useState<string | null>('verified-resolved');
  const [photos, setPhotos] = useState<Picked[]>([]);
  return (
    <Stack data-testid="close-form">
      <Title order={5}>{t('events.close.title')}</Title>
      <Text size="sm" c="dimmed">{t('events.close.hint')}</Text>
      <Select w={300} label={t('events.close.check')} value={check} onChange={setCheck} allowDeselect={false} data-testid="close-check" comboboxProps={{ withinPortal: true }}
        data={(cat?.checkResults ?? ['verified-resolved']).map((c) => ({ value: c, label: t(`events.check.${c}`) }))} />
      <PhotoPicker value={photos} onChange={setPhotos} />
      <Button w="fit-content" color="green" disabled={check === null} loading={busy} data-testid="do-close"
        onClick={() => void act(`/v1/events/${ev.event}/close`, { check, ...(photos.length > 0 ? { photos: photos.map((p) => p.hash) } : {}) })}>{t('events.close.submit')}</Button>
    </Stack>
  );
}

function HandleForm({ ev, cat, busy, act }: FormProps) {
  const { t } = useTranslation();
  const [result, setResult] = useState<string | null>(null);
  const [photos, setPhotos] = useState<Picked[]>([]);
  return (
    <Stack data-testid="handle-form">
      <Title order={5}>{t('events.handle.title')}</Title>
      <Select w={300} label={t('events.field.result')} value={result} onChange={setResult} data-testid="handle-result" comboboxProps={{ withinPortal: true }}
        data={(cat?.resultCodes ?? []).map((r) => ({ value: r, label: t(`events.result.${r}`) }))} />
      <PhotoPicker value={photos} onChange={setPhotos} />
      <Button w="fit-content" disabled={result === null} loading={busy} data-testid="do-handle"
        onClick={() => void act(`/v1/events/${ev.event}/handle`, { result, ...(photos.length > 0 ? { photos: photos.map((p) => p.hash) } : {}) })}>{t('events.handle.submit')}</Button>
    </Stack>
  );
}

function HelpForm({ ev, cat, busy, act }: FormProps) {
  const { t } = useTranslation();
  const names = useNames();
  const [to, setTo] = useState<string | null>(null);
  const [reason, setReason] = useState<string | null>(null);
  const [minutes, setMinutes] = useState<number>(240);
  const orgs = departmentOrgs(cat).filter((o) => !ev.parts.some((p) => p.org === o.org) && o.org !== ev.centre);
  if (orgs.length === 0) return null;
  return (
    <Stack data-testid="help-form">
      <Title order={5}>{t('events.help.title')}</Title>
      <Group align="flex-end">
        <Select w={240} label={t('events.help.to')} value={to} onChange={setTo} data-testid="help-to" comboboxProps={{ withinPortal: true }}
          data={orgs.map((o) => ({ value: o.org, label: names.org(o.org, o.name) }))} />
        <Select w={200} label={t('events.field.reason')} value={reason} onChange={setReason} data-testid="help-reason" comboboxProps={{ withinPortal: true }}
          data={(cat?.helpReasons ?? []).map((r) => ({ value: r, label: t(`events.reason.${r}`) }))} />
        <NumberInput w={140} label={t('events.help.deadline')} min={5} max={43200} step={30} value={minutes} onChange={(v) => setMinutes(Number(v) || 5)} />
        <Button variant="outline" disabled={to === null || reason === null} loading={busy} data-testid="do-request-help"
          onClick={() => void act(`/v1/events/${ev.event}/request-help`, { to, reason, deadlineMinutes: minutes })}>{t('events.help.submit')}</Button>
      </Group>
    </Stack>
  );
}

function FlagForm({ ev, steps, cat, busy, act }: FormProps & { steps: readonly EventTimelineStep[] }) {
  const { t } = useTranslation();
  const names = useNames();
  const [step, setStep] = useState<string | null>(null);
  const [kind, setKind] = useState<string | null>(null);
  return (
    <Stack data-testid="flag-form">
      <Title order={5}>{t('events.flags.raise')}</Title>
      <Group align="flex-end">
        <Select w={360} label={t('events.flags.step')} value={step} onChange={setStep} data-testid="flag-step" comboboxProps={{ withinPortal: true }}
          data={steps.map((s) => ({ value: String(s.index), label: `${s.index + 1}. ${names.org(s.org)} · ${t(`events.action.${s.action}`)} · ${new Date(s.at).toLocaleString()}` }))} />
        <Select w={200} label={t('events.flags.kind')} value={kind} onChange={setKind} data-testid="flag-kind" comboboxProps={{ withinPortal: true }}
          data={(cat?.flagKinds ?? []).map((k) => ({ value: k, label: t(`events.flagKind.${k}`) }))} />
        <Button variant="outline" color="violet" disabled={step === null || kind === null} loading={busy} data-testid="do-flag"
          onClick={() => void act(`/v1/events/${ev.event}/flag`, { step: Number(step), kind })}>{t('events.flags.submit')}</Button>
      </Group>
    </Stack>
  );
}

function RateForm({ busy, onRate }: { busy: boolean; onRate: (rating: number) => void }) {
  const { t } = useTranslation();
  const [rating, setRating] = useState(5);
  return (
    <Stack data-testid="rate-form">
      <Title order={5}>{t('events.rate.title')}</Title>
      <Rating value={rating} onChange={setRating} size="lg" data-testid="rate-rating" />
      <Button w="fit-content" loading={busy} onClick={() => onRate(rating)} data-testid="do-rate">{t('events.rate.submit')}</Button>
    </Stack>
  );
}

function FollowButton({ ev, onDone }: { ev: EventView; onDone: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      await answer<FollowResult>(await fetch(`/v1/events/${ev.event}/follow`, { method: ev.following ? 'DELETE' : 'POST', headers: authHeaders() }));
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <Button variant={ev.following ? 'outline' : 'light'} w="fit-content" loading={busy} onClick={() => void toggle()} data-testid="do-follow" data-following={ev.following}>
        {ev.following ? t('events.follow.stop') : t('events.follow.start')}
      </Button>
      <ErrorAlert error={error} />
    </div>
  );
}
