/**
 * Regulators and third parties (read-only): the live feed of every funds step with its proof (the stream, catching
 * up from GET /v1/funds/feed), each checked in this browser; budget versus paid per programme; every alert with the
 * data behind it, verified too.
 */
import { useEffect, useRef, useState } from 'react';
import { Badge, Card, Code, Group, ScrollArea, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ProgrammeRecord } from '@machi/core';
import { get } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import type { Mark } from '../../../verify/ledger';
import { feedFrom, followFeed, items, yuan, type AlertRecord, type BudgetView, type FeedItem, type Proved } from '../api';
import { BudgetChart } from '../components/BudgetChart';
import { when } from '../components/Steps';
import { verifyShown } from '../verify';

/** Feed entries the page shows (newest first) and checks. */
const FEED_SHOWN = 40;

/** The transaction type a feed entry's proof names (the feed itself names the record kind): checked with the rest. */
const txTypeOf = (proof: unknown): string => ((proof as { tx?: { type?: unknown } } | null)?.tx?.type as string | undefined) ?? '';

type Row = { key: string; type: string; org: string; txHash: string; at: number | null; id: string | null; live: boolean; proof: unknown };

export function OversightPage() {
  const { t, i18n } = useTranslation();
  const [rows, setRows] = useState<Row[]>([]);
  const [marks, setMarks] = useState<Record<string, Mark>>({});
  const [connected, setConnected] = useState(false);
  const [budgets, setBudgets] = useState<BudgetView[]>([]);
  const [alerts, setAlerts] = useState<Proved<AlertRecord>[]>([]);
  const [alertMarks, setAlertMarks] = useState<Mark[]>([]);
  const [error, setError] = useState<unknown>(null);
  const rowsRef = useRef<Row[]>([]);

  const add = (fresh: Row[]) => {
    const known = new Set(rowsRef.current.map((r) => r.key));
    const next = [...fresh.filter((r) => !known.has(r.key)), ...rowsRef.current].slice(0, FEED_SHOWN);
    rowsRef.current = next;
    setRows(next);
    const unchecked = fresh.filter((r) => !known.has(r.key));
    void verifyShown(unchecked.map((r) => ({ txHash: r.txHash, org: r.org, ...(r.type === '' ? {} : { type: r.type }), ...(r.id === null ? {} : { about: r.id }), proof: r.proof }))).then((m) =>
      setMarks((old) => ({ ...old, ...Object.fromEntries(unchecked.map((r, i) => [r.key, m[i]!])) })));
  };

  useEffect(() => {
    const ctl = new AbortController();
    const catchUp = () => feedFrom(0).then((all: FeedItem[]) => add(all.slice(-FEED_SHOWN).reverse().map((e) => ({ key: e.txHash, type: txTypeOf(e.proof), org: e.org, txHash: e.txHash, at: e.at, id: e.id, live: false, proof: e.proof })))).catch(setError);
    void followFeed(
      (e) => add([{ key: e.txHash, type: e.type, org: e.org, txHash: e.txHash, at: null, id: null, live: true, proof: e.proof }]),
      () => {
        setConnected(true);
        void catchUp();
      },
      ctl.signal,
    );
    items<ProgrammeRecord>('/v1/funds/programmes').then((ps) => Promise.all(ps.map((p) => get<BudgetView>(`/v1/funds/programmes/${p.programme}/budget`)))).then(setBudgets, setError);
    items<Proved<AlertRecord>>('/v1/funds/alerts').then((l) => {
      const sorted = [...l].sort((a, b) => b.at - a.at);
      setAlerts(sorted);
      void verifyShown(sorted.map((a) => ({ txHash: a.txHash, org: a.org, proof: a.proof }))).then(setAlertMarks);
    }, setError);
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <Stack gap="md">
      <Title order={3}>{t('funds.oversight.title')}</Title>
      <ErrorAlert error={error} />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Card withBorder>
          <Group justify="space-between" mb="xs">
            <Text fw={700}>{t('funds.oversight.feed')}</Text>
            <Badge color={connected ? 'teal' : 'gray'} variant="dot" data-testid="fund-feed-live">{connected ? t('funds.oversight.live') : t('funds.oversight.connecting')}</Badge>
          </Group>
          <ScrollArea h={520}>
            <Table striped>
              <Table.Thead><Table.Tr><Table.Th>{t('funds.oversight.step')}</Table.Th><Table.Th>{t('funds.oversight.org')}</Table.Th><Table.Th>{t('funds.oversight.proof')}</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr key={r.key} data-testid="fund-feed-row" data-type={r.type} data-tx={r.txHash} data-live={r.live ? 'yes' : 'no'}>
                    <Table.Td>
                      <Text size="sm">{t(`funds.tx.${r.type}`, { defaultValue: r.type })}{r.live && <Badge ml={6} size="xs" color="teal">{t('funds.oversight.new')}</Badge>}</Text>
                      <Text size="xs" c="dimmed" ff="monospace">{r.txHash.slice(0, 16)}…</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{t(`org.${r.org}`, { defaultValue: r.org })}</Text>
                      <Text size="xs" c="dimmed">{r.at === null ? t('funds.oversight.justNow') : when(r.at, i18n.language)}</Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}><VerifiedMark mark={marks[r.key]} /></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Card>
        <Stack gap="md">
          {budgets.map((b) => {
            const paid = b.periods.reduce((s, p) => s + p.paidFen, 0);
            const budget = b.periods.reduce((s, p) => s + p.budgetFen, 0);
            return (
              <Card withBorder key={b.programme} data-testid="fund-budget" data-programme={b.programme}>
                <Group justify="space-between">
                  <Text fw={700}>{t(`funds.programme.${b.programme}`, { defaultValue: b.programme })}</Text>
                  <Text size="sm" data-testid="fund-budget-paid">{t('funds.oversight.paidOfBudget', { paid: yuan(paid), budget: yuan(budget) })}</Text>
                </Group>
                <BudgetChart periods={b.periods} testId="fund-budget-chart" />
              </Card>
            );
          })}
        </Stack>
      </SimpleGrid>
      <Card withBorder>
        <Text fw={700} mb="xs">{t('funds.oversight.alerts')}</Text>
        <Table striped>
          <Table.Thead><Table.Tr><Table.Th>{t('funds.oversight.kind')}</Table.Th><Table.Th>{t('funds.oversight.programme')}</Table.Th><Table.Th>{t('funds.oversight.data')}</Table.Th><Table.Th>{t('funds.oversight.when')}</Table.Th><Table.Th>{t('funds.oversight.proof')}</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {alerts.map((a, i) => (
              <Table.Tr key={`${a.txHash}-${i}`} data-testid="fund-alert" data-kind={a.kind}>
                <Table.Td><Badge color="red" variant="light">{t(`funds.alert.${a.kind}`)}</Badge></Table.Td>
                <Table.Td>{t(`funds.programme.${a.programme}`, { defaultValue: a.programme })}</Table.Td>
                <Table.Td><Code block fz="xs">{JSON.stringify({ application: a.application, payment: a.payment, ...a.data }, null, 1)}</Code></Table.Td>
                <Table.Td><Text size="xs">{when(a.at, i18n.language)}</Text><Text size="xs" c="dimmed">{t(`org.${a.org}`, { defaultValue: a.org })}</Text></Table.Td>
                <Table.Td><VerifiedMark mark={alertMarks[i]} /></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {alerts.length === 0 && <Text c="dimmed" size="sm">{t('funds.oversight.noAlerts')}</Text>}
      </Card>
    </Stack>
  );
}
