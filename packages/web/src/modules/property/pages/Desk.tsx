/**
 * The property staff desk: issue a month's bills for a building, record a payment with its reference, send a reminder
 * on arrears (reminder and written demand only); open owners' votes, follow their running counts and close them for
 * the exact tally; follow tenders (commitments only until the deadline, the opening record after); a unit's household
 * (pseudonyms) and vehicles (the plate kept in the vault, its commitment and parking space on the ledger).
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Group, Select, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DEMAND_AFTER_REMINDER_MS_MIN, VOTE_MATTERS, type BillRecord, type HouseholdRecord, type OwnersVoteRecord, type TenderRecord, type VehicleRecord } from '@machi/core';
import { get, post, put } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { fenOf, yuan } from '../api';

type Vote = OwnersVoteRecord;
type StaffFileView = { id: string; name: string; role: string; pseudonym: string; licences: { licence: string; kind: string; number: string; expiresAt: number }[]; training: { course: string; completedAt: number }[] };
type LicenceAlertView = { staff: string; name: string; licence: string; kind: string; expiresAt: number; expired: boolean };
type Tender = TenderRecord & { status: string };

export function DeskPage() {
  const { t, i18n } = useTranslation();
  const [arrears, setArrears] = useState<BillRecord[]>([]);
  const [votes, setVotes] = useState<Vote[]>([]);
  const [tenders, setTenders] = useState<Tender[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [bill, setBill] = useState({ period: '', building: 'b1', dueDays: '15' });
  const [pay, setPay] = useState({ unit: '', period: '', amount: '', reference: '' });
  const [vote, setVote] = useState<{ matter: string | null; title: string; days: string }>({ matter: 'rules', title: '', days: '14' });
  const [unit, setUnit] = useState('b1-u0101');
  const [residents, setResidents] = useState<{ household: HouseholdRecord | null; vehicles: VehicleRecord[] } | null>(null);
  const [car, setCar] = useState({ space: '', plate: '' });
  const [staff, setStaff] = useState<StaffFileView[]>([]);
  const [alerts, setAlerts] = useState<LicenceAlertView[]>([]);
  const loadStaff = async (): Promise<void> => {
    try {
      const [f, a] = await Promise.all([get<{ items: StaffFileView[] }>('/v1/property/staff'), get<{ items: LicenceAlertView[] }>('/v1/property/staff/alerts')]);
      setStaff(f.items);
      setAlerts(a.items);
    } catch (e) {
      setError(e);
    }
  };
  const loadUnit = async (u: string): Promise<void> => {
    setError(null);
    try {
      setResidents(await get(`/v1/property/units/${encodeURIComponent(u)}/residents`));
    } catch (e) {
      setResidents(null);
      setError(e);
    }
  };
  const addVehicle = async (): Promise<void> => {
    setError(null);
    setDone(null);
    try {
      await put('/v1/property/vehicles', { unit, space: car.space === '' ? null : car.space, plate: car.plate.trim().toUpperCase() });
      setDone('vehicleAdded');
      setCar({ space: '', plate: '' });
      await loadUnit(unit);
    } catch (e) {
      setError(e);
    }
  };
  const load = useCallback(async () => {
    try {
      const [a, v, tt] = await Promise.all([get<{ items: BillRecord[] }>('/v1/property/arrears'), get<{ items: Vote[] }>('/v1/property/public/votes'), get<{ items: Tender[] }>('/v1/property/public/tenders')]);
      setArrears(a.items);
      setVotes(v.items);
      setTenders(tt.items);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (what: string, path: string, body?: unknown): Promise<void> => {
    setError(null);
    setDone(null);
    try {
      await post(path, body);
      setDone(what);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const when = (ms: number): string => new Date(ms).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const fen = fenOf(pay.amount);
  return (
    <Stack gap="md">
      <Title order={3}>{t('property.desk.title')}</Title>
      <ErrorAlert error={error} />
      {done !== null && <Text c="teal" data-testid="done">{t('property.desk.done', { what: t(`property.desk.${done}`) })}</Text>}
      <Tabs defaultValue="bills" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="bills" data-testid="tab-bills">{t('property.desk.bills')}</Tabs.Tab>
          <Tabs.Tab value="votes" data-testid="tab-votes">{t('property.desk.votes')}</Tabs.Tab>
          <Tabs.Tab value="tenders" data-testid="tab-tenders">{t('property.desk.tenders')}</Tabs.Tab>
          <Tabs.Tab value="register" data-testid="tab-register">{t('property.desk.register')}</Tabs.Tab>
          <Tabs.Tab value="staff" data-testid="tab-staff" onClick={() => void loadStaff()}>{t('property.desk.staff')}</Tabs.Tab>
        </Tabs.List>

        <Tabs.Panel value="bills" pt="md">
          <Stack gap="md">
            <Card withBorder>
              <Text fw={700} mb="xs">{t('property.desk.issueBills')}</Text>
              <Group align="end">
                <TextInput label={t('property.desk.period')} placeholder="2026-11" value={bill.period} onChange={(e) => setBill({ ...bill, period: e.currentTarget.value })} data-testid="bill-period" />
                <TextInput label={t('property.desk.building')} value={bill.building} onChange={(e) => setBill({ ...bill, building: e.currentTarget.value })} w={100} />
                <TextInput label={t('property.desk.dueDays')} value={bill.dueDays} onChange={(e) => setBill({ ...bill, dueDays: e.currentTarget.value })} w={120} />
                <Button data-testid="issue-bills" onClick={() => void act('issued', '/v1/property/bills', { period: bill.period, building: bill.building, dueAt: Date.now() + Number(bill.dueDays) * 86_400_000 })}>{t('property.desk.issue')}</Button>
              </Group>
            </Card>
            <Card withBorder>
              <Text fw={700} mb="xs">{t('property.desk.recordPayment')}</Text>
              <Group align="end">
                <TextInput label={t('property.desk.unit')} value={pay.unit} onChange={(e) => setPay({ ...pay, unit: e.currentTarget.value })} data-testid="pay-unit" />
                <TextInput label={t('property.desk.period')} value={pay.period} onChange={(e) => setPay({ ...pay, period: e.currentTarget.value })} data-testid="pay-period" w={110} />
                <TextInput label={t('property.desk.amount')} value={pay.amount} onChange={(e) => setPay({ ...pay, amount: e.currentTarget.value })} error={pay.amount !== '' && fen === null ? t('property.desk.amountInvalid') : undefined} data-testid="pay-amount" w={130} />
                <TextInput label={t('property.desk.reference')} value={pay.reference} onChange={(e) => setPay({ ...pay, reference: e.currentTarget.value })} data-testid="pay-reference" />
                <Button disabled={fen === null} data-testid="record-payment" onClick={() => void act('paid', '/v1/property/payments', { unit: pay.unit, period: pay.period, amountFen: fen, reference: pay.reference })}>{t('property.desk.record')}</Button>
              </Group>
            </Card>
            <Card withBorder data-testid="arrears">
              <Text fw={700} mb="xs">{t('property.desk.arrears', { count: arrears.length })}</Text>
              <Table>
                <Table.Thead><Table.Tr><Table.Th>{t('property.desk.unit')}</Table.Th><Table.Th>{t('property.desk.period')}</Table.Th><Table.Th>{t('property.desk.owed')}</Table.Th><Table.Th>{t('property.desk.dunning')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {arrears.map((b) => {
                    // a written demand only 14 days after the reminder (the ledger refuses it sooner); nothing else exists
                    const reminder = b.dunning.find((d) => d.step === 'reminder');
                    const next = reminder === undefined ? 'reminder'
                      : b.dunning.some((d) => d.step === 'written-demand') || Date.now() - reminder.at < DEMAND_AFTER_REMINDER_MS_MIN ? null : 'written-demand';
                    return (
                      <Table.Tr key={`${b.unit}/${b.period}`} data-testid="arrear">
                        <Table.Td>{b.unit}</Table.Td><Table.Td>{b.period}</Table.Td><Table.Td>{yuan(b.dueFen - b.paidFen)}</Table.Td>
                        <Table.Td>{b.dunning.map((d) => t(`property.dunning.${d.step}`)).join(', ')}</Table.Td>
                        <Table.Td>{next !== null && <Button size="xs" variant="light" onClick={() => void act('dunned', '/v1/property/dunning', { unit: b.unit, period: b.period, step: next })}>{t(`property.dunning.${next}`)}</Button>}</Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Card>
          </Stack>
        </Tabs.Panel>

        <Tabs.Panel value="votes" pt="md">
          <Stack gap="md">
            <Card withBorder>
              <Text fw={700} mb="xs">{t('property.desk.openVote')}</Text>
              <Group align="end">
                <Select label={t('property.desk.matter')} data={VOTE_MATTERS.filter((m) => m !== 'fund-use').map((m) => ({ value: m, label: t(`property.matter.${m}`) }))} value={vote.matter} onChange={(m) => setVote({ ...vote, matter: m })} w={240} />
                <TextInput label={t('property.desk.voteTitle')} value={vote.title} onChange={(e) => setVote({ ...vote, title: e.currentTarget.value })} data-testid="vote-title" />
                <TextInput label={t('property.desk.closesInDays')} value={vote.days} onChange={(e) => setVote({ ...vote, days: e.currentTarget.value })} w={120} />
                <Button data-testid="open-vote" onClick={() => void act('opened', '/v1/property/votes', { matter: vote.matter, title: vote.title, closesAt: Date.now() + Number(vote.days) * 86_400_000 })}>{t('property.desk.open')}</Button>
              </Group>
            </Card>
            {votes.map((v) => (
              <Card key={v.vote} withBorder data-testid="desk-vote">
                <Group justify="space-between">
                  <Stack gap={0}>
                    <Text fw={700}>{v.title}</Text>
                    <Text size="xs" c="dimmed">{t(`property.matter.${v.matter}`)} · {t('property.desk.closesAt', { date: when(v.closesAt) })}</Text>
                  </Stack>
                  <Badge color={v.status === 'open' ? 'blue' : v.result?.outcome === 'passed' ? 'teal' : 'gray'}>{v.status === 'open' ? t('property.desk.running') : t(`property.outcome.${v.result?.outcome ?? 'counting'}`)}</Badge>
                </Group>
                <Text size="sm" mt="xs">{t('property.desk.counts', { ballots: v.counts.ballots, owners: v.counts.partOwners, totalOwners: v.totalOwners, area: (v.counts.partAreaDm2 / 100).toFixed(2), totalArea: (v.totalAreaDm2 / 100).toFixed(2) })}</Text>
                {v.result !== null && <Text size="sm" data-testid="desk-tally">{t('property.mine.tally', { area: v.result.participationArea, owners: v.result.participationOwners, yesArea: v.result.yesArea, yesOwners: v.result.yesOwners })}</Text>}
                {v.status === 'open' && <Button mt="xs" size="xs" variant="light" style={{ alignSelf: 'flex-start' }} disabled={v.closesAt > Date.now()} onClick={() => void act('closed', `/v1/property/votes/${v.vote}/close`)}>{t('property.desk.close')}</Button>}
              </Card>
            ))}
          </Stack>
        </Tabs.Panel>

        <Tabs.Panel value="tenders" pt="md">
          <Stack gap="md">
            {tenders.map((tn) => (
              <Card key={tn.tender} withBorder data-testid="tender">
                <Group justify="space-between">
                  <Stack gap={0}>
                    <Text fw={700}>{tn.title}</Text>
                    <Text size="xs" c="dimmed">{t('property.desk.deadline', { date: when(tn.deadline) })} · {t('property.desk.revealUntil', { date: when(tn.revealUntil) })}</Text>
                  </Stack>
                  <Badge>{t(`property.tender.${tn.status}`)}</Badge>
                </Group>
                <Table mt="xs">
                  <Table.Tbody>
                    {tn.bids.map((b) => (
                      <Table.Tr key={b.bid}>
                        <Table.Td>{b.bidder}</Table.Td>
                        <Table.Td><Text size="xs" ff="monospace">{b.commitment.slice(0, 16)}…</Text></Table.Td>
                        <Table.Td>{b.priceFen === null ? t(`property.bid.${b.status}`) : yuan(b.priceFen)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                {tn.status === 'revealing' && tn.revealUntil < Date.now() && <Button mt="xs" size="xs" onClick={() => void act('tenderOpened', `/v1/property/tenders/${tn.tender}/open`)}>{t('property.desk.openBids')}</Button>}
              </Card>
            ))}
            {tenders.length === 0 && <Text c="dimmed">{t('property.desk.noTenders')}</Text>}
          </Stack>
        </Tabs.Panel>

        <Tabs.Panel value="register" pt="md">
          <Stack gap="md">
            <Group align="end">
              <TextInput label={t('property.desk.unit')} value={unit} onChange={(e) => setUnit(e.currentTarget.value)} data-testid="register-unit" />
              <Button variant="light" data-testid="register-show" onClick={() => void loadUnit(unit)}>{t('property.desk.show')}</Button>
            </Group>
            {residents !== null && (
              <Card withBorder data-testid="household">
                <Text fw={700} mb="xs">{t('property.desk.household', { count: residents.household?.members.length ?? 0 })}</Text>
                {residents.household?.members.map((m) => <Text key={m} size="xs" ff="monospace">{m.slice(0, 20)}…</Text>)}
                <Text size="xs" c="dimmed" mt="xs">{t('property.desk.householdNote')}</Text>
              </Card>
            )}
            {residents !== null && (
              <Card withBorder data-testid="vehicles">
                <Text fw={700} mb="xs">{t('property.desk.vehicles', { count: residents.vehicles.length })}</Text>
                <Table>
                  <Table.Thead><Table.Tr><Table.Th>{t('property.desk.vehicle')}</Table.Th><Table.Th>{t('property.desk.space')}</Table.Th><Table.Th>{t('property.desk.plateCommitment')}</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {residents.vehicles.map((v) => (
                      <Table.Tr key={v.vehicle} data-testid="vehicle">
                        <Table.Td><Text size="xs" ff="monospace">{v.vehicle.slice(0, 11)}…</Text></Table.Td>
                        <Table.Td>{v.space ?? t('property.desk.noSpace')}</Table.Td>
                        <Table.Td><Text size="xs" ff="monospace">{v.plate.slice(0, 16)}…</Text></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <Group align="end" mt="sm">
                  <TextInput label={t('property.desk.plate')} placeholder="沪A12345" value={car.plate} onChange={(e) => setCar({ ...car, plate: e.currentTarget.value })} data-testid="vehicle-plate" w={140} />
                  <TextInput label={t('property.desk.space')} placeholder="p-b1-001" value={car.space} onChange={(e) => setCar({ ...car, space: e.currentTarget.value })} data-testid="vehicle-space" w={140} />
                  <Button disabled={car.plate.trim() === ''} data-testid="vehicle-add" onClick={() => void addVehicle()}>{t('property.desk.addVehicle')}</Button>
                </Group>
                <Text size="xs" c="dimmed" mt="xs">{t('property.desk.plateNote')}</Text>
              </Card>
            )}
          </Stack>
        </Tabs.Panel>

        <Tabs.Panel value="staff" pt="md">
          <Stack gap="md">
            {alerts.map((a) => (
              <Alert key={a.licence} color={a.expired ? 'red' : 'orange'} data-testid="licence-alert">
                {t(a.expired ? 'property.desk.licenceExpired' : 'property.desk.licenceExpiring', { name: a.name, kind: t(`property.licence.${a.kind}`), date: when(a.expiresAt) })}
              </Alert>
            ))}
            {staff.map((f) => (
              <Card key={f.id} withBorder data-testid="staff-file">
                <Group justify="space-between">
                  <Text fw={700}>{f.name} · {f.role}</Text>
                  <Text size="xs" c="dimmed" ff="monospace">{f.pseudonym.slice(0, 16)}…</Text>
                </Group>
                <Table mt="xs">
                  <Table.Tbody>
                    {f.licences.map((l) => (
                      <Table.Tr key={l.licence}>
                        <Table.Td>{t(`property.licence.${l.kind}`)}</Table.Td><Table.Td>{l.number}</Table.Td><Table.Td>{t('property.desk.expires', { date: when(l.expiresAt) })}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                {f.training.map((tr) => <Text key={tr.course} size="xs" c="dimmed">{t('property.desk.training', { course: tr.course, date: when(tr.completedAt) })}</Text>)}
              </Card>
            ))}
            <Text size="xs" c="dimmed">{t('property.desk.staffNote')}</Text>
          </Stack>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
