/**
 * The community's accounts as the property company discloses them (Civil Code art. 943), for owners and residents,
 * phone first: each period's income and spending of the common areas (advertising, parking, …) and of the maintenance
 * fund, line by line, with the totals per account — every line checked in this browser against the transaction that
 * published it, and the totals recomputed here from the recorded lines. Then the maintenance fund: its balance and
 * each use with every step and transfer verified. docs/spec/property.md
 */
import { useEffect, useState } from 'react';
import { Accordion, Badge, Card, Center, Divider, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DISCLOSURE_ACCOUNTS, type DisclosureAccount, type DisclosureRecord, type FundRecord, type FundUseRecord } from '@machi/core';
import { get } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import type { Mark } from '../../../verify/ledger';
import { verifyDisclosure, verifySteps, yuan, type Proved } from '../api';

type Disclosure = Proved<DisclosureRecord>;
type Fund = FundRecord & { uses: FundUseRecord[] };
export type UseDetail = FundUseRecord & { steps: Proved<FundUseRecord['steps'][number]>[]; transfers: Proved<FundUseRecord['transfers'][number]>[] };

function Period({ d }: { d: Disclosure }) {
  const { t, i18n } = useTranslation();
  const [marks, setMarks] = useState<{ lines: Mark[]; totals: Mark } | null>(null);
  useEffect(() => {
    let live = true;
    void verifyDisclosure(d).then((m) => live && setMarks(m));
    return () => {
      live = false;
    };
  }, [d]);
  const account = (a: DisclosureAccount) => {
    const lines = d.lines.map((l, i) => ({ l, i })).filter(({ l }) => l.account === a);
    const tot = d.totals[a];
    return (
      <Stack key={a} gap={6} data-testid="disclosure-account" data-account={a}>
        <Text fw={700} size="sm">{t(`property.account.${a}`)}</Text>
        {lines.length === 0 && <Text size="xs" c="dimmed">{t('property.accounts.noLines')}</Text>}
        {lines.map(({ l, i }) => (
          <Group key={i} justify="space-between" wrap="nowrap" gap="xs" data-testid="disclosure-line">
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Text size="sm">{l.label}</Text>
              <Text size="xs" c="dimmed">{t(`property.kind.${l.kind}`)} · {t(`property.lineItem.${l.item}`, { defaultValue: l.item })}{l.ref !== undefined ? ` · ${l.ref}` : ''}</Text>
            </Stack>
            <Group gap={6} wrap="nowrap" style={{ flexShrink: 0 }}>
              <Text size="sm" fw={500} c={l.kind === 'income' ? 'teal.8' : 'red.8'} ff="monospace">{l.kind === 'income' ? '+' : '−'}{yuan(l.amountFen)}</Text>
              <VerifiedMark mark={marks?.lines[i]} />
            </Group>
          </Group>
        ))}
        <Group justify="space-between" wrap="nowrap" gap="xs" data-testid="disclosure-total" style={{ borderTop: '1px solid var(--mantine-color-gray-3)', paddingTop: 4 }}>
          <Text size="xs">{t('property.accounts.totals', { income: yuan(tot.incomeFen), spending: yuan(tot.spendingFen) })}</Text>
          <Text size="sm" fw={700} ff="monospace" style={{ flexShrink: 0 }}>{t('property.accounts.net', { net: yuan(tot.incomeFen - tot.spendingFen) })}</Text>
        </Group>
      </Stack>
    );
  };
  return (
    <Card withBorder data-testid="disclosure" data-period={d.period}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Text fw={700}>{t('property.accounts.period', { period: d.period })}</Text>
          <Text size="xs" c="dimmed">{t('property.accounts.published', { date: new Date(d.at).toLocaleDateString(i18n.language) })}</Text>
        </Group>
        {DISCLOSURE_ACCOUNTS.map(account)}
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text size="xs" c="dimmed">{t('property.accounts.totalsChecked')}</Text>
          <div style={{ flexShrink: 0 }} data-testid="disclosure-totals-mark"><VerifiedMark mark={marks?.totals} /></div>
        </Group>
      </Stack>
    </Card>
  );
}

/** A fund use's steps, each verified here; a transfer step shows its amount (the transfer of the same transaction). */
export function FundSteps({ use }: { use: UseDetail }) {
  const { t, i18n } = useTranslation();
  const [marks, setMarks] = useState<Mark[]>([]);
  useEffect(() => {
    let live = true;
    void verifySteps(use.steps).then((m) => live && setMarks(m));
    return () => {
      live = false;
    };
  }, [use]);
  return (
    <Stack gap={4}>
      {use.steps.map((s, i) => {
        const transfer = use.transfers.find((x) => x.txHash === s.txHash);
        return (
          <Group key={s.txHash + i} justify="space-between" wrap="nowrap" gap="xs" data-testid="fund-step" data-step={s.step}>
            <Text size="sm" style={{ minWidth: 0 }}>
              {new Date(s.at).toLocaleDateString(i18n.language)} · {transfer !== undefined ? t('property.fund.transfer', { amount: yuan(transfer.amountFen), reference: transfer.reference }) : t(`property.fundStep.${s.step}`, { defaultValue: s.step })}
            </Text>
            <div style={{ flexShrink: 0 }}><VerifiedMark mark={marks[i]} /></div>
          </Group>
        );
      })}
    </Stack>
  );
}

export function AccountsPage() {
  const { t } = useTranslation();
  const [disclosures, setDisclosures] = useState<Disclosure[] | null>(null);
  const [fund, setFund] = useState<Fund | null>(null);
  const [uses, setUses] = useState<UseDetail[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void (async () => {
      try {
        const [d, f] = await Promise.all([get<{ items: Disclosure[] }>('/v1/property/public/disclosures'), get<Fund>('/v1/property/public/fund')]);
        setDisclosures([...d.items].sort((a, b) => (a.period < b.period ? 1 : -1)));
        setFund(f);
        setUses(await Promise.all(f.uses.map((u) => get<UseDetail>(`/v1/property/public/fund/uses/${u.use}`))));
      } catch (e) {
        setError(e);
      }
    })();
  }, []);
  if (disclosures === null) return error === null ? <Center p="xl"><Loader /></Center> : <ErrorAlert error={error} />;
  return (
    <Stack gap="md" maw={720}>
      <Title order={3}>{t('property.accounts.title')}</Title>
      <Text size="sm" c="dimmed">{t('property.accounts.intro')}</Text>
      <ErrorAlert error={error} />
      {disclosures.length === 0 && <Text c="dimmed">{t('property.accounts.none')}</Text>}
      {disclosures.map((d) => <Period key={d.period} d={d} />)}

      <Divider />
      <Title order={4}>{t('property.fund.title')}</Title>
      {fund !== null && (
        <Card withBorder data-testid="fund-balance">
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">{t('property.fund.balance')}</Text>
            <Text fw={700} ff="monospace">{yuan(fund.balanceFen)}</Text>
          </Group>
          <Text size="xs" c="dimmed">{t('property.fund.inOut', { deposited: yuan(fund.depositedFen), transferred: yuan(fund.transferredFen) })}</Text>
        </Card>
      )}
      <Accordion variant="contained" multiple transitionDuration={0}>
        {uses.map((u) => (
          <Accordion.Item key={u.use} value={u.use} data-testid="fund-use" data-status={u.status}>
            <Accordion.Control>
              <Group justify="space-between" wrap="nowrap" pr="xs" gap="xs">
                <Text size="sm" style={{ minWidth: 0 }}>{u.title}</Text>
                <Group gap={4} wrap="nowrap">
                  {u.emergency !== null && <Badge size="sm" color="orange">{t('property.fund.emergency')}</Badge>}
                  <Badge size="sm" variant="light">{t(`property.fundStatus.${u.status}`)}</Badge>
                </Group>
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <Text size="xs" c="dimmed" mb={4}>{u.contractor} · {t('property.fund.transferred', { done: yuan(u.transferredFen), budget: yuan(u.budgetFen) })}</Text>
              <FundSteps use={u} />
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}
