/**
 * A resident's benefits (phone first): each programme they receive, every payment with every step, each step checked
 * in this browser against the genesis; and who looked at their application (the privacy module's record of reads
 * for the `fund:` case, each verified too).
 */
import { useEffect, useState } from 'react';
import { Accordion, Badge, Card, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import { verifyRecords, type Mark } from '../../../verify/ledger';
import { items, yuan, type Benefit } from '../api';
import { Steps, when } from '../components/Steps';

type Use = { record: { org: string; role?: string; purpose: string; caseRef?: string; at?: number; time?: number; fields?: string[] }; proof: unknown };

export const statusColour: Record<string, string> = { paid: 'teal', instructed: 'blue', failed: 'red', blocked: 'red', reissued: 'orange' };

export function MinePage() {
  const { t, i18n } = useTranslation();
  const [benefits, setBenefits] = useState<Benefit[] | null>(null);
  const [uses, setUses] = useState<Use[]>([]);
  const [useMarks, setUseMarks] = useState<Mark[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    items<Benefit>('/v1/funds/me/benefits').then(setBenefits, setError);
    get<{ uses: Use[] }>('/v1/me/uses').then((u) => {
      const mine = u.uses.filter((x) => x.record.caseRef?.startsWith('fund:') === true);
      setUses(mine);
      void verifyRecords(mine, 'privacy.access').then(setUseMarks);
    }, () => setUses([]));
  }, []);
  if (error !== null) return <ErrorAlert error={error} />;
  if (benefits === null) return <Center p="xl"><Loader /></Center>;
  return (
    <Stack gap="md" maw={720}>
      <Title order={3}>{t('funds.mine.title')}</Title>
      {benefits.length === 0 && <Text c="dimmed">{t('funds.mine.none')}</Text>}
      {benefits.map((b) => {
        const paid = b.payments.filter((p) => p.status === 'paid');
        const payments = [...b.payments].sort((x, y) => y.period.localeCompare(x.period) || y.instructedAt - x.instructedAt);
        return (
          <Card key={b.application.application} withBorder data-testid="benefit" data-programme={b.application.programme}>
            <Stack gap="xs">
              <Group justify="space-between">
                <Text fw={700}>{t(`funds.programme.${b.application.programme}`, { defaultValue: b.application.programme })}</Text>
                <Badge variant="light">{t(`funds.stage.${b.application.stage}`)}</Badge>
              </Group>
              <Text size="sm" c="dimmed">{t('funds.mine.received', { count: paid.length, total: yuan(paid.reduce((s, p) => s + p.amountFen, 0)) })}</Text>
              <Accordion variant="contained" multiple transitionDuration={0} defaultValue={payments[0] === undefined ? [] : [payments[0].payment]}>
                <Accordion.Item value="application">
                  <Accordion.Control>{t('funds.mine.application')}</Accordion.Control>
                  <Accordion.Panel><Steps about={b.application.application} steps={b.application.steps} /></Accordion.Panel>
                </Accordion.Item>
                {payments.map((p) => (
                  <Accordion.Item key={p.payment} value={p.payment} data-testid="payment">
                    <Accordion.Control>
                      <Group justify="space-between" wrap="nowrap" pr="xs">
                        <Text size="sm">{p.period} · {yuan(p.amountFen)}</Text>
                        <Badge size="sm" color={statusColour[p.status] ?? 'gray'}>{t(`funds.status.${p.status}`)}</Badge>
                      </Group>
                    </Accordion.Control>
                    <Accordion.Panel><Steps about={p.payment} steps={p.steps} /></Accordion.Panel>
                  </Accordion.Item>
                ))}
              </Accordion>
            </Stack>
          </Card>
        );
      })}
      <Card withBorder data-testid="who-looked">
        <Stack gap="xs">
          <Text fw={700}>{t('funds.mine.whoLooked')}</Text>
          {uses.length === 0 && <Text size="sm" c="dimmed">{t('funds.mine.noOneLooked')}</Text>}
          {uses.map((u, i) => (
            <Group key={i} justify="space-between" wrap="nowrap">
              <Stack gap={0}>
                <Text size="sm">{t(`org.${u.record.org}`, { defaultValue: u.record.org })} · {t(`funds.purpose.${u.record.purpose}`, { defaultValue: u.record.purpose })}</Text>
                <Text size="xs" c="dimmed">{when(u.record.at ?? u.record.time ?? 0, i18n.language)}</Text>
              </Stack>
              <VerifiedMark mark={useMarks[i]} />
            </Group>
          ))}
        </Stack>
      </Card>
    </Stack>
  );
}
