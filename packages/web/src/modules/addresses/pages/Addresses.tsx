/**
 * The street office's desk page: the standard address register (buildings and units, add one) and the grids
 * (buildings with household counts, grid workers, define or redefine one). Codes are public; names are as people
 * write them. docs/spec/addresses.md
 */
import { useCallback, useEffect, useState } from 'react';
import { Badge, Button, Card, Group, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AddressList, AddressView, GridEntryList } from '@machi/core';
import { get, post, put } from '../../../api';
import { ErrorAlert } from '../../../components/common';

export function AddressesPage() {
  const { t } = useTranslation();
  const [list, setList] = useState<AddressView[] | null>(null);
  const [grids, setGrids] = useState<GridEntryList['grids'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    get<AddressList>('/v1/addresses').then((r) => setList(r.addresses), setError);
    get<GridEntryList>('/v1/events/grids').then((r) => setGrids(r.grids), setError);
  }, []);
  useEffect(load, [load]);
  const buildings = (list ?? []).filter((a) => a.kind === 'building');
  return (
    <Stack>
      <Title order={3}>{t('addresses.title')}</Title>
      <Text size="sm" c="dimmed">{t('addresses.how')}</Text>
      <ErrorAlert error={error} />
      <Card withBorder data-testid="address-register">
        <Title order={4} mb="xs">{t('addresses.register')}</Title>
        {list !== null && list.length === 0 && <Text c="dimmed">{t('addresses.empty')}</Text>}
        {list !== null && list.length > 0 && (
          <Table.ScrollContainer minWidth={560}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('addresses.code')}</Table.Th><Table.Th>{t('addresses.name')}</Table.Th><Table.Th>{t('addresses.kindLabel')}</Table.Th>
                  <Table.Th>{t('addresses.parent')}</Table.Th><Table.Th>{t('addresses.units')}</Table.Th><Table.Th>{t('addresses.definedBy')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((a) => (
                  <Table.Tr key={a.code} data-testid="address-row" data-code={a.code}>
                    <Table.Td><code>{a.code}</code></Table.Td>
                    <Table.Td>{a.name}</Table.Td>
                    <Table.Td><Badge variant="light">{t(`addresses.kind.${a.kind}`)}</Badge></Table.Td>
                    <Table.Td>{a.parent ?? '—'}</Table.Td>
                    <Table.Td>{a.kind === 'building' ? a.activeUnits : '—'}</Table.Td>
                    <Table.Td>{t(`org.${a.org}`, { defaultValue: a.orgName })}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <AddAddress buildings={buildings} onDone={load} />
      </Card>
      <Card withBorder data-testid="grids">
        <Title order={4} mb="xs">{t('addresses.grids')}</Title>
        {grids !== null && grids.length === 0 && <Text c="dimmed">{t('addresses.noGrids')}</Text>}
        {grids?.map((g) => (
          <Stack key={g.grid} gap={2} mb="sm" data-testid="grid-entry" data-grid={g.grid}>
            <Group gap="xs">
              <Text fw={600}>{g.name ?? g.grid}</Text><Text size="sm" c="dimmed"><code>{g.grid}</code></Text>
              <Badge variant="light">{t('addresses.households', { n: g.households })}</Badge>
            </Group>
            <Text size="sm">{t('addresses.gridBuildings')}: {g.buildings.map((b) => `${b.name ?? b.building} (${b.households})`).join('、')}</Text>
            <Text size="sm">{t('addresses.gridWorkers')}: {g.workerNames.length > 0 ? g.workerNames.join('、') : t('addresses.workersCount', { n: g.workers })}</Text>
          </Stack>
        ))}
        <DefineGrid buildings={buildings} onDone={load} />
      </Card>
    </Stack>
  );
}

function AddAddress({ buildings, onDone }: { buildings: AddressView[]; onDone: () => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<'building' | 'unit'>('building');
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [parent, setParent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = () => {
    setBusy(true);
    setError(null);
    post('/v1/addresses', { code: code.trim(), kind, name: name.trim(), ...(kind === 'unit' && parent !== null ? { parent } : {}) })
      .then(() => { setCode(''); setName(''); onDone(); }, setError)
      .finally(() => setBusy(false));
  };
  return (
    <Stack gap="xs" mt="md" data-testid="add-address">
      <Title order={5}>{t('addresses.add')}</Title>
      <SegmentedControl value={kind} onChange={(v) => setKind(v as 'building' | 'unit')} data={[{ value: 'building', label: t('addresses.kind.building') }, { value: 'unit', label: t('addresses.kind.unit') }]} />
      <Group grow align="end">
        <TextInput data-testid="address-code" label={t('addresses.code')} description={t('addresses.codeHint')} value={code} onChange={(e) => setCode(e.currentTarget.value)} />
        <TextInput data-testid="address-name" label={t('addresses.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} />
        {kind === 'unit' && <Select label={t('addresses.parent')} data={buildings.map((b) => ({ value: b.code, label: `${b.name} (${b.code})` }))} value={parent} onChange={setParent} />}
      </Group>
      <ErrorAlert error={error} />
      <Group><Button data-testid="address-save" onClick={submit} loading={busy} disabled={code.trim() === '' || name.trim() === '' || (kind === 'unit' && parent === null)}>{t('addresses.save')}</Button></Group>
    </Stack>
  );
}

function DefineGrid({ buildings, onDone }: { buildings: AddressView[]; onDone: () => void }) {
  const { t } = useTranslation();
  const [grid, setGrid] = useState('');
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [households, setHouseholds] = useState<Record<string, number>>({});
  const [workers, setWorkers] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = () => {
    setBusy(true);
    setError(null);
    const body = {
      name: name.trim(),
      buildings: chosen.map((b) => ({ building: b, households: households[b] ?? 0 })),
      workers: workers.split(/[,，、\s]+/).map((w) => w.trim()).filter(Boolean),
    };
    put(`/v1/events/grids/${encodeURIComponent(grid.trim())}`, body)
      .then(() => { setGrid(''); setName(''); setChosen([]); setWorkers(''); onDone(); }, setError)
      .finally(() => setBusy(false));
  };
  return (
    <Stack gap="xs" mt="md" data-testid="define-grid">
      <Title order={5}>{t('addresses.defineGrid')}</Title>
      <Text size="xs" c="dimmed">{t('addresses.defineGridHow')}</Text>
      <Group grow>
        <TextInput data-testid="grid-code" label={t('addresses.gridCode')} value={grid} onChange={(e) => setGrid(e.currentTarget.value)} />
        <TextInput data-testid="grid-name" label={t('addresses.gridName')} value={name} onChange={(e) => setName(e.currentTarget.value)} />
      </Group>
      <MultiSelect searchable data-testid="grid-buildings" label={t('addresses.gridBuildings')} data={buildings.map((b) => ({ value: b.code, label: `${b.name} (${b.code})` }))} value={chosen} onChange={setChosen} />
      {chosen.map((b) => (
        <NumberInput key={b} data-testid="grid-households" label={t('addresses.householdsOf', { building: buildings.find((x) => x.code === b)?.name ?? b })} min={0} max={2000}
          value={households[b] ?? 0} onChange={(v) => setHouseholds({ ...households, [b]: typeof v === 'number' ? v : Number(v) || 0 })} />
      ))}
      <TextInput data-testid="grid-workers" label={t('addresses.gridWorkers')} description={t('addresses.workersHint')} value={workers} onChange={(e) => setWorkers(e.currentTarget.value)} />
      <ErrorAlert error={error} />
      <Group><Button data-testid="grid-save" onClick={submit} loading={busy} disabled={grid.trim() === '' || name.trim() === '' || chosen.length === 0}>{t('addresses.save')}</Button></Group>
    </Stack>
  );
}
