/**
 * An owner's page (phone first): their units and area, each bill with its lines and every payment and reminder checked
 * in this browser against the genesis; open votes with a ballot per unit (the node runs the digital-ID check first);
 * each ballot of theirs with its proof, and the exact tally (fractions) recomputed from the published ballots.
 */
import { useCallback, useEffect, useState } from 'react';
import { Accordion, Badge, Button, Card, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ActivityRecord, PropertyNoticeRecord, VolunteerRecord, BallotRecord, BillRecord, OwnersVoteRecord, TallyResult, UnitRecord, VoteCounts } from '@machi/core';
import { get, post } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import type { Mark } from '../../../verify/ledger';
import { m2, verifySteps, yuan, type Proved } from '../api';

type Bill = Omit<Proved<BillRecord>, 'payments' | 'dunning'> & { payments: Proved<BillRecord['payments'][number]>[]; dunning: Proved<BillRecord['dunning'][number]>[] };
type Vote = OwnersVoteRecord & { ballots: Proved<BallotRecord>[]; recount: { counts: VoteCounts; result: TallyResult; matches: boolean } };
type Me = {
  owner: string | null; areaDm2: number; units: UnitRecord[]; bills: Bill[]; votes: Vote[];
  notices: (PropertyNoticeRecord & { read: { at: number } | null })[];
  activities: (ActivityRecord & { signedUpAt: number | null })[];
  volunteer: VolunteerRecord | null;
};

const when = (ms: number, lang: string): string => new Date(ms).toLocaleDateString(lang);

function Marked({ steps, children }: { steps: readonly { txHash: string; proof: unknown; label: string }[]; children?: React.ReactNode }) {
  const [marks, setMarks] = useState<Mark[]>([]);
  useEffect(() => {
    let live = true;
    void verifySteps(steps).then((m) => live && setMarks(m));
    return () => {
      live = false;
    };
  }, [steps]);
  return (
    <Stack gap={4}>
      {children}
      {steps.map((s, i) => (
        <Group key={s.txHash + i} justify="space-between" wrap="nowrap" gap="xs" data-testid="property-step">
          <Text size="sm" style={{ minWidth: 0 }}>{s.label}</Text>
          <div style={{ flexShrink: 0 }}><VerifiedMark mark={marks[i]} /></div>
        </Group>
      ))}
    </Stack>
  );
}

export function MinePage() {
  const { t, i18n } = useTranslation();
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const load = useCallback(() => get<Me>('/v1/property/me').then(setMe, setError), []);
  useEffect(() => {
    void load();
  }, [load]);
  const vote = async (v: string, unit: string, choice: 'yes' | 'no' | 'abstain'): Promise<void> => {
    setBusy(`${v}/${unit}`);
    setError(null);
    try {
      await post(`/v1/property/me/votes/${v}/ballots`, { unit, choice });
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const act = async (call: Promise<unknown>): Promise<void> => {
    setError(null);
    try {
      await call;
      await load();
    } catch (e) {
      setError(e);
    }
  };
  if (me === null) return error === null ? <Center p="xl"><Loader /></Center> : <ErrorAlert error={error} />;
  const now = Date.now();
  const open = me.votes.filter((v) => v.status === 'open' && v.closesAt > now);
  const closed = me.votes.filter((v) => !(v.status === 'open' && v.closesAt > now));
  return (
    <Stack gap="md" maw={720}>
      <Title order={3}>{t('property.mine.title')}</Title>
      <ErrorAlert error={error} />
      <Card withBorder data-testid="my-units">
        <Text fw={700}>{t('property.mine.units', { count: me.units.length, area: m2(me.areaDm2) })}</Text>
        {me.units.map((u) => <Text key={u.unit} size="sm">{u.unit} · {m2(u.areaDm2)}</Text>)}
      </Card>

      <Title order={4}>{t('property.mine.votes')}</Title>
      {open.length === 0 && <Text c="dimmed" size="sm">{t('property.mine.noOpenVotes')}</Text>}
      {open.map((v) => (
        <Card key={v.vote} withBorder data-testid="open-vote">
          <Stack gap="xs">
            <Group justify="space-between"><Text fw={700}>{v.title}</Text><Badge variant="light">{t(`property.matter.${v.matter}`)}</Badge></Group>
            <Text size="xs" c="dimmed">{t('property.mine.closes', { date: when(v.closesAt, i18n.language) })} · {t(v.result?.special ?? ['fund-raise', 'rebuild', 'common-use-change', 'common-business-use'].includes(v.matter) ? 'property.rule.special' : 'property.rule.ordinary')}</Text>
            {me.units.map((u) => {
              const cast = v.ballots.find((b) => b.unit === u.unit);
              return (
                <Group key={u.unit} justify="space-between" wrap="nowrap" data-testid="ballot-row" data-unit={u.unit}>
                  <Text size="sm">{u.unit}</Text>
                  {cast !== undefined
                    ? <Badge color="teal" data-testid="ballot-cast">{t(`property.choice.${cast.choice}`)}</Badge>
                    : (
                      <Group gap={4} wrap="nowrap">
                        {(['yes', 'no', 'abstain'] as const).map((c) => (
                          <Button key={c} size="xs" variant={c === 'yes' ? 'filled' : 'light'} loading={busy === `${v.vote}/${u.unit}`} onClick={() => void vote(v.vote, u.unit, c)} data-testid={`vote-${c}`}>
                            {t(`property.choice.${c}`)}
                          </Button>
                        ))}
                      </Group>
                    )}
                </Group>
              );
            })}
            {v.ballots.length > 0 && <Marked steps={v.ballots.map((b) => ({ txHash: b.txHash, proof: b.proof, label: t('property.mine.myBallot', { unit: b.unit, choice: t(`property.choice.${b.choice}`) }) }))} />}
          </Stack>
        </Card>
      ))}
      {closed.map((v) => (
        <Card key={v.vote} withBorder data-testid="closed-vote">
          <Stack gap="xs">
            <Group justify="space-between"><Text fw={700}>{v.title}</Text><Badge color={v.result?.outcome === 'passed' ? 'teal' : 'gray'}>{t(`property.outcome.${v.result?.outcome ?? 'counting'}`)}</Badge></Group>
            {v.result !== null && <Text size="sm" data-testid="tally">{t('property.mine.tally', { area: v.result.participationArea, owners: v.result.participationOwners, yesArea: v.result.yesArea, yesOwners: v.result.yesOwners })}</Text>}
            <Text size="xs" c={v.recount.matches ? 'teal' : 'red'}>{t(v.recount.matches ? 'property.mine.recountOk' : 'property.mine.recountBad')}</Text>
            {v.ballots.length > 0 && <Marked steps={v.ballots.map((b) => ({ txHash: b.txHash, proof: b.proof, label: t('property.mine.myBallot', { unit: b.unit, choice: t(`property.choice.${b.choice}`) }) }))} />}
          </Stack>
        </Card>
      ))}

      <Title order={4}>{t('property.mine.notices')}</Title>
      {me.notices.map((n) => (
        <Card key={n.notice} withBorder data-testid="notice">
          <Group justify="space-between" wrap="nowrap"><Text fw={700}>{n.title}</Text>{n.read !== null && <Badge color="teal" variant="light">{t('property.mine.read')}</Badge>}</Group>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{n.text}</Text>
          {n.read === null && <Button mt="xs" size="xs" variant="light" style={{ alignSelf: 'flex-start' }} onClick={() => void act(post(`/v1/property/me/notices/${n.notice}/read`))}>{t('property.mine.markRead')}</Button>}
        </Card>
      ))}
      <Title order={4}>{t('property.mine.activities')}</Title>
      {me.volunteer !== null && <Text size="sm" data-testid="volunteer">{t('property.mine.volunteer', { hours: (me.volunteer.minutes / 60).toFixed(1) })}{me.volunteer.label ? ` · ${t('property.mine.volunteerLabel')}` : ''}</Text>}
      {me.activities.map((a) => (
        <Card key={a.activity} withBorder data-testid="activity">
          <Group justify="space-between" wrap="nowrap">
            <Stack gap={0}><Text fw={700}>{a.title}</Text><Text size="xs" c="dimmed">{when(a.startsAt, i18n.language)} · {a.signedUp}/{a.capacity}</Text></Stack>
            {a.signedUpAt !== null ? <Badge color="teal" variant="light">{t('property.mine.signedUp')}</Badge>
              : a.startsAt > now && <Button size="xs" onClick={() => void act(post(`/v1/property/me/activities/${a.activity}/signup`))}>{t('property.mine.signUp')}</Button>}
          </Group>
        </Card>
      ))}

      <Title order={4}>{t('property.mine.bills')}</Title>
      <Accordion variant="contained" multiple transitionDuration={0}>
        {me.bills.map((b) => (
          <Accordion.Item key={`${b.unit}/${b.period}`} value={`${b.unit}/${b.period}`} data-testid="bill" data-status={b.status}>
            <Accordion.Control>
              <Group justify="space-between" wrap="nowrap" pr="xs">
                <Text size="sm">{b.period} · {b.unit} · {yuan(b.dueFen)}</Text>
                <Badge size="sm" color={b.status === 'paid' ? 'teal' : b.dueAt < now ? 'red' : 'blue'}>{t(b.status === 'paid' ? 'property.bill.paid' : b.dueAt < now ? 'property.bill.overdue' : 'property.bill.open')}</Badge>
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <Marked steps={[
                { txHash: b.txHash, proof: b.proof, label: t('property.bill.issued', { date: when(b.issuedAt, i18n.language) }) },
                ...b.payments.map((p) => ({ txHash: p.txHash, proof: p.proof, label: t('property.bill.payment', { amount: yuan(p.amountFen), reference: p.reference }) })),
                ...b.dunning.map((d) => ({ txHash: d.txHash, proof: d.proof, label: t(`property.dunning.${d.step}`) })),
              ]}>
                {b.lines.map((l) => <Text key={l.item} size="xs" c="dimmed">{t(`property.item.${l.item}`, { defaultValue: l.item })}: {yuan(l.amountFen)}</Text>)}
              </Marked>
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}
