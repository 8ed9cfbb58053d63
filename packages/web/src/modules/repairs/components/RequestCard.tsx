import { Card, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { RequestView } from '@machi/core';
import { PriorityBadge, SlaTimer, StatusBadge } from './status';

export function RequestCard({ r, children }: { r: RequestView; children?: React.ReactNode }) {
  const { t } = useTranslation();
  return (
    <Card withBorder padding="sm" data-testid="request-card" data-request={r.request} style={r.overdue ? { borderColor: 'var(--mantine-color-red-6)', borderWidth: 2 } : undefined}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600} component={Link} href={`/requests/${r.request}`} c="teal.9" data-testid="request-link">{t(`category.${r.category}`)}</Text>
          <StatusBadge status={r.status} />
        </Group>
        <Group gap="xs">
          <PriorityBadge priority={r.priority} />
          <Text size="sm" c="dimmed">{t(`building.${r.location.building}`, { defaultValue: r.location.building })} · {t(`location.${r.location.kind}`)}</Text>
        </Group>
        <Group justify="space-between">
          <Text size="xs" c="dimmed">{new Date(r.createdAt).toLocaleString()}</Text>
          <SlaTimer dueAt={r.slaDueAt} open={r.open} status={r.status} />
        </Group>
        {children}
      </Stack>
    </Card>
  );
}
