/** A list of signed steps (an application's or a payment's), each with its "verified" mark checked in this browser. */
import { useEffect, useState } from 'react';
import { Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { FundStep } from '@machi/core';
import { VerifiedMark } from '../../../components/common';
import type { Mark } from '../../../verify/ledger';
import type { Proved } from '../api';
import { verifyShown } from '../verify';

export const when = (ms: number, lang: string): string => new Date(ms).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });

export function Steps({ about, steps }: { about: string; steps: readonly Proved<FundStep>[] }) {
  const { t, i18n } = useTranslation();
  const [marks, setMarks] = useState<Mark[]>([]);
  useEffect(() => {
    let live = true;
    void verifyShown(steps.map((s) => ({ txHash: s.txHash, org: s.org, actor: s.actor, about, proof: s.proof }))).then((m) => live && setMarks(m));
    return () => {
      live = false;
    };
  }, [about, steps]);
  return (
    <Stack gap={4}>
      {steps.map((s, i) => (
        <Group key={s.txHash} justify="space-between" wrap="nowrap" gap="xs" data-testid="fund-step" data-action={s.action}>
          <Stack gap={0} style={{ minWidth: 0 }}>
            <Text size="sm" fw={500}>{t(`funds.action.${s.action}`)}{detailOf(s, t)}</Text>
            <Text size="xs" c="dimmed">{t(`org.${s.org}`, { defaultValue: s.org })} · {when(s.at, i18n.language)}</Text>
          </Stack>
          <VerifiedMark mark={marks[i]} />
        </Group>
      ))}
    </Stack>
  );
}

function detailOf(s: FundStep, t: (k: string, o?: Record<string, unknown>) => string): string {
  const d = s.detail ?? {};
  const bits: string[] = [];
  if (typeof d.result === 'string') bits.push(t(`funds.result.${d.result}`));
  if (typeof d.decision === 'string') bits.push(t(`funds.decision.${d.decision}`));
  if (typeof d.reason === 'string') bits.push(t(`funds.reason.${d.reason}`, { defaultValue: d.reason }));
  if (typeof d.blocked === 'string') bits.push(`${t('funds.status.blocked')}: ${t(`funds.alert.${d.blocked}`)}`);
  if (typeof d.outcome === 'string') bits.push(t(`funds.outcome.${d.outcome}`));
  if (typeof d.ground === 'string') bits.push(t(`funds.ground.${d.ground}`));
  return bits.length === 0 ? '' : ` — ${bits.join(', ')}`;
}
