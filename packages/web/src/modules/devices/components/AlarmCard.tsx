/**
 * One open alarm on the on-duty board (phone): what and where, how severe, whether the device still reports it, its
 * timers, the work order it opened, and the next step (acknowledge, resolve). A new alarm pulses in its colour.
 */
import type { ReactNode } from 'react';
import { Anchor, Badge, Card, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { AlarmView } from '@machi/core';
import { DueBadge, SEVERITY_COLOR, acked, useAlarmNames } from './bits';

export function AlarmCard({ a, now, fresh, children }: { a: AlarmView; now: number; fresh: boolean; children?: ReactNode }) {
  const { t } = useTranslation();
  const n = useAlarmNames();
  const color = SEVERITY_COLOR[a.rule.severity] ?? 'gray';
  return (
    <Card
      withBorder
      radius="md"
      padding="sm"
      className={fresh ? 'machi-alarm-fresh' : undefined}
      style={{ borderLeft: `6px solid var(--mantine-color-${color}-6)`, background: fresh ? `var(--mantine-color-${color}-0)` : undefined }}
      data-testid="alarm-card"
      data-alarm={a.alarm}
      data-device={a.device}
      data-status={a.status}
      data-active={String(a.active)}
      data-severity={a.rule.severity}
      data-fresh={String(fresh)}
    >
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <div style={{ minWidth: 0 }}>
            <Text fw={700} size="lg" c={a.rule.severity === 'critical' ? 'red.8' : undefined}>{n.condition(a.condition)}</Text>
            <Text size="sm" c="dimmed">{n.place(a.location)} · {a.device}</Text>
          </div>
          <Badge color={color} variant="filled" size="lg" style={{ flexShrink: 0 }}>{n.severity(a.rule.severity)}</Badge>
        </Group>
        <Group gap={6}>
          <Badge variant="light" data-testid="alarm-status">{n.status(a.status)}</Badge>
          {a.active
            ? <Badge color={color} variant="outline" data-testid="alarm-active">{t('devices.alarm.active')}</Badge>
            : <Badge color="green" variant="outline" data-testid="alarm-active">{t('devices.alarm.cleared')}</Badge>}
          {a.count > 1 && <Badge color="gray" variant="light">{t('devices.alarm.count', { count: a.count })}</Badge>}
          {a.level > 0 && <Badge color="grape" variant="light" data-testid="alarm-escalated">{t('devices.alarm.escalated', { orgs: a.escalatedTo.map(n.org).join(', ') })}</Badge>}
          {a.org !== undefined && a.escalatedTo.length > 0 && a.acks.length > 0 && <Badge color="teal" variant="light">{t('devices.alarm.acks', { orgs: a.acks.map((k) => n.org(k.org)).join(', ') })}</Badge>}
        </Group>
        <Group gap={6}>
          <DueBadge kind="ack" due={a.ackDueAt} done={acked(a)} now={now} />
          <DueBadge kind="resolve" due={a.resolveDueAt} done={a.status === 'resolved'} now={now} />
        </Group>
        <Text size="sm">
          {a.workOrder !== undefined
            ? <Anchor component={Link} href={`/requests/${a.workOrder}`} data-testid="alarm-work-order">{t('devices.alarm.workOrder')}</Anchor>
            : a.rule.action === 'work-order'
              ? <Text span c="dimmed" size="sm" data-testid="alarm-work-order-pending">{t('devices.alarm.workOrderPending')}</Text>
              : <Text span c="dimmed" size="sm">{t('devices.alarm.notifyOnly')}</Text>}
          {a.event !== undefined && <> · <Anchor component={Link} href={`/event/${a.event}`} data-testid="alarm-event">{t('devices.alarm.event')}</Anchor></>}
          <Text span c="dimmed" size="xs"> · {t('devices.alarm.raisedAt', { time: new Date(a.raisedAt).toLocaleTimeString() })}</Text>
        </Text>
        {children}
      </Stack>
    </Card>
  );
}
