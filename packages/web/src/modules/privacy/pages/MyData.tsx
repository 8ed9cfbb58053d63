/**
 * Who used my personal data: every access to the resident's record — allowed or denied — by which organisation and
 * role, for what purpose, which fields, and the alerts the ledger's anomaly rules raised; each entry with a mark
 * checked in this browser against the ledger (proof bundle + the record's fields against its transaction).
 */
import { useEffect, useState } from 'react';
import { Alert, Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import { verifyRecords, type Mark } from '../../../verify/ledger';
import type { MyUses } from '@machi/core';

export function MyDataPage() {
  const { t } = useTranslation();
  const [data, setData] = useState<Omit<MyUses, 'subject'> | null>(null);
  const [marks, setMarks] = useState<Mark[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<MyUses>('/v1/me/uses').then(async (d) => {
      const uses = [...d.uses].sort((a, b) => b.record.at - a.record.at);
      setData({ uses, alerts: d.alerts });
      setMarks(await verifyRecords(uses, 'privacy.access'));
    }, setError);
  }, []);
  return (
    <Stack maw={860}>
      <Title order={3}>{t('mydata.title')}</Title>
      <Text size="sm" c="dimmed">{t('mydata.hint')}</Text>
      <ErrorAlert error={error} />
      {data !== null && data.alerts.length > 0 && (
        <Alert color="red" title={t('mydata.alerts', { count: data.alerts.length })} data-testid="my-alerts">
          {data.alerts.map((a) => (
            <Text key={`${a.access}:${a.rule}`} size="sm">{new Date(a.at).toLocaleString()} · {t(`org.${a.org}`, { defaultValue: a.org })} · {t(`rule.${a.rule}`, { defaultValue: a.rule })}</Text>
          ))}
        </Alert>
      )}
      {data !== null && data.uses.length === 0 && <Text c="dimmed">{t('mydata.none')}</Text>}
      {data?.uses.map(({ record: r }, i) => (
        <Card key={r.access} withBorder data-testid="data-use" data-decision={r.decision}>
          <Group justify="space-between">
            <Text fw={600}>{t(`org.${r.org}`, { defaultValue: r.org })} · {t(`role.${r.role}`, { defaultValue: r.role })}</Text>
            <VerifiedMark mark={marks[i]} />
          </Group>
          <Text size="sm">{t('mydata.purpose')}: {t(`purpose.${r.purpose}`, { defaultValue: r.purpose })}{r.caseRef !== undefined ? ` · ${r.caseRef}` : ''}</Text>
          <Text size="sm">{t('mydata.fields')}: {r.fields.map((f) => t(`field.${f}`, { defaultValue: f })).join(', ')}</Text>
          <Group gap="xs" mt={4}>
            <Badge color={r.decision === 'allowed' ? 'teal' : 'red'} variant="light">{t(`decision.${r.decision}`)}</Badge>
            <Text size="xs" c="dimmed">{t(`accessReason.${r.reason}`, { defaultValue: r.reason })} · {new Date(r.at).toLocaleString()}</Text>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}
