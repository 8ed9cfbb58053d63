/** Pieces the events pages share: labels of codes and places, status and severity badges, timers, photos. */
import { useEffect, useRef, useState } from 'react';
import { Badge, Button, FileButton, Group, Image, Loader, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { EventCatalogues, PartView } from '@machi/core';
import { ErrorAlert } from '../../../components/common';
import { loadCatalogue, photoUrl, uploadPhoto } from '../api';

/** The catalogue, once loaded (null before). */
export function useCatalogue(onError?: (e: unknown) => void): EventCatalogues | null {
  const [cat, setCat] = useState<EventCatalogues | null>(null);
  useEffect(() => {
    loadCatalogue().then(setCat, (e: unknown) => onError?.(e));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return cat;
}

/** Names for codes: an organisation, a building or common area, a grid. */
export function useNames(): { org: (org: string, name?: string) => string; place: (code: string, name?: string) => string; grid: (grid: string, name?: string) => string } {
  const { t } = useTranslation();
  return {
    org: (org, name) => t(`org.${org}`, { defaultValue: name ?? org }),
    place: (code, name) => t(`events.place.${code}`, { defaultValue: name ?? code }),
    grid: (grid, name) => t(`events.gridName.${grid}`, { defaultValue: name ?? grid }),
  };
}

const STATUS_COLOURS: Record<string, string> = {
  reported: 'gray', filed: 'blue', dispatched: 'orange', handled: 'teal', closed: 'green', rejected: 'dark', merged: 'dark',
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Badge color={STATUS_COLOURS[status] ?? 'gray'} variant="light" style={{ flexShrink: 0 }} data-testid="event-status">{t(`events.status.${status}`)}</Badge>;
}

const SEVERITY_COLOURS: Record<string, string> = { minor: 'gray', serious: 'yellow', grave: 'orange', critical: 'red' };

export function SeverityBadge({ severity }: { severity: string }) {
  const { t } = useTranslation();
  return <Badge color={SEVERITY_COLOURS[severity] ?? 'gray'} variant="outline" style={{ flexShrink: 0 }}>{t(`events.severity.${severity}`)}</Badge>;
}

export function MajorBadge({ major }: { major: boolean }) {
  const { t } = useTranslation();
  return major ? <Badge color="red" variant="filled" style={{ flexShrink: 0 }} data-testid="major">{t('events.major')}</Badge> : null;
}

/** An event imported from the command centre's previous system (`event.import`): legacy times, not ledger times. */
export function ImportedBadge({ imported }: { imported: boolean | undefined }) {
  const { t } = useTranslation();
  return imported === true ? <Badge color="gray" variant="light" style={{ flexShrink: 0 }} data-testid="imported" title={t('events.importedHint')}>{t('events.imported')}</Badge> : null;
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

/** 1 h 05 min, 3 min, 2 d 4 h */
export function useDuration(): (ms: number) => string {
  const { t } = useTranslation();
  return (ms: number) => {
    const m = Math.max(0, Math.round(ms / 60_000));
    const d = Math.floor(m / 1440);
    const h = Math.floor((m % 1440) / 60);
    const min = m % 60;
    if (d > 0) return t('events.time.dh', { d, h });
    if (h > 0) return t('events.time.hm', { h, m: min });
    return t('events.time.m', { m: min });
  };
}

/**
 * A department's timers: the acknowledgement (a major event's) while not acknowledged, then the handling deadline
 * while not handled; missed ones in red (the node's verdict: `ackMissed`, `overdue`), with the escalation level.
 */
export function PartTimer({ part, open }: { part: PartView; open: boolean }) {
  const { t } = useTranslation();
  const now = useNow();
  const dur = useDuration();
  const out: React.ReactNode[] = [];
  if (part.ackMissed) out.push(<Text key="ack" size="xs" c="red" fw={700} style={{ whiteSpace: 'nowrap' }} data-testid="ack-missed">{t('events.timer.ackMissed')}</Text>);
  else if (open && part.ackDueAt !== null && part.acknowledgedAt === null && part.acceptedAt === null) {
    out.push(<Text key="ack" size="xs" c="orange" style={{ whiteSpace: 'nowrap' }} data-testid="ack-due">{t('events.timer.ackLeft', { d: dur(part.ackDueAt - now) })}</Text>);
  }
  if (part.status !== 'handled' && open) {
    out.push(part.overdue || part.dueAt < now
      ? <Text key="due" size="xs" c="red" fw={700} style={{ whiteSpace: 'nowrap' }} data-testid="overdue">{t('events.timer.overdue', { d: dur(now - part.dueAt) })}</Text>
      : <Text key="due" size="xs" c={part.dueAt - now < 30 * 60_000 ? 'orange' : undefined} style={{ whiteSpace: 'nowrap' }} data-testid="due">{t('events.timer.left', { d: dur(part.dueAt - now) })}</Text>);
  }
  if (part.escalation > 0) out.push(<Badge key="esc" color="red" size="xs" tt="none" style={{ flexShrink: 0 }} data-testid="escalated">{t('events.escalated', { level: part.escalation })}</Badge>);
  return <>{out}</>;
}

const PART_COLOURS: Record<string, string> = { assigned: 'gray', acknowledged: 'blue', accepted: 'orange', handled: 'green' };

/** Each department on the event as a chip: its status, red when it missed a deadline. */
export function PartChips({ parts, open }: { parts: readonly PartView[]; open: boolean }) {
  const { t } = useTranslation();
  const names = useNames();
  return (
    <Group gap={4}>
      {parts.map((p) => {
        const late = open && (p.ackMissed || p.overdue);
        return (
          <Tooltip key={p.org} label={t(`events.partStatus.${p.status}`)}>
            <Badge size="sm" tt="none" variant={late ? 'filled' : 'light'} color={late ? 'red' : PART_COLOURS[p.status] ?? 'gray'} data-testid="part-chip" data-org={p.org} data-status={p.status}>
              {names.org(p.org, p.orgName)} · {t(`events.partStatus.${p.status}`)}{p.escalation > 0 ? ` ↑${p.escalation}` : ''}
            </Badge>
          </Tooltip>
        );
      })}
    </Group>
  );
}

/** A photo of an event (fetched with the token). */
export function Photo({ event, hash, size = 96 }: { event: string; hash: string; size?: number }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let u: string | null = null;
    let gone = false;
    photoUrl(event, hash).then((x) => {
      if (gone) URL.revokeObjectURL(x);
      else setUrl((u = x));
    }).catch(() => !gone && setUrl(''));
    return () => {
      gone = true;
      if (u !== null) URL.revokeObjectURL(u);
    };
  }, [event, hash]);
  if (url === null) return <Loader size="xs" />;
  return <Image src={url || undefined} w={size} h={size} fit="cover" radius="sm" alt="" data-testid="event-photo" fallbackSrc="data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'/>" />;
}

export type Picked = { hash: string; url: string };

/** Picks and uploads photos at once; shows what was uploaded. */
export function PhotoPicker({ value, onChange }: { value: Picked[]; onChange: (v: Picked[]) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const previews = useRef(value);
  previews.current = value;
  useEffect(() => () => previews.current.forEach((p) => URL.revokeObjectURL(p.url)), []);
  const [error, setError] = useState<unknown>(null);
  const add = async (files: File[]) => {
    setBusy(true);
    setError(null);
    try {
      const added: Picked[] = [];
      for (const f of files) {
        const r = await uploadPhoto(f);
        added.push({ hash: r.hash, url: URL.createObjectURL(f) });
      }
      onChange([...value, ...added.filter((a) => !value.some((v) => v.hash === a.hash))]);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <Group gap="xs">
        {value.map((p) => <Image key={p.hash} src={p.url} w={64} h={64} fit="cover" radius="sm" alt="" />)}
        <FileButton onChange={(f) => void add(f)} accept="image/png,image/jpeg,image/webp" multiple>
          {(props) => <Button {...props} variant="light" size="xs" loading={busy} data-testid="add-photo">{t('events.photo.add')}</Button>}
        </FileButton>
      </Group>
      <ErrorAlert error={error} />
    </div>
  );
}
