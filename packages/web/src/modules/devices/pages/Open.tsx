/**
 * Leaders: every open alarm the organisation sees with its timers (acknowledgement and resolution due, missed ones in
 * red), its escalation (level reached, organisations told, who acknowledged, the next level and when), its work order;
 * and the notices of missed acknowledgements and SLAs. Live from the alarm stream.
 */
import { useEffect, useState } from 'react';
import { Anchor, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { AlarmNotices } from '@machi/core';
import { get } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { DueBadge, PULSE_CSS, SEVERITY_COLOR, SoundSwitch, acked, useAlarmNames } from '../components/bits';
import { span, useLiveBoard } from '../live';

export function OpenAlarmsPage() {
  const { t } = useTranslation();
  const n = useAlarmNames();
  const live = useLiveBoard();
  const [notices, setNotices] = useState<AlarmNotices['notices']>([]);
  const boardAt = live.board?.now;
  useEffect(() => {
    get<AlarmNotices>('/v1/devices/notices').then((x) => setNotices(x.notices), () => {});
  }, [boardAt]);
  const alarms = live.board?.alarms ?? [];
  const late = alarms.filter((a) => (!acked(a) && live.now > a.ackDueAt) || (a.status !== 'resolved' && live.now > a.resolveDueAt)).length;
  return (
    <Stack gap="sm" data-testid="open-alarms" data-live={String(live.live)}>
      <style>{PULSE_CSS}</style>
      <Group justify="space-between">
        <Title order={3}>{t('devices.open.title')}</Title>
        <Group gap="sm">
          <Badge color={live.live ? 'green' : 'gray'} variant="dot" data-testid="live">{live.live ? t('devices.board.live') : t('devices.board.offline')}</Badge>
          <SoundSwitch />
        </Group>
      </Group>
      <Group gap="xs">
        <Badge size="lg" variant="light" data-testid="open-count">{t('devices.open.count', { count: alarms.length })}</Badge>
        <Badge size="lg" color={late > 0 ? 'red' : 'green'} variant={late > 0 ? 'filled' : 'light'} data-testid="late-count">{t('devices.open.late', { count: late })}</Badge>
      </Group>
      <ErrorAlert error={live.error} />
      {live.board !== null && alarms.length === 0 && <Text c="dimmed" data-testid="open-empty">{t('devices.board.empty')}</Text>}
      {alarms.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('devices.open.alarm')}</Table.Th>
                <Table.Th>{t('devices.open.state')}</Table.Th>
                <Table.Th>{t('devices.open.timers')}</Table.Th>
                <Table.Th>{t('devices.open.escalation')}</Table.Th>
                <Table.Th>{t('devices.open.workOrder')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {alarms.map((a) => {
                const next = a.timers?.nextEscalation ?? null;
                return (
                  <Table.Tr key={a.alarm} data-testid="open-row" data-alarm={a.alarm} data-device={a.device} data-status={a.status} className={live.fresh.has(a.alarm) ? 'machi-alarm-fresh-row' : undefined} data-severity={a.rule.severity}>
                    <Table.Td>
                      <Group gap={6}>
                        <Badge color={SEVERITY_COLOR[a.rule.severity]} variant="filled">{n.severity(a.rule.severity)}</Badge>
                        <Text fw={600}>{n.condition(a.condition)}</Text>
                      </Group>
                      <Text size="xs" c="dimmed">{n.place(a.location)} · {a.device} · {t('devices.open.since', { time: span(live.now - a.raisedAt) })}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <Badge variant="light">{n.status(a.status)}</Badge>
                        {a.active ? <Badge variant="outline" color={SEVERITY_COLOR[a.rule.severity]}>{t('devices.alarm.active')}</Badge> : <Badge variant="outline" color="green">{t('devices.alarm.cleared')}</Badge>}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={4}>
                        <DueBadge kind="ack" due={a.ackDueAt} done={acked(a)} now={live.now} />
                        <DueBadge kind="resolve" due={a.resolveDueAt} done={a.status === 'resolved'} now={live.now} />
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" data-testid="open-level">{a.level === 0 ? t('devices.open.notEscalated') : t('devices.open.level', { level: a.level, orgs: a.escalatedTo.map(n.org).join(', ') })}</Text>
                      {a.acks.length > 0 && <Text size="xs" c="teal.8">{t('devices.alarm.acks', { orgs: a.acks.map((k) => n.org(k.org)).join(', ') })}</Text>}
                      {next !== null && <Text size="xs" c="dimmed">{t('devices.open.next', { level: next.level, org: n.org(next.org), time: new Date(next.at).toLocaleTimeString() })}</Text>}
                    </Table.Td>
                    <Table.Td>
                      {a.workOrder !== undefined
                        ? <Anchor component={Link} href={`/requests/${a.workOrder}`} size="sm">{t('devices.alarm.workOrder')}</Anchor>
                        : <Text size="sm" c="dimmed">{a.rule.action === 'work-order' ? t('devices.alarm.workOrderPending') : t('devices.alarm.notifyOnly')}</Text>}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {notices.length > 0 && (
        <Card withBorder data-testid="notices">
          <Title order={5}>{t('devices.open.notices')}</Title>
          {notices.slice(-20).reverse().map((x) => (
            <Text key={x.alarm + x.kind} size="sm">{new Date(x.at).toLocaleTimeString()} · {t(`devices.notice.${x.kind}`, { defaultValue: x.kind })} · {x.alarm.slice(0, 11)}…</Text>
          ))}
        </Card>
      )}
    </Stack>
  );
}
