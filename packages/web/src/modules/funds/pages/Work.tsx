/**
 * The funds desk of every part of a programme, by what the signed-in organisation is in it: the community verifies
 * applications, publishes the notice (the masked list) and records objections; the reviewing department approves or
 * refuses with a reason code and sees the notice's objections; the treasury instructs payments; the bank returns
 * receipts and reconciles. Every application's and payment's steps are verified in the browser. The API decides.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Badge, Button, Card, Checkbox, Group, NumberInput, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { OBJECTION_GROUNDS, OBJECTION_OUTCOMES, PAYMENT_FAILURE_REASONS, REVIEW_REASONS, VERIFY_REJECT_REASONS, periodOf, type ApplicationRecord, type ProgrammeRecord } from '@machi/core';
import { get, post } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { useSession } from '../../../session';
import { items, yuan, type ApplicationView, type BudgetView, type ProvedPayment } from '../api';
import { Steps, when } from '../components/Steps';
import { statusColour } from './Mine';

export function WorkPage() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const [progs, setProgs] = useState<ProgrammeRecord[]>([]);
  const [prog, setProg] = useState<string | null>(null);
  const [apps, setApps] = useState<ApplicationRecord[]>([]);
  const [open, setOpen] = useState<ApplicationView | null>(null);
  const [payments, setPayments] = useState<ProvedPayment[]>([]);
  const [budget, setBudget] = useState<BudgetView | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const p = progs.find((x) => x.programme === prog);
  const parts = useMemo(() => ({
    community: p?.communities.includes(user.org) === true, reviewer: p?.reviewer === user.org, treasury: p?.treasury === user.org, bank: p?.bank === user.org,
  }), [p, user.org]);

  useEffect(() => {
    items<ProgrammeRecord>('/v1/funds/programmes').then((l) => {
      setProgs(l);
      setProg((c) => c ?? l[0]?.programme ?? null);
    }, setError);
  }, []);
  const reload = useCallback(async () => {
    if (prog === null) return;
    const list = await items<ApplicationRecord>(`/v1/funds/programmes/${prog}/applications`);
    setApps(list);
    setBudget(await get<BudgetView>(`/v1/funds/programmes/${prog}/budget`));
    const approved = list.filter((a) => a.stage === 'approved');
    const views = await Promise.all(approved.map((a) => get<ApplicationView>(`/v1/funds/applications/${a.application}`)));
    setPayments(views.flatMap((v) => v.payments ?? []).sort((x, y) => y.period.localeCompare(x.period) || y.instructedAt - x.instructedAt));
  }, [prog]);
  useEffect(() => {
    setOpen(null);
    setPicked([]);
    reload().catch(setError);
  }, [reload]);

  const act = async (what: string, path: string, body: unknown) => {
    setError(null);
    setDone(null);
    try {
      await post(path, body);
      await reload();
      if (open !== null) setOpen(await get<ApplicationView>(`/v1/funds/applications/${open.application}`));
      setDone(what); // shown once every view on the page reflects the step
    } catch (e) {
      setError(e);
    }
  };
  const show = async (id: string) => setOpen(await get<ApplicationView>(`/v1/funds/applications/${id}`));
  const amountOf = (a: { category: string }) => p?.categories.find((c) => c.category === a.category)?.amountFen ?? 0;
  const period = p === undefined ? '' : periodOf(p.recurrence, Date.now());

  return (
    <Stack gap="md">
      <Group justify="space-between" align="end">
        <Title order={3}>{t('funds.work.title')}</Title>
        <Select data-testid="fund-programme" w={280} value={prog} onChange={setProg} allowDeselect={false}
          data={progs.map((x) => ({ value: x.programme, label: t(`funds.programme.${x.programme}`, { defaultValue: x.programme }) }))} />
      </Group>
      {p !== undefined && (
        <Group gap="xs">
          {(['community', 'reviewer', 'treasury', 'bank'] as const).filter((k) => parts[k]).map((k) => <Badge key={k} data-testid="fund-part">{t(`funds.part.${k}`)}</Badge>)}
          <Text size="sm" c="dimmed">{t('funds.work.standard')}: {p.categories.map((c) => `${t(`funds.category.${c.category}`, { defaultValue: c.category })} ${yuan(c.amountFen)}`).join(' · ')}</Text>
        </Group>
      )}
      <ErrorAlert error={error} />
      {done !== null && <Text c="teal" data-testid="fund-done">{t('funds.work.done', { what: t(`funds.action.${done}`) })}</Text>}

      <Card withBorder>
        <Stack gap="xs">
          <Group justify="space-between">
            <Text fw={700}>{t('funds.work.applications')}</Text>
            {parts.community && (
              <Button size="xs" data-testid="fund-publish" disabled={picked.length === 0} onClick={() => void act('notice', '/v1/funds/notices', { programme: prog, applications: picked })}>
                {t('funds.work.publish', { count: picked.length })}
              </Button>
            )}
          </Group>
          <Table striped highlightOnHover>
            <Table.Thead><Table.Tr><Table.Th /><Table.Th>{t('funds.work.application')}</Table.Th><Table.Th>{t('funds.work.category')}</Table.Th><Table.Th>{t('funds.work.building')}</Table.Th><Table.Th>{t('funds.work.stage')}</Table.Th><Table.Th>{t('funds.work.objections')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
            <Table.Tbody>
              {apps.map((a) => (
                <Table.Tr key={a.application} data-testid="fund-application" data-stage={a.stage} data-id={a.application}>
                  <Table.Td>{parts.community && a.stage === 'verified' && <Checkbox size="xs" checked={picked.includes(a.application)} onChange={(e) => setPicked((l) => (e.currentTarget.checked ? [...l, a.application] : l.filter((x) => x !== a.application)))} />}</Table.Td>
                  <Table.Td><Text size="sm" ff="monospace">{a.application.slice(0, 11)}…</Text></Table.Td>
                  <Table.Td>{t(`funds.category.${a.category}`, { defaultValue: a.category })}</Table.Td>
                  <Table.Td>{a.building}</Table.Td>
                  <Table.Td><Badge variant="light">{t(`funds.stage.${a.stage}`)}</Badge></Table.Td>
                  <Table.Td>{a.objections.length}</Table.Td>
                  <Table.Td><Button size="compact-xs" variant="subtle" data-testid="fund-open" onClick={() => void show(a.application).catch(setError)}>{t('funds.work.open')}</Button></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Card>

      {open !== null && <ApplicationCard a={open} parts={parts} act={act} amount={amountOf(open)} period={period} lang={i18n.language} />}

      {(parts.treasury || parts.bank) && <Payments payments={payments} bank={parts.bank} treasury={parts.treasury} act={act} />}
      {(parts.treasury || parts.bank) && budget !== null && prog !== null && <Reconcile budget={budget} programme={prog} bank={parts.bank} act={act} />}
    </Stack>
  );
}

type Act = (what: string, path: string, body: unknown) => Promise<void>;

function ApplicationCard({ a, parts, act, amount, period, lang }: { a: ApplicationView; parts: Record<'community' | 'reviewer' | 'treasury' | 'bank', boolean>; act: Act; amount: number; period: string; lang: string }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState<string>('income-above-threshold');
  const [reject, setReject] = useState<string>('documents-incomplete');
  const [ground, setGround] = useState<string>('income-understated');
  const [text, setText] = useState('');
  const [finding, setFinding] = useState('');
  const [outcome, setOutcome] = useState<string>('dismissed');
  const base = `/v1/funds/applications/${a.application}`;
  const codes = (l: readonly string[], prefix: string) => l.map((c) => ({ value: c, label: t(`${prefix}.${c}`) }));
  return (
    <Card withBorder data-testid="fund-application-card">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Stack gap="xs">
          <Text fw={700}>{t('funds.work.application')} <Text span ff="monospace" size="sm">{a.application}</Text></Text>
          <Text size="sm">{t(`funds.category.${a.category}`, { defaultValue: a.category })} · {a.building} · {yuan(amount)} · <Badge variant="light">{t(`funds.stage.${a.stage}`)}</Badge></Text>
          <Steps about={a.application} steps={a.steps} />
          {a.objections.length > 0 && <Text fw={600} mt="xs">{t('funds.work.objections')}</Text>}
          {a.objections.map((o, i) => (
            <Group key={i} justify="space-between" data-testid="fund-objection">
              <Text size="sm">{t(`funds.ground.${o.ground}`)} · {when(o.receivedAt, lang)}</Text>
              <Badge color={o.outcome === null ? 'orange' : 'gray'}>{o.outcome === null ? t('funds.work.pending') : t(`funds.outcome.${o.outcome}`)}</Badge>
              {parts.community && o.outcome === null && (
                <Group gap="xs" w="100%">
                  <Select size="xs" value={outcome} onChange={(v) => v !== null && setOutcome(v)} data={codes(OBJECTION_OUTCOMES, 'funds.outcome')} />
                  <TextInput size="xs" placeholder={t('funds.work.finding')} value={finding} onChange={(e) => setFinding(e.currentTarget.value)} />
                  <Button size="xs" disabled={finding === ''} onClick={() => void act('answer_objection', `${base}/objections/${i}/answer`, { outcome, finding })}>{t('funds.work.answer')}</Button>
                </Group>
              )}
            </Group>
          ))}
        </Stack>
        <Stack gap="sm">
          {parts.community && a.stage === 'applied' && (
            <Group gap="xs">
              <Button size="xs" data-testid="fund-verify" onClick={() => void act('verify', `${base}/verify`, { result: 'verified' })}>{t('funds.work.verify')}</Button>
              <Select size="xs" value={reject} onChange={(v) => v !== null && setReject(v)} data={codes(VERIFY_REJECT_REASONS, 'funds.reason')} />
              <Button size="xs" color="red" variant="light" onClick={() => void act('verify', `${base}/verify`, { result: 'rejected', reason: reject })}>{t('funds.work.reject')}</Button>
            </Group>
          )}
          {parts.community && a.stage === 'noticed' && (
            <Stack gap={4}>
              <Text size="sm" fw={600}>{t('funds.work.recordObjection')}</Text>
              <Group gap="xs">
                <Select size="xs" data-testid="fund-ground" value={ground} onChange={(v) => v !== null && setGround(v)} data={codes(OBJECTION_GROUNDS, 'funds.ground')} />
                <TextInput size="xs" data-testid="fund-objection-text" placeholder={t('funds.work.objectionText')} value={text} onChange={(e) => setText(e.currentTarget.value)} />
                <Button size="xs" data-testid="fund-object" disabled={text === ''} onClick={() => void act('object', `${base}/objections`, { ground, text })}>{t('funds.work.record')}</Button>
              </Group>
            </Stack>
          )}
          {parts.reviewer && a.stage === 'noticed' && (
            <Stack gap={4}>
              <Text size="sm" fw={600}>{t('funds.work.review')}</Text>
              <Group gap="xs">
                <Button size="xs" data-testid="fund-approve" onClick={() => void act('review', `${base}/review`, { decision: 'approve', reason: 'meets-criteria' })}>{t('funds.work.approve')}</Button>
                <Select size="xs" w={230} data-testid="fund-refuse-reason" value={reason} onChange={(v) => v !== null && setReason(v)} data={codes(REVIEW_REASONS.filter((r) => r !== 'meets-criteria'), 'funds.reason')} />
                <Button size="xs" color="red" variant="light" data-testid="fund-refuse" onClick={() => void act('review', `${base}/review`, { decision: 'refuse', reason })}>{t('funds.work.refuse')}</Button>
              </Group>
            </Stack>
          )}
          {parts.treasury && a.stage === 'approved' && !(a.payments ?? []).some((x) => x.period === period && x.status !== 'failed' && x.status !== 'blocked') && (
            <Button size="xs" w="fit-content" data-testid="fund-instruct" onClick={() => void act('instruct', '/v1/funds/payments', { application: a.application, period, amountFen: amount })}>{t('funds.work.instruct', { period, amount: yuan(amount) })}</Button>
          )}
        </Stack>
      </SimpleGrid>
    </Card>
  );
}

function Payments({ payments, bank, treasury, act }: { payments: ProvedPayment[]; bank: boolean; treasury: boolean; act: Act }) {
  const { t } = useTranslation();
  const [account, setAccount] = useState('');
  const [failure, setFailure] = useState<string>('account-frozen');
  const [shown, setShown] = useState<string | null>(null);
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Text fw={700}>{t('funds.work.payments')}</Text>
        {bank && <TextInput size="xs" maw={320} label={t('funds.work.account')} data-testid="fund-account" value={account} onChange={(e) => setAccount(e.currentTarget.value)} />}
        <Table striped>
          <Table.Thead><Table.Tr><Table.Th>{t('funds.work.period')}</Table.Th><Table.Th>{t('funds.work.payment')}</Table.Th><Table.Th>{t('funds.work.amount')}</Table.Th><Table.Th>{t('funds.work.status')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {payments.slice(0, 30).map((p) => (
              <Table.Tr key={p.payment} data-testid="fund-payment" data-status={p.status}>
                <Table.Td>{p.period}</Table.Td>
                <Table.Td><Text size="sm" ff="monospace">{p.payment.slice(0, 11)}…</Text></Table.Td>
                <Table.Td>{yuan(p.amountFen)}</Table.Td>
                <Table.Td><Badge color={statusColour[p.status] ?? 'gray'}>{t(`funds.status.${p.status}`)}</Badge>{p.blockedBy.map((k) => <Badge key={k} ml={4} color="red" variant="outline">{t(`funds.alert.${k}`)}</Badge>)}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Button size="compact-xs" variant="subtle" onClick={() => setShown(shown === p.payment ? null : p.payment)}>{t('funds.work.steps')}</Button>
                    {bank && p.status === 'instructed' && <>
                      <Button size="compact-xs" disabled={account === ''} onClick={() => void act('receipt', `/v1/funds/payments/${p.payment}/receipts`, { result: 'paid', amountFen: p.amountFen, accountNumber: account })}>{t('funds.work.paid')}</Button>
                      <Select size="xs" w={150} value={failure} onChange={(v) => v !== null && setFailure(v)} data={PAYMENT_FAILURE_REASONS.map((r) => ({ value: r, label: t(`funds.reason.${r}`) }))} />
                      <Button size="compact-xs" color="red" variant="light" disabled={account === ''} onClick={() => void act('receipt', `/v1/funds/payments/${p.payment}/receipts`, { result: 'failed', reason: failure, amountFen: p.amountFen, accountNumber: account })}>{t('funds.work.failed')}</Button>
                    </>}
                    {treasury && p.status === 'failed' && <Button size="compact-xs" onClick={() => void act('reissue', `/v1/funds/payments/${p.payment}/reissue`, {})}>{t('funds.work.reissue')}</Button>}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {shown !== null && payments.find((p) => p.payment === shown) !== undefined && <Steps about={shown} steps={payments.find((p) => p.payment === shown)!.steps} />}
      </Stack>
    </Card>
  );
}

function Reconcile({ budget, programme, bank, act }: { budget: BudgetView; programme: string; bank: boolean; act: Act }) {
  const { t } = useTranslation();
  const periods = [...budget.periods].sort((a, b) => b.period.localeCompare(a.period));
  const [period, setPeriod] = useState<string | null>(periods[0]?.period ?? null);
  const b = periods.find((x) => x.period === period);
  const [counts, setCounts] = useState({ paidCount: 0, paidFen: 0, failedCount: 0 });
  useEffect(() => {
    if (b !== undefined) setCounts({ paidCount: b.paidCount, paidFen: b.paidFen, failedCount: b.failedCount });
  }, [b]);
  return (
    <Card withBorder data-testid="fund-reconciliation">
      <Stack gap="xs">
        <Text fw={700}>{t('funds.work.reconciliation')}</Text>
        <Table striped>
          <Table.Thead><Table.Tr><Table.Th>{t('funds.work.period')}</Table.Th><Table.Th>{t('funds.work.bankSays')}</Table.Th><Table.Th>{t('funds.work.ledgerSays')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {[...budget.reconciliations].sort((x, y) => y.period.localeCompare(x.period)).slice(0, 12).map((r) => (
              <Table.Tr key={r.reconciliation}>
                <Table.Td>{r.period}</Table.Td>
                <Table.Td>{r.paidCount} · {yuan(r.paidFen)} · {r.failedCount}</Table.Td>
                <Table.Td>{r.ledger.paidCount} · {yuan(r.ledger.paidFen)} · {r.ledger.failedCount}</Table.Td>
                <Table.Td><Badge color={r.matches ? 'teal' : 'red'}>{r.matches ? t('funds.work.matches') : t('funds.work.differs')}</Badge></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {bank && (
          <Group gap="xs" align="end">
            <Select size="xs" label={t('funds.work.period')} value={period} onChange={setPeriod} data={periods.map((x) => x.period)} />
            <NumberInput size="xs" w={110} label={t('funds.work.paidCount')} value={counts.paidCount} onChange={(v) => setCounts((c) => ({ ...c, paidCount: Number(v) }))} allowDecimal={false} />
            <NumberInput size="xs" w={140} label={t('funds.work.paidFen')} value={counts.paidFen} onChange={(v) => setCounts((c) => ({ ...c, paidFen: Number(v) }))} allowDecimal={false} />
            <NumberInput size="xs" w={110} label={t('funds.work.failedCount')} value={counts.failedCount} onChange={(v) => setCounts((c) => ({ ...c, failedCount: Number(v) }))} allowDecimal={false} />
            <Button size="xs" onClick={() => void act('reconcile', '/v1/funds/reconciliations', { programme, period, ...counts })}>{t('funds.work.reconcile')}</Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
