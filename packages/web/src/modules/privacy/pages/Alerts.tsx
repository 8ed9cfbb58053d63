import { useEffect, useState } from 'react';
import { Card, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import type { AlertList } from '@machi/core';

/** A regulator's view of every alert the anomaly rules raised on the ledger. */
export function AlertsPage() {
  const { t } = useTranslation();
  const [alerts, setAlerts] = useState<AlertList['alerts'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<AlertList>('/v1/alerts').then((a) => setAlerts([...a.alerts].sort((x, y) => y.at - x.at)), setError);
  }, []);
  return (
    <Stack maw={860}>
      <Title order={3}>{t('alerts.title')}</Title>
      <ErrorAlert error={error} />
      {alerts !== null && alerts.length === 0 && <Text c="dimmed">{t('alerts.none')}</Text>}
      {alerts?.map((a) => (
        <Card key={`${a.access}:${a.rule}`} withBorder data-testid="alert">
          <Group justify="space-between">
            <Text fw={600}>{t(`rule.${a.rule}`, { defaultValue: a.rule })}</Text>
            <Text size="xs" c="dimmed">{new Date(a.at).toLocaleString()}</Text>
          </Group>
          <Text size="sm">{t(`org.${a.org}`, { defaultValue: a.org })} · {t(`role.${a.role}`, { defaultValue: a.role })} · {a.subject}</Text>
          <Text size="xs" c="dimmed">{a.detail}</Text>
        </Card>
      ))}
    </Stack>
  );
}
