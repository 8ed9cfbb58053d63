/**
 * The service desk ("one trip"): the official picks a service, the desk shows a QR code / link for the resident's
 * wallet, and the page follows the session until every credential it needs is verified — then shows eligibility and
 * exactly the claims the resident disclosed, with every attempt and its reason (each one a ledger record).
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, Badge, Button, Card, Code, Group, Image, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import QRCode from 'qrcode';
import { get, post } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { useSession } from '../../../session';
import type { DeskView, IdentityCatalogueView, SessionStarted } from '@machi/core';
import { claimValue } from '../claims';

export function DeskPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [catalogue, setCatalogue] = useState<IdentityCatalogueView | null>(null);
  const [service, setService] = useState<string | null>(null);
  const [session, setSession] = useState<DeskView | null>(null);
  const [link, setLink] = useState('');
  const [qr, setQr] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);
  const current = useRef<string | null>(null);

  useEffect(() => {
    get<IdentityCatalogueView>('/v1/identity/catalogue').then(setCatalogue, setError);
    return () => {
      if (timer.current !== null) clearInterval(timer.current);
    };
  }, []);
  const services = catalogue?.services.filter((s) => s.desks.includes(user.org)) ?? [];

  const start = async () => {
    if (service === null) return;
    setBusy(true);
    setError(null);
    try {
      const s = await post<SessionStarted>('/v1/identity/sessions', { service });
      current.current = s.session;
      const origin = window.location.origin;
      const l = `${origin}/present?${new URLSearchParams({ desk: origin, session: s.session, nonce: s.nonce })}`;
      setLink(l);
      setQr(await QRCode.toDataURL(l, { margin: 1, width: 240 }));
      setSession({ ...s, eligible: false, disclosed: {}, consent: null, verifications: [] });
      if (timer.current !== null) clearInterval(timer.current);
      timer.current = setInterval(() => {
        get<DeskView>(`/v1/identity/sessions/${s.session}/desk`).then((v) => {
          // a late answer about an earlier session must not replace this one
          if (current.current !== v.session) return;
          setSession(v);
          // done, or over: nothing more will happen in this session. The node keeps a verification's claims for the
          // desk only after it has also recorded the data use, a block later: "complete" can come before the claims.
          const shown = v.requirements.every((r) => v.disclosed[r.type] !== undefined);
          if (((v.complete && shown) || Date.now() > v.expiresAt) && timer.current !== null) clearInterval(timer.current);
        }, () => {});
      }, 1000);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack maw={900}>
      <Title order={3}>{t('desk.title')}</Title>
      <Card withBorder>
        <Group align="flex-end">
          <Select allowDeselect={false} label={t('desk.service')} value={service} onChange={setService} w={320} data-testid="desk-service" comboboxProps={{ withinPortal: true }}
            data={services.map((s) => ({ value: s.id, label: t(`service.${s.id}`, { defaultValue: s.name }) }))} />
          <Button onClick={() => void start()} disabled={service === null} loading={busy} data-testid="desk-start">{t('desk.start')}</Button>
        </Group>
        {service !== null && (
          <Text size="sm" c="dimmed" mt="xs">
            {t('desk.needs')}: {services.find((s) => s.id === service)?.requirements.map((r) => t(`credential.${r.type}`, { defaultValue: r.type })).join(' + ')}
          </Text>
        )}
      </Card>
      <ErrorAlert error={error} />
      {session !== null && (
        <Group align="flex-start" grow>
          <Card withBorder>
            <Stack align="center">
              <Text fw={600}>{t('desk.scan')}</Text>
              {qr !== '' && <Image src={qr} w={240} h={240} alt={t('desk.scan')} data-testid="desk-qr" />}
              <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="desk-link-text">{link}</Code>
            </Stack>
          </Card>
          <Card withBorder data-testid="desk-status" data-eligible={session.eligible} data-consented={session.consent !== null}>
            <Stack>
              <Group justify="space-between">
                <Text fw={600}>{t(`service.${session.service}`, { defaultValue: session.serviceName })}</Text>
                {session.eligible
                  ? <Badge color="green" size="lg" data-testid="desk-eligible">✓ {t('desk.eligible')}</Badge>
                  : <Badge color="gray" size="lg">{Date.now() > session.expiresAt ? t('desk.expired') : session.consent === null ? t('desk.waiting') : t('desk.checking')}</Badge>}
              </Group>
              {session.consent !== null && <Text size="sm">{t('desk.consentAt', { at: new Date(session.consent.at).toLocaleTimeString() })}</Text>}
              {Object.entries(session.disclosed).map(([type, claims]) => (
                <div key={type}>
                  <Text size="sm" fw={600}>{t(`credential.${type}`, { defaultValue: type })}</Text>
                  <Table withRowBorders={false} verticalSpacing={2}>
                    <Table.Tbody>
                      {Object.entries(claims).map(([k, v]) => <Table.Tr key={k}><Table.Td c="dimmed" w="45%">{t(`claim.${k}`, { defaultValue: k })}</Table.Td><Table.Td data-testid={`disclosed-${k}`}>{claimValue(v)}</Table.Td></Table.Tr>)}
                    </Table.Tbody>
                  </Table>
                </div>
              ))}
              {session.verifications.length > 0 && (
                <Stack gap={2}>
                  <Text size="xs" c="dimmed">{t('desk.attempts')}</Text>
                  {session.verifications.map((v) => (
                    <Text key={v.verification} size="xs" c={v.result === 'valid' ? 'green' : 'red'} data-testid="desk-attempt" data-result={v.result}>
                      {t(`credential.${v.type ?? ''}`, { defaultValue: v.type ?? '?' })}: {t(`verifyReason.${v.reason}`, { defaultValue: v.reason })} · #{v.height}
                    </Text>
                  ))}
                </Stack>
              )}
              {session.eligible && <Alert color="green">{t('desk.recorded')}</Alert>}
            </Stack>
          </Card>
        </Group>
      )}
    </Stack>
  );
}
