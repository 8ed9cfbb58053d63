/** An event as a card (phone lists: my reports, a grid's events, a department's inbox). */
import { Card, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { EventSummary } from '@machi/core';
import { ImportedBadge, MajorBadge, PartChips, PartTimer, SeverityBadge, StatusBadge, useNames } from './bits';

export function EventCard({ e, children }: { e: EventSummary; children?: React.ReactNode }) {
  const { t } = useTranslation();
  const names = useNames();
  const late = e.open && (e.overdue || e.ackMissed);
  return (
    <Card withBorder padding="sm" data-testid="event-card" data-event={e.event} data-overdue={late}
      style={late ? { borderColor: 'var(--mantine-color-red-6)', borderWidth: 2 } : undefined}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Text fw={600} component={Link} href={`/event/${e.event}`} c="teal.9" data-testid="event-link">{t(`events.category.${e.category}`)}</Text>
          <StatusBadge status={e.status} />
        </Group>
        <Group gap="xs">
          <MajorBadge major={e.major} />
          <ImportedBadge imported={e.imported} />
          <SeverityBadge severity={e.severity} />
          <Text size="sm" c="dimmed">{names.grid(e.grid)} · {names.place(e.location.code)}</Text>
        </Group>
        {e.parts.length > 0 && <PartChips parts={e.parts} open={e.open} />}
        {e.myPart !== undefined && <Group gap="xs"><PartTimer part={e.myPart} open={e.open} /></Group>}
        <Group justify="space-between">
          <Text size="xs" c="dimmed">{t('events.reportedAt', { at: new Date(e.reportedAt).toLocaleString() })}</Text>
          {e.rating !== null && <Text size="xs">{'★'.repeat(e.rating)}</Text>}
        </Group>
        {children}
      </Stack>
    </Card>
  );
}
