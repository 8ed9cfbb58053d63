/**
 * Network view: the organisations' nodes and their links (validators in a ring; a link drawn solid when this node is
 * connected to that peer), each node's height, this node's round and step, the latest blocks' times and intervals,
 * live; evidence of misbehaviour when any was recorded (GET /v1/evidence); whether this node votes and how far back
 * its history reaches (GET /v1/health: components/NodeStatus.tsx), read with each block and every NODE_STATUS_POLL_MS.
 */
import { useEffect, useState } from 'react';
import { Alert, Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get } from '../../../api';
import { Tabs } from '../components/Tabs';
import { ErrorAlert } from '../../../components/common';
import { followHeights } from '../api';
import { Chart } from '../components/Chart';
import { NodeStatus } from '../components/NodeStatus';
import { NODE_STATUS_POLL_MS, type NodeHealth } from '../node-status';

type Consensus = { height: number; round: number; step: string; peers: { org: string; height: number }[] };
type Genesis = { chainId: string; orgs: { id: string; name?: string; power?: number; publicKey: string }[] };
type Blocks = { height: number; blocks: { height: number; hash: string; time: number; proposer: string; txs: number; round: number; signedBy: string[]; intervalMs: number | null }[] };
type Evidence = { evidence: { org: string; height: number; round: number; type: string; detectedAt: number }[] };

export function NetworkPage() {
  const { t } = useTranslation();
  const [c, setC] = useState<Consensus | null>(null);
  const [g, setG] = useState<Genesis | null>(null);
  const [b, setB] = useState<Blocks | null>(null);
  const [ev, setEv] = useState<Evidence | null>(null);
  const [health, setHealth] = useState<NodeHealth | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const loadHealth = () => void get<NodeHealth>('/v1/health').then(setHealth, () => {});
    const load = () => {
      get<Consensus>('/v1/consensus').then(setC, setError);
      get<Blocks>('/v1/dashboard/blocks?limit=40').then(setB, setError);
      get<Evidence>('/v1/evidence').then(setEv, setError);
      loadHealth();
    };
    get<Genesis>('/v1/genesis').then(setG, setError);
    load();
    const ctl = new AbortController();
    void followHeights(load, () => {}, ctl.signal);
    // the voting state and the history fetch also move between blocks (or with none: a stalled chain)
    const poll = setInterval(loadHealth, NODE_STATUS_POLL_MS);
    return () => {
      ctl.abort();
      clearInterval(poll);
    };
  }, []);
  const self = health?.org ?? '';
  const orgs = g?.orgs ?? [];
  const peerHeight = new Map((c?.peers ?? []).map((p) => [p.org, p.height]));
  const heightOf = (org: string): number | null => (org === self ? (c?.height ?? null) : (peerHeight.get(org) ?? null));
  const nodes = orgs.map((o, i) => {
    const a = (2 * Math.PI * i) / Math.max(1, orgs.length);
    return { name: o.id, x: Math.cos(a) * 100, y: Math.sin(a) * 100, symbolSize: o.id === self ? 64 : 50, value: heightOf(o.id), itemStyle: { color: o.id === self ? '#228be6' : peerHeight.has(o.id) ? '#12b886' : '#adb5bd' }, label: { show: true, formatter: `{b}\n#${heightOf(o.id) ?? '—'}` } };
  });
  const links = orgs.flatMap((a, i) => orgs.slice(i + 1).map((z) => ({ source: a.id, target: z.id, lineStyle: { type: a.id === self || z.id === self ? (peerHeight.has(a.id === self ? z.id : a.id) ? 'solid' : 'dashed') : 'solid', width: a.id === self || z.id === self ? 2 : 1 } })));
  const blocks = [...(b?.blocks ?? [])].reverse();
  return (
    <Stack>
      <Tabs />
      <Group justify="space-between">
        <Title order={3}>{t('dashboard.network.title')}</Title>
        {c !== null && <Group gap="xs"><Badge data-testid="net-height">{t('dashboard.network.height', { height: c.height })}</Badge><Badge variant="light">{t('dashboard.network.round', { round: c.round })}</Badge><Badge variant="light">{c.step}</Badge></Group>}
      </Group>
      {health !== null && <NodeStatus health={health} />}
      <ErrorAlert error={error} />
      {(ev?.evidence.length ?? 0) > 0 && (
        <Alert color="red" data-testid="evidence" title={t('dashboard.network.evidence')}>
          {ev!.evidence.map((e, i) => <Text key={i} size="sm">{t('dashboard.network.evidenceLine', { org: e.org, height: e.height, round: e.round, type: e.type })}</Text>)}
        </Alert>
      )}
      {ev !== null && ev.evidence.length === 0 && <Text size="sm" c="dimmed" data-testid="no-evidence">{t('dashboard.network.noEvidence')}</Text>}
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Card withBorder>
          <Title order={5}>{t('dashboard.network.nodes')}</Title>
          <Chart testId="chart-network" height={320} option={{ tooltip: {}, series: [{ type: 'graph', layout: 'none', data: nodes, links, roam: false, label: { show: true } }] }} />
        </Card>
        <Card withBorder>
          <Title order={5}>{t('dashboard.network.blockTimes')}</Title>
          <Chart testId="chart-blocks" height={320} option={{
            tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
            xAxis: { type: 'category', data: blocks.map((x) => x.height) },
            yAxis: [{ type: 'value', name: 'ms' }, { type: 'value', name: 'tx', minInterval: 1 }],
            series: [
              { name: t('dashboard.network.interval'), type: 'line', data: blocks.map((x) => x.intervalMs), itemStyle: { color: '#228be6' } },
              { name: t('dashboard.network.txs'), type: 'bar', yAxisIndex: 1, data: blocks.map((x) => x.txs), itemStyle: { color: '#adb5bd' } },
            ],
          }} />
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Table striped data-testid="net-blocks">
          <Table.Thead><Table.Tr><Table.Th>{t('dashboard.explorer.height')}</Table.Th><Table.Th>{t('dashboard.explorer.time')}</Table.Th><Table.Th>{t('dashboard.network.txs')}</Table.Th><Table.Th>{t('dashboard.explorer.proposer')}</Table.Th><Table.Th>{t('dashboard.explorer.signedBy')}</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {(b?.blocks ?? []).slice(0, 10).map((x) => (
              <Table.Tr key={x.height}><Table.Td>{x.height}</Table.Td><Table.Td>{new Date(x.time).toLocaleTimeString()}</Table.Td><Table.Td>{x.txs}</Table.Td><Table.Td>{x.proposer}</Table.Td><Table.Td>{x.signedBy.join(', ')}</Table.Td></Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}
