/**
 * The on-duty alarm board (phone): every open alarm the organisation sees, live from the node's alarm stream — a new
 * one appears without a reload, pulses in its severity's colour under a banner, and sounds a short tone once the user
 * has turned the sound on; acknowledge, resolve, and the work order each alarm opened. An alarm leaves the board once
 * it is resolved and its device reports normal. Staff of an organisation the alarm was escalated to acknowledge for
 * their own organisation (one acknowledgement each, on the ledger).
 */
import { useState } from 'react';
import { Alert, Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AlarmView } from '@machi/core';
import { post } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { AlarmCard } from '../components/AlarmCard';
import { PULSE_CSS, SoundSwitch, useAlarmNames } from '../components/bits';
import { useLiveBoard } from '../live';

export function BoardPage() {
  const { t } = useTranslation();
  const n = useAlarmNames();
  const live = useLiveBoard();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const act = async (a: AlarmView, action: 'acknowledge' | 'resolve') => {
    setBusy(a.alarm + action);
    setError(null);
    try {
      await post<AlarmView>(`/v1/devices/alarms/${a.alarm}/${action}`);
      live.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const alarms = live.board?.alarms ?? [];
  const latest = live.latest;
  return (
    <Stack gap="sm" data-testid="alarm-board" data-live={String(live.live)}>
      <style>{PULSE_CSS}</style>
      <Group justify="space-between">
        <Title order={3}>{t('devices.board.title')}</Title>
        <Badge color={live.live ? 'green' : 'gray'} variant="dot" data-testid="live">{live.live ? t('devices.board.live') : t('devices.board.offline')}</Badge>
      </Group>
      <SoundSwitch />
      {latest !== null && (
        <Alert
          color={latest.severity === 'critical' ? 'red' : 'orange'}
          variant="filled"
          className="machi-alarm-fresh"
          data-severity={latest.severity}
          withCloseButton
          onClose={live.dismiss}
          title={t('devices.board.newAlarm', { severity: n.severity(latest.severity) })}
          data-testid="alarm-banner"
          data-alarm={latest.alarm}
        >
          {n.condition(latest.condition)} · {latest.device}
        </Alert>
      )}
      <ErrorAlert error={error ?? live.error} />
      {live.board !== null && alarms.length === 0 && <Text c="dimmed" data-testid="board-empty">{t('devices.board.empty')}</Text>}
      {alarms.map((a) => (
        <AlarmCard key={a.alarm} a={a} now={live.now} fresh={live.fresh.has(a.alarm)}>
          <Group gap="xs" grow>
            {a.status !== 'resolved' && !a.acks.some((k) => k.org === live.board?.org) && (
              <Button color="red" loading={busy === a.alarm + 'acknowledge'} onClick={() => void act(a, 'acknowledge')} data-testid="alarm-acknowledge">
                {t('devices.do.acknowledge')}
              </Button>
            )}
            {a.status === 'acknowledged' && (
              <Button color="green" loading={busy === a.alarm + 'resolve'} onClick={() => void act(a, 'resolve')} data-testid="alarm-resolve">
                {t('devices.do.resolve')}
              </Button>
            )}
          </Group>
          {a.status === 'resolved' && a.active && <Text size="sm" c="orange.8" data-testid="alarm-waiting-normal">{t('devices.alarm.waitingNormal')}</Text>}
        </AlarmCard>
      ))}
    </Stack>
  );
}
