/** Small pieces every page uses: status badges, SLA timers, photos, the "verified" mark, errors. */
import { useEffect, useRef, useState } from 'react';
import { Alert, Badge, Button, FileButton, Group, Image, Loader, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError, photoUrl, uploadPhoto } from '../api';
import type { Mark } from '../verify/timeline';

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

export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  // fetch failures are TypeErrors (no connection); other Errors carry a message written for the user
  const message = error instanceof ApiError
    ? `${t(`errorCode.${error.code}`, { defaultValue: error.code })}: ${error.message}`
    : error instanceof Error && !(error instanceof TypeError) ? error.message : t('error.network');
  return <Alert color="red" data-testid="error">{message}</Alert>;
}

/** A photo of a request (fetched with the token). */
export function Photo({ request, hash, size = 96 }: { request: string; hash: string; size?: number }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let u: string | null = null;
    let gone = false;
    photoUrl(request, hash).then((x) => {
      if (gone) URL.revokeObjectURL(x);
      else setUrl((u = x));
    }).catch(() => !gone && setUrl(''));
    return () => {
      gone = true;
      if (u !== null) URL.revokeObjectURL(u);
    };
  }, [request, hash]);
  if (url === null) return <Loader size="xs" />;
  return <Image src={url || undefined} w={size} h={size} fit="cover" radius="sm" alt="" fallbackSrc="data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'/>" />;
}

/** Picks and uploads photos at once; shows what was uploaded. */
export function PhotoPicker({ value, onChange }: { value: { hash: string; url: string }[]; onChange: (v: { hash: string; url: string }[]) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  // the previews are object URLs: freed when the picker goes
  const previews = useRef(value);
  previews.current = value;
  useEffect(() => () => previews.current.forEach((p) => URL.revokeObjectURL(p.url)), []);
  const [error, setError] = useState<unknown>(null);
  const add = async (files: File[]) => {
    setBusy(true);
    setError(null);
    try {
      const added: { hash: string; url: string }[] = [];
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
          {(props) => <Button {...props} variant="light" size="xs" loading={busy} data-testid="add-photo">{t('photo.add')}</Button>}
        </FileButton>
      </Group>
      <ErrorAlert error={error} />
    </div>
  );
}

/** The per-step mark: checked against the ledger in this browser. */
export function VerifiedMark({ mark }: { mark: Mark | undefined }) {
  const { t } = useTranslation();
  if (mark === undefined || mark.state === 'checking') return <Badge variant="outline" color="gray" data-testid="mark" data-state="checking">{t('verify.checking')}</Badge>;
  if (mark.state === 'verified') {
    return (
      <Tooltip label={t('verify.verifiedDetail', { height: mark.height, orgs: mark.signedBy.join(', ') })} multiline w={260}>
        <Badge color="green" variant="light" data-testid="mark" data-state="verified">✓ {t('verify.verified')}</Badge>
      </Tooltip>
    );
  }
  return (
    <Tooltip label={`${mark.field}: ${mark.reason}`} multiline w={300}>
      <Badge color="red" variant="filled" data-testid="mark" data-state="failed" title={`${mark.field}: ${mark.reason}`}>✗ {t('verify.failed')}</Badge>
    </Tooltip>
  );
}
