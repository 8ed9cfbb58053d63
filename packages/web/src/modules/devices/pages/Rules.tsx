/**
 * Property staff (desk): the rule per device class and condition — severity, action (work order or notice), the
 * on-duty role, the acknowledgement and resolution SLAs in minutes, the escalation ladder — the organisation's own
 * setting or the catalogue default; the SLAs and severity can be changed (the node refuses what the catalogue forbids,
 * e.g. more than 30 minutes for a lift rescue, or a dangerous condition without an immediate escalation).
 */
import { useCallback, useEffect, useState } from 'react';
import { Badge, Button, Group, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DEVICE_SEVERITIES, type DeviceRuleBody, type DeviceRuleList, type DeviceRuleView } from '@machi/core';
import { get, put } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { SEVERITY_COLOR, useAlarmNames } from '../components/bits';

function Edit({ r, onDone }: { r: DeviceRuleView; onDone: () => void }) {
  const { t } = useTranslation();
  const n = useAlarmNames();
  const [severity, setSeverity] = useState(r.rule.severity);
  const [ack, setAck] = useState<number>(r.rule.ackMinutes);
  const [resolve, setResolve] = useState<number>(r.rule.resolveMinutes);
  const [leader, setLeader] = useState(r.rule.leader ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const body: DeviceRuleBody = {
        severity, action: r.rule.action, onDutyRole: r.rule.onDutyRole, leader: leader.trim(), ackMinutes: ack, resolveMinutes: resolve,
        escalation: r.rule.escalation, ...(r.rule.threshold !== null ? { threshold: r.rule.threshold } : {}),
      };
      await put(`/v1/devices/rules/${r.class}/${r.condition}`, body);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="xs" data-testid="rule-edit">
      <Group align="flex-end" gap="xs">
        <Select w={130} label={t('devices.rules.severity')} data={DEVICE_SEVERITIES.map((s) => ({ value: s, label: n.severity(s) }))} value={severity} onChange={(v) => v !== null && setSeverity(v as typeof severity)} allowDeselect={false} />
        <NumberInput w={110} label={t('devices.rules.ack')} min={1} value={ack} onChange={(v) => setAck(Number(v))} />
        <NumberInput w={110} label={t('devices.rules.resolve')} min={1} value={resolve} onChange={(v) => setResolve(Number(v))} />
        <TextInput w={300} label={t('devices.rules.leader')} description={t('devices.rules.leaderHint')} value={leader} onChange={(e) => setLeader(e.currentTarget.value)} />
        <Button loading={busy} onClick={() => void save()}>{t('devices.rules.save')}</Button>
      </Group>
      <ErrorAlert error={error} />
    </Stack>
  );
}

export function RulesPage() {
  const { t } = useTranslation();
  const n = useAlarmNames();
  const [rules, setRules] = useState<DeviceRuleView[] | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    get<DeviceRuleList>('/v1/devices/rules').then((l) => setRules(l.rules), setError);
  }, []);
  useEffect(load, [load]);
  return (
    <Stack data-testid="rules-page">
      <Title order={3}>{t('devices.rules.title')}</Title>
      <ErrorAlert error={error} />
      <Table.ScrollContainer minWidth={900}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('devices.rules.condition')}</Table.Th>
              <Table.Th>{t('devices.rules.severity')}</Table.Th>
              <Table.Th>{t('devices.rules.action')}</Table.Th>
              <Table.Th>{t('devices.rules.sla')}</Table.Th>
              <Table.Th>{t('devices.rules.escalation')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rules?.map((r) => {
              const key = `${r.class}/${r.condition}`;
              return [
                <Table.Tr key={key} data-testid="rule-row" data-class={r.class} data-condition={r.condition}>
                  <Table.Td>
                    <Text fw={600} size="sm">{n.condition(r.condition)}</Text>
                    <Text size="xs" c="dimmed">{n.cls(r.class)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <Badge color={SEVERITY_COLOR[r.rule.severity]} variant="filled">{n.severity(r.rule.severity)}</Badge>
                      {r.rule.dangerous && <Badge color="red" variant="outline">{t('devices.rules.dangerous')}</Badge>}
                    </Group>
                  </Table.Td>
                  <Table.Td><Text size="sm">{r.rule.action === 'work-order' ? t('devices.rules.workOrder') : t('devices.rules.notify')}</Text></Table.Td>
                  <Table.Td><Text size="sm">{t('devices.rules.minutes', { ack: r.rule.ackMinutes, resolve: r.rule.resolveMinutes })}</Text></Table.Td>
                  <Table.Td>
                    {r.rule.escalation.length === 0
                      ? <Text size="sm" c={r.rule.dangerous ? 'red.8' : 'dimmed'}>{r.rule.dangerous ? t('devices.rules.noEscalationOrg') : '—'}</Text>
                      : r.rule.escalation.map((s, i) => <Text key={i} size="sm">{t('devices.rules.step', { level: i + 1, org: n.org(s.org), minutes: s.afterMinutes })}</Text>)}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Badge color={r.configured ? 'blue' : 'gray'} variant="light">{r.configured ? t('devices.rules.configured') : t('devices.rules.default')}</Badge>
                      <Button size="xs" variant="subtle" onClick={() => setEditing(editing === key ? null : key)}>{t('devices.rules.edit')}</Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>,
                editing === key && (
                  <Table.Tr key={key + '-edit'}>
                    <Table.Td colSpan={6}><Edit r={r} onDone={() => { setEditing(null); load(); }} /></Table.Td>
                  </Table.Tr>
                ),
              ];
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
