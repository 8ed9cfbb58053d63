/** Pieces the devices pages share: severity colours, the alarm's names, its timers, the sound switch, the pulse. */
import { useEffect, useState } from 'react';
import { Badge, Box, Switch } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AlarmView } from '@machi/core';
import { armSound, setSound, soundReady, soundWanted, tonesPlayed } from '../api';
import { span } from '../live';

export const SEVERITY_COLOR: Record<string, string> = { critical: 'red', major: 'orange', warning: 'yellow' };

/** The keyframes of a new alarm's pulse (injected once with the page that uses them). */
export const PULSE_CSS = `
@keyframes machi-alarm-pulse { 0% { box-shadow: 0 0 0 0 rgba(250,82,82,.7); } 70% { box-shadow: 0 0 0 14px rgba(250,82,82,0); } 100% { box-shadow: 0 0 0 0 rgba(250,82,82,0); } }
@keyframes machi-alarm-pulse-major { 0% { box-shadow: 0 0 0 0 rgba(253,126,20,.7); } 70% { box-shadow: 0 0 0 14px rgba(253,126,20,0); } 100% { box-shadow: 0 0 0 0 rgba(253,126,20,0); } }
.machi-alarm-fresh { animation: machi-alarm-pulse 1.2s ease-out infinite; }
@keyframes machi-alarm-row { 0%, 100% { background: rgba(253,126,20,.08); } 50% { background: rgba(253,126,20,.30); } }
@keyframes machi-alarm-row-critical { 0%, 100% { background: rgba(250,82,82,.08); } 50% { background: rgba(250,82,82,.32); } }
tr.machi-alarm-fresh-row { animation: machi-alarm-row 1.2s ease-in-out infinite; }
tr.machi-alarm-fresh-row[data-severity=critical] { animation-name: machi-alarm-row-critical; }
.machi-alarm-fresh[data-severity=major], .machi-alarm-fresh[data-severity=warning] { animation-name: machi-alarm-pulse-major; }
`;

export function useAlarmNames() {
  const { t } = useTranslation();
  return {
    condition: (c: string) => t(`devices.condition.${c}`, { defaultValue: c }),
    cls: (c: string) => t(`devices.class.${c}`, { defaultValue: c }),
    severity: (s: string) => t(`devices.severity.${s}`, { defaultValue: s }),
    status: (s: string) => t(`devices.status.${s}`, { defaultValue: s }),
    org: (o: string) => t(`org.${o}`, { defaultValue: o }),
    place: (l: { kind: string; code: string }) => `${t(`devices.locationKind.${l.kind}`, { defaultValue: l.kind })} ${l.code}`,
  };
}

/** "Acknowledge in 9:41" / "Acknowledgement overdue 1:20" (red), or done. */
export function DueBadge({ kind, due, done, now }: { kind: 'ack' | 'resolve'; due: number; done: boolean; now: number }) {
  const { t } = useTranslation();
  if (done) return <Badge color="green" variant="light" data-testid={`due-${kind}`} data-state="done">{kind === 'ack' ? t('devices.timer.acked') : t('devices.timer.resolved')}</Badge>;
  const left = due - now;
  const late = left < 0;
  const label = kind === 'ack'
    ? (late ? t('devices.timer.ackLate', { time: span(left) }) : t('devices.timer.ackIn', { time: span(left) }))
    : (late ? t('devices.timer.resolveLate', { time: span(left) }) : t('devices.timer.resolveIn', { time: span(left) }));
  return <Badge color={late ? 'red' : 'gray'} variant={late ? 'filled' : 'light'} data-testid={`due-${kind}`} data-state={late ? 'late' : 'running'}>{label}</Badge>;
}

export const acked = (a: AlarmView): boolean => a.acks.some((k) => k.org === a.org) || a.status !== 'raised';

/** The "sound on" switch: turning it on is the user's gesture that lets the page sound (browsers block autoplay). */
export function SoundSwitch() {
  const { t } = useTranslation();
  const [on, setOn] = useState(soundWanted() && soundReady());
  // sound was turned on before (this tab's earlier page, or a reload): the user's first tap or key arms it again
  useEffect(() => {
    if (on || !soundWanted()) return;
    const arm = () => void armSound().then((ok) => ok && setOn(true));
    document.addEventListener('pointerdown', arm, { once: true });
    document.addEventListener('keydown', arm, { once: true });
    return () => {
      document.removeEventListener('pointerdown', arm);
      document.removeEventListener('keydown', arm);
    };
  }, [on]);
  return (
    <Box data-testid="sound" data-state={on ? 'on' : 'off'} data-tones={tonesPlayed}>
      <Switch
        checked={on}
        onChange={(e) => {
          const want = e.currentTarget.checked;
          void setSound(want).then((ok) => setOn(want && ok));
        }}
        label={on ? t('devices.sound.on') : t('devices.sound.off')}
        color="red"
      />
    </Box>
  );
}
