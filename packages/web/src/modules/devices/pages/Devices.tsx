/**
 * Property staff (desk): the organisation's devices with their health on this node (last seen, battery, messages,
 * errors, dropped, flagged, refused connections; alarms raised on the ledger), and registering a device — its
 * credentials (MQTT address, user name, secret, topic) are shown once, only the secret's hash is kept.
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Code, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DEVICE_CLASS_CODES, DEVICE_LOCATION_KINDS, type DeviceClass, type DeviceList, type DeviceRegisterBody, type DeviceRegistered, type DeviceView } from '@machi/core';
import { get, post } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { useAlarmNames } from '../components/bits';

/** A device not heard from for this long is shown as silent, ms. */
export const DEVICE_SILENT_MS = 60 * 60 * 1000;

/** "12 s", "5 min", "3 h", "2 d" in the page's language. */
function useAgo() {
  const { t } = useTranslation();
  return (ms: number): string => {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return t('devices.health.seconds', { n: s });
    if (s < 3600) return t('devices.health.minutes', { n: Math.floor(s / 60) });
    if (s < 86400) return t('devices.health.hours', { n: Math.floor(s / 3600) });
    return t('devices.health.days', { n: Math.floor(s / 86400) });
  };
}

function Health({ d, now }: { d: DeviceView; now: number }) {
  const { t } = useTranslation();
  const ago = useAgo();
  const h = d.health;
  const silent = h.lastSeen === null || now - h.lastSeen > DEVICE_SILENT_MS;
  return (
    <>
      <Table.Td>
        <Badge color={silent ? 'gray' : 'green'} variant="light" data-testid="device-last-seen">
          {h.lastSeen === null ? t('devices.health.never') : t('devices.health.ago', { time: ago(now - h.lastSeen) })}
        </Badge>
      </Table.Td>
      <Table.Td>{h.battery === null ? '—' : <Badge color={h.battery < 20 ? 'red' : 'gray'} variant="light">{h.battery}%</Badge>}</Table.Td>
      <Table.Td data-testid="device-messages">{h.messages}</Table.Td>
      <Table.Td><Text c={h.errors > 0 ? 'red' : undefined} size="sm">{h.errors}</Text></Table.Td>
      <Table.Td><Text c={h.dropped > 0 ? 'orange' : undefined} size="sm">{h.dropped}</Text></Table.Td>
      <Table.Td>{h.flagged}</Table.Td>
      <Table.Td>{h.refused}</Table.Td>
    </>
  );
}

function Register({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const n = useAlarmNames();
  const [device, setDevice] = useState('');
  const [cls, setCls] = useState<DeviceClass>('moisture');
  const [kind, setKind] = useState<DeviceRegisterBody['location']['kind']>('building');
  const [code, setCode] = useState('');
  const [building, setBuilding] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [made, setMade] = useState<DeviceRegistered | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const body: DeviceRegisterBody = { device: device.trim(), class: cls, location: { kind, code: code.trim() }, ...(building.trim() !== '' ? { building: building.trim() } : {}) };
      setMade(await post<DeviceRegistered>('/v1/devices', body));
      setDevice('');
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder data-testid="register">
      <Stack gap="xs">
        <Title order={5}>{t('devices.register.title')}</Title>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }}>
          <TextInput label={t('devices.register.device')} placeholder="leak-b3-01" value={device} onChange={(e) => setDevice(e.currentTarget.value)} data-testid="register-device" />
          <Select label={t('devices.register.class')} data={DEVICE_CLASS_CODES.map((c) => ({ value: c, label: n.cls(c) }))} value={cls} onChange={(v) => v !== null && setCls(v as DeviceClass)} allowDeselect={false} data-testid="register-class" />
          <Select label={t('devices.register.locationKind')} data={DEVICE_LOCATION_KINDS.map((k) => ({ value: k, label: t(`devices.locationKind.${k}`) }))} value={kind} onChange={(v) => v !== null && setKind(v as typeof kind)} allowDeselect={false} data-testid="register-kind" />
          <TextInput label={t('devices.register.code')} placeholder="b3" value={code} onChange={(e) => setCode(e.currentTarget.value)} data-testid="register-code" />
          <TextInput label={t('devices.register.building')} placeholder="b3" value={building} onChange={(e) => setBuilding(e.currentTarget.value)} data-testid="register-building" />
        </SimpleGrid>
        <Group><Button loading={busy} disabled={device.trim() === '' || code.trim() === ''} onClick={() => void submit()} data-testid="register-submit">{t('devices.register.submit')}</Button></Group>
        <ErrorAlert error={error} />
        {made !== null && (
          <Alert color="yellow" title={t('devices.register.once')} data-testid="credentials" withCloseButton onClose={() => setMade(null)}>
            <Stack gap={4}>
              <Text size="sm">{t('devices.register.broker')}: <Code>{made.mqtt.url}</Code></Text>
              <Text size="sm">{t('devices.register.username')}: <Code data-testid="credentials-username">{made.mqtt.username}</Code></Text>
              {made.secret !== undefined && <Text size="sm">{t('devices.register.secret')}: <Code data-testid="credentials-secret">{made.secret}</Code></Text>}
              <Text size="sm">{t('devices.register.topic')}: <Code>{made.mqtt.topic}</Code></Text>
            </Stack>
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

export function DevicesPage() {
  const { t } = useTranslation();
  const n = useAlarmNames();
  const [list, setList] = useState<DeviceList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [now, setNow] = useState(Date.now());
  const load = useCallback(() => {
    get<DeviceList>('/v1/devices').then((l) => {
      setList(l);
      setNow(Date.now());
    }, setError);
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    const id = setInterval(load, 10_000);
    return () => clearInterval(id);
  }, [load]);
  return (
    <Stack data-testid="devices-page">
      <Group justify="space-between">
        <Title order={3}>{t('devices.list.title')}</Title>
        {list !== null && <Text size="sm" c="dimmed">{t('devices.list.broker')}: <Code>{list.mqtt}</Code> · {t('devices.list.refusedUnknown', { count: list.refusedUnknown })}</Text>}
      </Group>
      <ErrorAlert error={error} />
      <Register onDone={load} />
      {list !== null && list.devices.length === 0 && <Text c="dimmed">{t('devices.list.empty')}</Text>}
      {list !== null && list.devices.length > 0 && (
        <Table.ScrollContainer minWidth={1000}>
          <Table striped data-testid="devices">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('devices.list.device')}</Table.Th>
                <Table.Th>{t('devices.list.location')}</Table.Th>
                <Table.Th>{t('devices.list.lastSeen')}</Table.Th>
                <Table.Th>{t('devices.list.battery')}</Table.Th>
                <Table.Th>{t('devices.list.messages')}</Table.Th>
                <Table.Th>{t('devices.list.errors')}</Table.Th>
                <Table.Th>{t('devices.list.dropped')}</Table.Th>
                <Table.Th>{t('devices.list.flagged')}</Table.Th>
                <Table.Th>{t('devices.list.refused')}</Table.Th>
                <Table.Th>{t('devices.list.alarms')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.devices.map((d) => (
                <Table.Tr key={d.device} data-testid="device-row" data-device={d.device} data-retired={String(d.retired)}>
                  <Table.Td>
                    <Text fw={600} size="sm">{d.device}</Text>
                    <Text size="xs" c="dimmed">{n.cls(d.class)}{d.retired ? ` · ${t('devices.list.retired')}` : ''}</Text>
                  </Table.Td>
                  <Table.Td><Text size="sm">{n.place(d.location)}</Text>{d.building !== null && <Text size="xs" c="dimmed">{t('devices.list.building', { building: d.building })}</Text>}</Table.Td>
                  <Health d={d} now={now} />
                  <Table.Td data-testid="device-alarms">{d.alarms}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
