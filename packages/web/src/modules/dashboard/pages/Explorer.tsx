/**
 * Explorer: the latest blocks, a block's transactions, a transaction with its proof verified in this browser; search
 * by transaction hash, block height or document hash (notary anchors). GS1 Digital Link search answers "not supported
 * yet" (traceability is being built as issue 16).
 */
import { useEffect, useState } from 'react';
import { Alert, Anchor, Button, Card, Code, Group, ScrollArea, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ProofBundle, SearchView } from '@machi/core';
import { ApiError, get } from '../../../api';
import { Tabs } from '../components/Tabs';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import type { Mark } from '../../../verify/ledger';
import { proveRecord } from '../api';

type Blocks = { height: number; blocks: { height: number; hash: string; time: number; proposer: string; txs: number; signedBy: string[] }[] };

function TxView({ hash }: { hash: string }) {
  const { t } = useTranslation();
  const [mark, setMark] = useState<Mark | undefined>(undefined);
  const [proof, setProof] = useState<ProofBundle | null>(null);
  useEffect(() => {
    setMark(undefined);
    void proveRecord(hash).then((r) => { setMark(r.mark); setProof(r.proof); });
  }, [hash]);
  return (
    <Card withBorder data-testid="tx-view">
      <Group justify="space-between"><Text ff="monospace" size="sm">{hash}</Text><VerifiedMark mark={mark} /></Group>
      {proof !== null && (
        <Stack gap={4} mt="xs">
          <Text size="sm">{t('dashboard.explorer.txLine', { type: proof.tx.type, height: proof.header.height })}</Text>
          <ScrollArea h={220}><Code block>{JSON.stringify(proof.tx.payload, null, 2)}</Code></ScrollArea>
        </Stack>
      )}
    </Card>
  );
}

export function ExplorerPage() {
  const { t } = useTranslation();
  const [q, setQ] = useState(() => new URLSearchParams(window.location.search).get('q') ?? '');
  const [blocks, setBlocks] = useState<Blocks | null>(null);
  const [found, setFound] = useState<SearchView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const search = (text: string) => {
    setError(null);
    setFound(null);
    if (text.trim() === '') return;
    get<SearchView>(`/v1/dashboard/search?q=${encodeURIComponent(text.trim())}`).then(setFound, (e) => setError(e instanceof ApiError && e.code === 'DASHBOARD_NOT_FOUND' ? new Error(t('dashboard.explorer.notFound')) : e));
  };
  useEffect(() => {
    get<Blocks>('/v1/dashboard/blocks?limit=15').then(setBlocks, setError);
    if (q !== '') search(q);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <Stack>
      <Tabs />
      <Title order={3}>{t('dashboard.explorer.title')}</Title>
      <Group align="end">
        <TextInput style={{ flex: 1 }} label={t('dashboard.explorer.search')} placeholder={t('dashboard.explorer.placeholder')} data-testid="explorer-q" value={q} onChange={(e) => setQ(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && search(q)} />
        <Button data-testid="explorer-go" onClick={() => search(q)}>{t('dashboard.explorer.go')}</Button>
      </Group>
      <ErrorAlert error={error} />
      {found?.kind === 'unsupported' && <Alert color="yellow" data-testid="explorer-unsupported">{t('dashboard.explorer.gs1')}</Alert>}
      {found !== null && found.kind !== 'unsupported' && (
        <Stack data-testid="explorer-result">
          <Text size="sm">{t(`dashboard.explorer.found.${found.kind}`, { n: found.txs.length, height: found.height ?? '' })}</Text>
          {found.txs.slice(0, 20).map((h) => <TxView key={h} hash={h} />)}
        </Stack>
      )}
      <Card withBorder>
        <Title order={5}>{t('dashboard.explorer.latest')}</Title>
        <Table striped data-testid="explorer-blocks">
          <Table.Thead><Table.Tr><Table.Th>{t('dashboard.explorer.height')}</Table.Th><Table.Th>{t('dashboard.explorer.time')}</Table.Th><Table.Th>{t('dashboard.network.txs')}</Table.Th><Table.Th>{t('dashboard.explorer.proposer')}</Table.Th><Table.Th>{t('dashboard.explorer.signedBy')}</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {(blocks?.blocks ?? []).map((b) => (
              <Table.Tr key={b.height}>
                <Table.Td><Anchor component="button" data-testid="explorer-block" onClick={() => { setQ(String(b.height)); search(String(b.height)); }}>{b.height}</Anchor></Table.Td>
                <Table.Td>{new Date(b.time).toLocaleString()}</Table.Td><Table.Td>{b.txs}</Table.Td><Table.Td>{b.proposer}</Table.Td><Table.Td>{b.signedBy.join(', ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}
