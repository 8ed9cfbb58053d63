/**
 * The public page (no sign-in): each programme's terms and totals, and the notice running now with its masked list
 * (surname and masked given name, building, amount) and the list's hash on the ledger. Public routes only.
 */
import { useEffect, useState } from 'react';
import { Badge, Card, Center, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { publicCall } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { yuan, type PublicNotice, type PublicTotals } from '../api';
import { when } from '../components/Steps';

type Programme = { totals: PublicTotals; notices: PublicNotice[] };

export function PublicPage() {
  const { t, i18n } = useTranslation();
  const [list, setList] = useState<Programme[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    publicCall<{ items: { programme: string }[] }>('', '/v1/funds/public/programmes')
      .then((r) => Promise.all(r.items.map(async (p) => ({
        totals: await publicCall<PublicTotals>('', `/v1/funds/public/programmes/${p.programme}`),
        notices: (await publicCall<{ items: PublicNotice[] }>('', `/v1/funds/public/programmes/${p.programme}/notice`)).items,
      }))))
      .then(setList, setError);
  }, []);
  if (error !== null) return <Stack p="md"><ErrorAlert error={error} /></Stack>;
  if (list === null) return <Center p="xl"><Loader /></Center>;
  return (
    <Stack gap="md" p="md" maw={1100} mx="auto">
      <Title order={3}>{t('funds.public.title')}</Title>
      <Text size="sm" c="dimmed">{t('funds.public.intro')}</Text>
      {list.map(({ totals: s, notices }) => (
        <Card withBorder key={s.programme} data-testid="fund-public-programme" data-programme={s.programme}>
          <Stack gap="sm">
            <Group justify="space-between">
              <Text fw={700} size="lg">{t(`funds.programme.${s.programme}`, { defaultValue: s.programme })}</Text>
              <Badge variant="light">{t(`funds.recurrence.${s.recurrence}`)}</Badge>
            </Group>
            <SimpleGrid cols={{ base: 2, sm: 4 }}>
              <Figure label={t('funds.public.beneficiaries')} value={String(s.beneficiaries)} />
              <Figure label={t('funds.public.paid')} value={yuan(s.paidFen)} testId="fund-public-paid" />
              <Figure label={t('funds.public.payments')} value={String(s.paidCount)} />
              <Figure label={t('funds.public.budget')} value={yuan(s.budgetFenPerPeriod)} />
            </SimpleGrid>
            <Text size="sm">{t('funds.public.standards')}: {s.categories.map((c) => `${t(`funds.category.${c.category}`, { defaultValue: c.category })} ${yuan(c.amountFen)}`).join(' · ')}</Text>
            {notices.map((n) => (
              <Card key={n.notice} withBorder bg="yellow.0" data-testid="fund-notice">
                <Stack gap={6}>
                  <Group justify="space-between">
                    <Text fw={700}>{t('funds.public.notice')}</Text>
                    <Text size="sm">{t('funds.public.noticeRuns', { from: when(n.publishedAt, i18n.language), until: when(n.endsAt, i18n.language) })}</Text>
                  </Group>
                  <Table>
                    <Table.Thead><Table.Tr><Table.Th>{t('funds.public.name')}</Table.Th><Table.Th>{t('funds.work.building')}</Table.Th><Table.Th>{t('funds.work.category')}</Table.Th><Table.Th>{t('funds.work.amount')}</Table.Th></Table.Tr></Table.Thead>
                    <Table.Tbody>
                      {(n.lines ?? []).map((l, i) => (
                        <Table.Tr key={i} data-testid="fund-notice-line">
                          <Table.Td>{l.name}</Table.Td><Table.Td>{l.building}</Table.Td><Table.Td>{t(`funds.category.${l.category}`, { defaultValue: l.category })}</Table.Td><Table.Td>{yuan(l.amountFen)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                  {n.lines === null && <Text size="sm" c="dimmed">{t('funds.public.listElsewhere', { org: t(`org.${n.community}`, { defaultValue: n.community }) })}</Text>}
                  <Text size="xs" c="dimmed">{t('funds.public.listHash')}: <Text span ff="monospace" size="xs">{n.listHash}</Text></Text>
                </Stack>
              </Card>
            ))}
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={700} size="lg" data-testid={testId}>{value}</Text>
    </Stack>
  );
}
