/**
 * Sealed-bid tenders for owners and residents (NDRC Order 20), phone first. While a tender takes bids, only the
 * commitments are public — sealed: nobody, the organiser included, can read a price before the deadline — each
 * checked here against the transaction that committed it; deadlines are in ledger time (the latest block's time is
 * shown beside them). After the opening, the public opening record: each revealed price re-hashed here against its
 * commitment, the bids counted as withdrawn and why (a reveal that did not match, or none), the ranking and the
 * winner recomputed in this browser. docs/spec/property.md
 */
import { useEffect, useState } from 'react';
import { Badge, Card, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { BlockHeader, TenderRecord } from '@machi/core';
import { get } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import { verifyTender, yuan, type TenderMarks } from '../api';

type Tender = TenderRecord & { status: 'bidding' | 'revealing' | 'opened' };

function TenderCard({ tn }: { tn: Tender }) {
  const { t, i18n } = useTranslation();
  const [marks, setMarks] = useState<TenderMarks | null>(null);
  useEffect(() => {
    let live = true;
    void verifyTender(tn).then((m) => live && setMarks(m));
    return () => {
      live = false;
    };
  }, [tn]);
  const when = (ms: number): string => new Date(ms).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const index = (bid: string): number => tn.bids.findIndex((b) => b.bid === bid);
  const o = tn.opened;
  return (
    <Card withBorder data-testid="tender-card" data-status={tn.status} data-tender={tn.tender}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text fw={700} style={{ minWidth: 0 }}>{tn.title}</Text>
          <Badge color={tn.status === 'opened' ? 'teal' : tn.status === 'bidding' ? 'blue' : 'orange'} style={{ flexShrink: 0 }}>{t(`property.tender.${tn.status}`)}</Badge>
        </Group>
        <Text size="xs" c="dimmed">{t('property.tenders.deadline', { date: when(tn.deadline) })} · {t('property.tenders.revealUntil', { date: when(tn.revealUntil) })}</Text>

        {o === null && (
          <>
            <Text size="sm">{t(tn.status === 'bidding' ? 'property.tenders.sealedNote' : 'property.tenders.revealingNote', { count: tn.bids.length })}</Text>
            {tn.bids.map((b, i) => (
              <Group key={b.bid} justify="space-between" wrap="nowrap" gap="xs" data-testid="tender-bid" data-status={b.status}>
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Text size="sm">{b.bidder}</Text>
                  <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>{b.commitment.slice(0, 24)}…</Text>
                  <Text size="xs" c="dimmed">{b.status === 'committed' ? t('property.tenders.sealed', { date: when(b.committedAt) }) : b.priceFen !== null ? t('property.tenders.revealedAt', { price: yuan(b.priceFen) }) : t('property.bid.withdrawn')}</Text>
                </Stack>
                <div style={{ flexShrink: 0 }}><VerifiedMark mark={marks?.commits[i]} /></div>
              </Group>
            ))}
          </>
        )}

        {o !== null && (
          <Stack gap="xs" data-testid="opening-record">
            <Group justify="space-between" wrap="nowrap" gap="xs">
              <Text size="sm" fw={700}>{t('property.tenders.opening', { date: when(o.at) })}</Text>
              <div style={{ flexShrink: 0 }} data-testid="opening-mark"><VerifiedMark mark={marks?.opening ?? undefined} /></div>
            </Group>
            {o.ranking.map((r, k) => {
              const i = index(r.bid);
              return (
                <Group key={r.bid} justify="space-between" wrap="nowrap" gap="xs" data-testid="ranked-bid">
                  <Stack gap={0} style={{ minWidth: 0 }}>
                    <Group gap={6} wrap="nowrap">
                      <Text size="sm" fw={k === 0 ? 700 : 400}>{k + 1}. {r.bidder}</Text>
                      {r.bid === o.winner && <Badge size="xs" color="teal" data-testid="winner">{t('property.tenders.winner')}</Badge>}
                    </Group>
                    <Text size="sm" ff="monospace">{yuan(r.priceFen)}</Text>
                  </Stack>
                  <Stack gap={2} align="flex-end" style={{ flexShrink: 0 }}>
                    <Group gap={4} wrap="nowrap"><Text size="xs" c="dimmed">{t('property.tenders.commit')}</Text><VerifiedMark mark={marks?.commits[i]} /></Group>
                    <Group gap={4} wrap="nowrap"><Text size="xs" c="dimmed">{t('property.tenders.reveal')}</Text><VerifiedMark mark={marks?.reveals[i] ?? undefined} /></Group>
                  </Stack>
                </Group>
              );
            })}
            {o.ranking.length === 0 && <Text size="sm" c="dimmed">{t('property.tenders.noneRevealed')}</Text>}
            {o.withdrawn.length > 0 && <Text size="sm" fw={700} mt="xs">{t('property.tenders.withdrawn', { count: o.withdrawn.length })}</Text>}
            {o.withdrawn.map((w) => {
              const i = index(w);
              const b = tn.bids[i]!;
              return (
                <Group key={w} justify="space-between" wrap="nowrap" gap="xs" data-testid="withdrawn-bid" data-reason={b.withdrawnFor}>
                  <Stack gap={0} style={{ minWidth: 0 }}>
                    <Text size="sm">{b.bidder}</Text>
                    <Text size="xs" c="orange.8">{t(`property.withdrawnFor.${b.withdrawnFor ?? 'not-revealed'}`)}</Text>
                  </Stack>
                  <Stack gap={2} align="flex-end" style={{ flexShrink: 0 }}>
                    <Group gap={4} wrap="nowrap"><Text size="xs" c="dimmed">{t('property.tenders.commit')}</Text><VerifiedMark mark={marks?.commits[i]} /></Group>
                    {b.revealTx !== null && <Group gap={4} wrap="nowrap"><Text size="xs" c="dimmed">{t('property.tenders.reveal')}</Text><VerifiedMark mark={marks?.reveals[i] ?? undefined} /></Group>}
                  </Stack>
                </Group>
              );
            })}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

export function TendersPage() {
  const { t, i18n } = useTranslation();
  const [tenders, setTenders] = useState<Tender[] | null>(null);
  const [ledger, setLedger] = useState<BlockHeader | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void Promise.all([get<{ items: Tender[] }>('/v1/property/public/tenders'), get<{ header: BlockHeader }>('/v1/blocks/latest')]).then(([tt, b]) => {
      setTenders(tt.items);
      setLedger(b.header);
    }, setError);
  }, []);
  if (tenders === null) return error === null ? <Center p="xl"><Loader /></Center> : <ErrorAlert error={error} />;
  return (
    <Stack gap="md" maw={720}>
      <Title order={3}>{t('property.tenders.title')}</Title>
      <Text size="sm" c="dimmed">{t('property.tenders.intro')}</Text>
      {ledger !== null && <Text size="xs" c="dimmed" data-testid="ledger-time">{t('property.tenders.ledgerTime', { date: new Date(ledger.time).toLocaleString(i18n.language), height: ledger.height })}</Text>}
      <ErrorAlert error={error} />
      {tenders.length === 0 && <Text c="dimmed">{t('property.desk.noTenders')}</Text>}
      {tenders.map((tn) => <TenderCard key={tn.tender} tn={tn} />)}
    </Stack>
  );
}
