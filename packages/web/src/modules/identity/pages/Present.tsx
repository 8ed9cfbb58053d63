/**
 * Answering a desk (the "one trip"): what the desk asks for, which of my credentials answer it and exactly which
 * claims leave; one consent (recorded on the ledger by my own organisation's node), then one presentation per
 * credential — made in this browser with the credential's own key (or by the node for demo credentials) — sent to the
 * desk, which verifies and records each.
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, Badge, Button, Card, Group, List, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get, post, publicCall } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import type { DemoPresentation, SessionView, SubmissionResultView, WalletCredential, WalletView } from '@machi/core';
import { hasHolderKey, present } from '../holder';

const safeHost = (u: string): string => {
  try {
    return new URL(u).host;
  } catch {
    return '?';
  }
};

export function PresentPage() {
  const { t } = useTranslation();
  const q = new URLSearchParams(window.location.search);
  const desk = q.get('desk') ?? '';
  const deskBase = desk === window.location.origin ? '' : desk;
  const session = q.get('session') ?? '';
  const nonce = q.get('nonce') ?? '';
  const [view, setView] = useState<SessionView | null>(null);
  const [creds, setCreds] = useState<WalletCredential[]>([]);
  const [results, setResults] = useState<SubmissionResultView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const consented = useRef(false);
  useEffect(() => {
    // What is asked comes from my own node's copy of the ledger (the session's service, desk and audience), never
    // from the link's server: a link can only say where to send the answer, not what to disclose or to whom.
    get<SessionView>(`/v1/identity/sessions/${session}`).then(setView, setError);
    get<WalletView>('/v1/me/identity/credentials').then((r) => setCreds(r.credentials), setError);
  }, [session]);

  const pick = (type: string) => creds.find((c) => c.type === type && c.status === 'valid' && c.expiresAt > Date.now());
  const ready = view !== null && view.requirements.every((r) => pick(r.type) !== undefined);

  const share = async () => {
    if (view === null) return;
    setBusy(true);
    setError(null);
    try {
      // every key this needs must be in this browser before anything is recorded
      for (const r of view.requirements) {
        const c = pick(r.type)!;
        if (!c.demoHolderKey && !(await hasHolderKey(c.id))) throw new Error(t('present.noKey', { type: t(`credential.${r.type}`) }));
      }
      if (!consented.current) {
        // the consent names the credentials that will answer (the desk accepts only those)
        await post('/v1/me/identity/consents', { session, nonce, credentials: view.requirements.map((r) => pick(r.type)!.id) });
        consented.current = true;
      }
      const presentations: string[] = [];
      for (const r of view.requirements) {
        const c = pick(r.type)!;
        presentations.push(c.demoHolderKey
          ? (await post<DemoPresentation>(`/v1/me/identity/credentials/${c.id}/present`, { session, nonce })).presentation
          : await present(c.id, c.credential, r.disclose, view.audience, nonce));
      }
      setResults(await publicCall<SubmissionResultView>(deskBase, `/v1/identity/sessions/${session}/presentations`, { presentations }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (view === null) return <ErrorAlert error={error} />;
  return (
    <Stack maw={640} data-testid="present-page">
      <Title order={3}>{t(`service.${view.service}`, { defaultValue: view.serviceName })}</Title>
      <Text>{t('present.asks', { desk: t(`org.${view.deskOrg}`, { defaultValue: view.deskName }) })}</Text>
      {view.requirements.map((r) => {
        const c = pick(r.type);
        return (
          <Card withBorder key={r.type} data-testid="requirement" data-type={r.type}>
            <Group justify="space-between">
              <Text fw={600}>{t(`credential.${r.type}`, { defaultValue: r.typeName })}</Text>
              {c === undefined ? <Badge color="red">{t('present.missing')}</Badge> : <Badge color="green">{t('present.have')}</Badge>}
            </Group>
            <Text size="sm" c="dimmed" mt={4}>{t('present.disclosed')}</Text>
            <List size="sm">
              {r.disclose.map((claim) => <List.Item key={claim}>{t(`claim.${claim}`, { defaultValue: claim })}{c !== undefined && c.claims[claim] !== undefined ? `: ${String(c.claims[claim])}` : ''}</List.Item>)}
            </List>
          </Card>
        );
      })}
      <Text size="xs" c="dimmed">{t('present.notShared')}</Text>
      <Text size="xs" c="dimmed" data-testid="present-destination">{t('present.sendTo', { host: deskBase === '' ? window.location.host : safeHost(deskBase), desk: t(`org.${view.deskOrg}`, { defaultValue: view.deskName }) })}</Text>
      {results === null ? (
        <Button size="md" disabled={!ready || view.consented} loading={busy} onClick={() => void share()} data-testid="consent-share">{t('present.consent')}</Button>
      ) : (
        <Alert color={results.eligible ? 'green' : 'red'} data-testid="present-result" data-eligible={results.eligible}>
          <Text fw={600}>{results.eligible ? t('present.done') : t('present.failed')}</Text>
          {results.results.map((r, i) => <Text key={i} size="sm">{t(`credential.${r.type ?? ''}`, { defaultValue: r.type ?? '?' })}: {t(`verifyReason.${r.reason}`, { defaultValue: r.reason })}</Text>)}
        </Alert>
      )}
      <ErrorAlert error={error} />
    </Stack>
  );
}
