/**
 * The housing bureau's desk (a member hosted on the street office's node; docs/decisions/0001-hosted-departments.md):
 * the maintenance fund's balance and deposits, each use's approval and transfers to the contractor — an ordinary use
 * after the owners approved it and the works started, an emergency one (lift, leak, fire) straight from its proposal,
 * with its 24-hour deadline shown met or not and its first transfer held to 60 % of the budget (checked here before
 * it is sent; the ledger refuses more) — every step verified in this browser; and reads of a unit's owner under the
 * property company's grant (`housing-register-check`), each recorded on the ledger and shown to the owner.
 * docs/spec/property.md#read-grants
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Checkbox, Group, Select, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { EMERGENCY_FIRST_TRANSFER_PCT_MAX, type BlockHeader, type FundRecord, type FundUseRecord, type UnitRecord } from '@machi/core';
import { get, post } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import type { Mark } from '../../../verify/ledger';
import { emergencyCapFen, fenOf, verifyOwnerRead, withinCap, yuan } from '../api';
import { FundSteps, type UseDetail } from './Accounts';

type Fund = FundRecord & { uses: FundUseRecord[] };
type OwnerRead = { unit: string; owner: string; decision: string; reason: string; access: string; txHash: string; height: number; fields: Record<string, string>; commitment: string; opening: unknown };
const PURPOSE = 'housing-register-check';
/** The fields the purpose may read (its classes: identity and address; docs/spec/property.md#read-grants). */
const READ_FIELDS = ['name', 'idNumber', 'building', 'unit'] as const;
const HOUR_MS = 3_600_000;

/** Whether the bureau's next step on a use is its approval (the handler's rule, so no refused click). */
const awaitsApproval = (u: FundUseRecord): boolean => (u.emergency !== null ? u.status === 'proposed' : u.status === 'owners-approved' && u.works !== 'none');

function UseCard({ u, now, onDone }: { u: UseDetail; now: number; onDone: (what: string) => Promise<void> }) {
  const { t, i18n } = useTranslation();
  const first = u.transfers.length === 0;
  const cap = u.emergency !== null && first ? emergencyCapFen(u.budgetFen) : u.budgetFen - u.transferredFen;
  const [amount, setAmount] = useState(() => (cap / 100).toFixed(2));
  const [reference, setReference] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fen = fenOf(amount);
  const overCap = fen !== null && (u.emergency !== null && first ? !withinCap(fen, u.budgetFen) : fen > u.budgetFen - u.transferredFen);
  const when = (ms: number): string => new Date(ms).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const act = async (what: string, path: string, body?: unknown): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      await post(path, body);
      await onDone(what);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  // the deadline as the ledger records it (metDeadline) once the first transfer is made; before, against ledger time
  const deadline = u.deadlineAt === null ? null
    : u.metDeadline !== null ? (u.metDeadline ? 'met' : 'missed')
      : now > u.deadlineAt ? 'missed' : 'running';
  return (
    <Card withBorder data-testid="bureau-use" data-use={u.use} data-status={u.status}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Stack gap={0}>
            <Text fw={700}>{u.title}</Text>
            <Text size="xs" c="dimmed">{u.building} · {u.contractor} · {t('property.fund.budget', { budget: yuan(u.budgetFen) })} · {t('property.fund.transferred', { done: yuan(u.transferredFen), budget: yuan(u.budgetFen) })}</Text>
          </Stack>
          <Group gap={4} wrap="nowrap">
            {u.emergency !== null && <Badge color="orange" data-testid="emergency">{t('property.fund.emergencyOf', { category: t(`property.emergency.${u.emergency.category}`) })}</Badge>}
            <Badge variant="light" data-testid="use-status">{t(`property.fundStatus.${u.status}`)}</Badge>
          </Group>
        </Group>
        {u.emergency !== null && (
          <Group gap="md" data-testid="emergency-rules">
            <Text size="sm">{t('property.bureau.trigger', { what: u.emergency.alarm !== undefined ? t('property.bureau.alarm', { id: u.emergency.alarm }) : t('property.bureau.repair', { id: u.emergency.repair }) })}</Text>
            <Badge color={deadline === 'met' ? 'teal' : deadline === 'missed' ? 'red' : 'blue'} variant="light" data-testid="deadline" data-state={deadline}>
              {deadline === 'running'
                ? t('property.bureau.deadlineRunning', { date: when(u.deadlineAt!), hours: Math.max(0, Math.floor((u.deadlineAt! - now) / HOUR_MS)), minutes: Math.max(0, Math.floor(((u.deadlineAt! - now) % HOUR_MS) / 60_000)) })
                : t(`property.bureau.deadline-${deadline}`, { date: when(u.deadlineAt!) })}
            </Badge>
            <Badge color="gray" variant="outline" data-testid="cap">{t('property.bureau.cap', { pct: EMERGENCY_FIRST_TRANSFER_PCT_MAX, cap: yuan(emergencyCapFen(u.budgetFen)) })}</Badge>
          </Group>
        )}
        {u.emergency === null && u.status === 'proposed' && <Text size="sm" c="dimmed">{t('property.bureau.waitsVote')}</Text>}
        {u.emergency === null && u.status === 'owners-approved' && u.works === 'none' && <Text size="sm" c="dimmed">{t('property.bureau.waitsWorks')}</Text>}
        <FundSteps use={u} />
        <ErrorAlert error={error} />
        {awaitsApproval(u) && (
          <Button style={{ alignSelf: 'flex-start' }} loading={busy} data-testid="approve" onClick={() => void act('approved', `/v1/property/fund/uses/${u.use}/approve`)}>{t('property.bureau.approve')}</Button>
        )}
        {u.status === 'approved' && (u.emergency === null || first || u.works === 'completed') && (
          <Group align="end">
            <TextInput label={t('property.bureau.amount')} value={amount} onChange={(e) => setAmount(e.currentTarget.value)} w={160} data-testid="transfer-amount"
              error={fen === null ? t('property.desk.amountInvalid') : overCap ? t(u.emergency !== null && first ? 'property.bureau.overCap' : 'property.bureau.overBudget', { cap: yuan(cap) }) : undefined} />
            <TextInput label={t('property.bureau.reference')} placeholder="HB-20261207-0001" value={reference} onChange={(e) => setReference(e.currentTarget.value)} w={220} data-testid="transfer-reference" />
            <Button loading={busy} disabled={fen === null || overCap || !/^[A-Za-z0-9-]{8,40}$/.test(reference)} data-testid="transfer"
              onClick={() => void act('transferred', `/v1/property/fund/uses/${u.use}/transfers`, { amountFen: fen, reference })}>{t('property.bureau.transfer')}</Button>
          </Group>
        )}
        {u.status === 'approved' && u.emergency !== null && !first && u.works !== 'completed' && <Text size="sm" c="dimmed">{t('property.bureau.waitsCompletion')}</Text>}
      </Stack>
    </Card>
  );
}

function OwnerReads() {
  const { t } = useTranslation();
  const [units, setUnits] = useState<UnitRecord[]>([]);
  const [unit, setUnit] = useState<string | null>(null);
  const [fields, setFields] = useState<string[]>(['name', 'idNumber']);
  const [read, setRead] = useState<OwnerRead | null>(null);
  const [check, setCheck] = useState<{ access: Mark; fields: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void get<{ units: UnitRecord[] }>('/v1/property/register').then((r) => setUnits(r.units.filter((u) => u.owner !== null)), setError);
  }, []);
  const go = async (): Promise<void> => {
    if (unit === null) return;
    setError(null);
    setRead(null);
    setCheck(null);
    setBusy(true);
    try {
      const r = await get<OwnerRead>(`/v1/property/units/${encodeURIComponent(unit)}/owner?purpose=${PURPOSE}&fields=${fields.join(',')}`);
      setRead(r);
      setCheck(await verifyOwnerRead(r));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="md" maw={760}>
      <Text size="sm" c="dimmed">{t('property.bureau.readIntro')}</Text>
      <Group align="end">
        <Select label={t('property.desk.unit')} data={units.map((u) => u.unit)} value={unit} onChange={setUnit} searchable w={200} data-testid="read-unit" />
        <Checkbox.Group label={t('property.bureau.fields')} value={fields} onChange={setFields}>
          <Group gap="sm" mt={6}>{READ_FIELDS.map((f) => <Checkbox key={f} value={f} label={t(`field.${f}`, { defaultValue: f })} data-testid={`read-field-${f}`} />)}</Group>
        </Checkbox.Group>
        <Button loading={busy} disabled={unit === null || fields.length === 0} onClick={() => void go()} data-testid="read-owner">{t('property.bureau.read')}</Button>
      </Group>
      <ErrorAlert error={error} />
      {read !== null && (
        <Card withBorder data-testid="owner-read">
          <Group justify="space-between" mb="xs">
            <Text fw={700}>{t('property.bureau.readOf', { unit: read.unit })}</Text>
            <Text size="xs" c="dimmed" ff="monospace">{read.owner.slice(0, 20)}…</Text>
          </Group>
          <Table>
            <Table.Tbody>
              {Object.entries(read.fields).map(([k, v]) => (
                <Table.Tr key={k}><Table.Td w={160}>{t(`field.${k}`, { defaultValue: k })}</Table.Td><Table.Td data-testid="read-value">{v}</Table.Td></Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group mt="xs" gap="md">
            <Badge color={check?.fields === true ? 'green' : check === null ? 'gray' : 'red'} variant="light" data-testid="fields-check" data-state={check === null ? 'checking' : check.fields ? 'verified' : 'failed'}>
              {t(check === null ? 'verify.checking' : check.fields ? 'property.bureau.fieldsMatch' : 'property.bureau.fieldsDiffer')}
            </Badge>
            <Group gap={4}><Text size="sm">{t('property.bureau.accessRecord')}</Text><VerifiedMark mark={check?.access} /></Group>
          </Group>
          <Text size="xs" c="dimmed" mt="xs">{t('property.bureau.readNote')}</Text>
        </Card>
      )}
    </Stack>
  );
}

export function BureauPage() {
  const { t } = useTranslation();
  const [fund, setFund] = useState<Fund | null>(null);
  const [uses, setUses] = useState<UseDetail[]>([]);
  const [now, setNow] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [deposit, setDeposit] = useState({ amount: '', reference: '' });
  const load = useCallback(async () => {
    try {
      const [f, b] = await Promise.all([get<Fund>('/v1/property/public/fund'), get<{ header: BlockHeader }>('/v1/blocks/latest')]);
      setUses(await Promise.all(f.uses.map((u) => get<UseDetail>(`/v1/property/public/fund/uses/${u.use}`))));
      setFund(f);
      setNow(b.header.time);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const after = async (what: string): Promise<void> => {
    setDone(what);
    await load();
  };
  const depositFen = fenOf(deposit.amount);
  const pending = uses.filter(awaitsApproval).length;
  return (
    <Stack gap="md">
      <Title order={3}>{t('property.bureau.title')}</Title>
      <ErrorAlert error={error} />
      {done !== null && <Text c="teal" data-testid="done">{t('property.desk.done', { what: t(`property.bureau.${done}`) })}</Text>}
      <Tabs defaultValue="fund" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="fund" data-testid="tab-fund">{t('property.fund.title')}{pending > 0 ? ` (${pending})` : ''}</Tabs.Tab>
          <Tabs.Tab value="reads" data-testid="tab-reads">{t('property.bureau.reads')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="fund" pt="md">
          <Stack gap="md">
            {fund !== null && (
              <Card withBorder data-testid="fund-balance">
                <Group justify="space-between" align="end">
                  <Stack gap={0}>
                    <Text size="sm">{t('property.fund.balance')}</Text>
                    <Text fw={700} size="xl" ff="monospace">{yuan(fund.balanceFen)}</Text>
                    <Text size="xs" c="dimmed">{t('property.fund.inOut', { deposited: yuan(fund.depositedFen), transferred: yuan(fund.transferredFen) })}</Text>
                  </Stack>
                  <Group align="end">
                    <TextInput label={t('property.bureau.depositAmount')} value={deposit.amount} onChange={(e) => setDeposit({ ...deposit, amount: e.currentTarget.value })} w={150}
                      error={deposit.amount !== '' && depositFen === null ? t('property.desk.amountInvalid') : undefined} />
                    <TextInput label={t('property.bureau.reference')} value={deposit.reference} onChange={(e) => setDeposit({ ...deposit, reference: e.currentTarget.value })} w={200} />
                    <Button variant="light" disabled={depositFen === null || depositFen <= 0 || !/^[A-Za-z0-9-]{8,40}$/.test(deposit.reference)}
                      onClick={() => void post('/v1/property/fund/deposits', { amountFen: depositFen, reference: deposit.reference }).then(() => after('deposited'), setError)}>{t('property.bureau.deposit')}</Button>
                  </Group>
                </Group>
              </Card>
            )}
            {pending === 0 && fund !== null && <Alert color="gray" variant="light">{t('property.bureau.nothingPending')}</Alert>}
            {[...uses].sort((a, b) => Number(awaitsApproval(b)) - Number(awaitsApproval(a)) || b.proposedAt - a.proposedAt).map((u) => <UseCard key={`${u.use}/${u.steps.length}`} u={u} now={now} onDone={after} />)}
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="reads" pt="md"><OwnerReads /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
