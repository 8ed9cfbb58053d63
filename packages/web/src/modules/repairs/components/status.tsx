/** A request's status and priority badges and its SLA timer. */
import { useEffect, useState } from 'react';
import { Badge, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const STATUS_COLOURS: Record<string, string> = {
  received: 'gray', assigned: 'blue', 'en-route': 'indigo', 'on-site': 'violet', diagnosed: 'grape',
  'in-progress': 'orange', done: 'teal', confirmed: 'green', reopened: 'red', cancelled: 'dark',
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Badge color={STATUS_COLOURS[status] ?? 'gray'} variant="light" data-testid="status">{t(`status.${status}`)}</Badge>;
}

export function PriorityBadge({ priority }: { priority: string }) {
  const { t } = useTranslation();
  return priority === 'urgent' ? <Badge color="red" variant="filled">{t('priority.urgent')}</Badge> : <Badge color="gray" variant="outline">{t('priority.normal')}</Badge>;
}

/** 1 h 05 min, 3 min, 2 d 4 h */
export function useDuration(): (ms: number) => string {
  const { t } = useTranslation();
  return (ms: number) => {
    const m = Math.max(0, Math.round(ms / 60_000));
    const d = Math.floor(m / 1440);
    const h = Math.floor((m % 1440) / 60);
    const min = m % 60;
    if (d > 0) return t('time.dh', { d, h });
    if (h > 0) return t('time.hm', { h, m: min });
    return t('time.m', { m: min });
  };
}

/** Ticks every `ms` so timers re-render. */
export function useNow(ms = 15_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/** Time left until the SLA (someone on site), or how long it is overdue. */
export function SlaTimer({ dueAt, open, status }: { dueAt: number; open: boolean; status: string }) {
  const { t } = useTranslation();
  const now = useNow();
  const dur = useDuration();
  if (!open || !['received', 'assigned', 'en-route', 'reopened'].includes(status)) return <Text size="sm" c="dimmed">—</Text>;
  const left = dueAt - now;
  return left >= 0
    ? <Text size="sm" c={left < 30 * 60_000 ? 'orange' : undefined} data-testid="sla">{t('sla.left', { d: dur(left) })}</Text>
    : <Text size="sm" c="red" fw={700} data-testid="sla">{t('sla.overdue', { d: dur(-left) })}</Text>;
}
