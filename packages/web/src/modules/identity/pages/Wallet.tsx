/**
 * The resident's wallet: credentials issued by departments (status read from the ledger), offers waiting to be
 * accepted (the holder key is made here, in this browser), a desk link to answer, and every use of the credentials —
 * consents and verifications, each on the ledger.
 */
import { useCallback, useEffect, useState } from 'react';
import { Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { get, post, publicCall } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import type { IdentityUses, OfferRedeemed, WalletCredential, WalletOffers, WalletView } from '@machi/core';
import { claimValue } from '../claims';
import { newHolderKey, relabelHolderKey } from '../holder';

const STATUS_COLOUR: Record<string, string> = { valid: 'green', suspended: 'orange', revoked: 'red' };

const PENDING = 'machi.pending-credential.';

/** Stores a credential picked up from an issuer (kept in localStorage until then) and files its key under its id. */
async function storePending(offer: string): Promise<void> {
  const raw = localStorage.getItem(`${PENDING}${offer}`);
  if (raw === null) return;
  const { credential, temp } = JSON.parse(raw) as { credential: string; temp: string };
  const entry = await post<WalletCredential>('/v1/me/identity/credentials', { credential });
  await relabelHolderKey(temp, entry.id);
  localStorage.removeItem(`${PENDING}${offer}`);
}

async function retryPending(): Promise<void> {
  for (const key of Object.keys(localStorage).filter((k) => k.startsWith(PENDING))) {
    await storePending(key.slice(PENDING.length)).catch(() => {});
  }
}

export function WalletPage() {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const [creds, setCreds] = useState<WalletCredential[] | null>(null);
  const [offers, setOffers] = useState<WalletOffers['offers']>([]);
  const [uses, setUses] = useState<IdentityUses | null>(null);
  const [link, setLink] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // an offer link from an issuing counter (any organisation's node): ?issuer=<node>&offer=off_…&code=…
  const [redeem, setRedeem] = useState<{ issuer: string; offer: string; code: string } | null>(() => {
    const q = new URLSearchParams(window.location.search);
    const offer = q.get('offer');
    const code = q.get('code');
    return offer !== null && code !== null ? { issuer: q.get('issuer') ?? window.location.origin, offer, code } : null;
  });

  const load = useCallback(() => {
    void retryPending();
    get<WalletView>('/v1/me/identity/credentials').then((r) => setCreds(r.credentials), setError);
    get<WalletOffers>('/v1/me/identity/offers').then((r) => setOffers(r.offers), setError);
    get<IdentityUses>('/v1/me/identity/uses').then(setUses, setError);
  }, []);
  useEffect(load, [load]);

  const accept = async (o: WalletOffers['offers'][number]) => {
    setBusy(true);
    setError(null);
    try {
      const temp = `offer:${o.offer}`;
      const holderJwk = await newHolderKey(temp);
      const entry = await post<WalletCredential>(`/v1/me/identity/offers/${o.offer}/accept`, { holderJwk });
      await relabelHolderKey(temp, entry.id);
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const pickUp = async (r: { issuer: string; offer: string; code: string }) => {
    setBusy(true);
    setError(null);
    try {
      const temp = `offer:${r.offer}`;
      const holderJwk = await newHolderKey(temp);
      const base = r.issuer === window.location.origin ? '' : r.issuer;
      const issued = await publicCall<OfferRedeemed>(base, `/v1/identity/offers/${r.offer}/redeem`, { code: r.code, holderJwk });
      // the offer is used up now: keep the credential here until my node has stored it (retried on the next visit)
      localStorage.setItem(`${PENDING}${r.offer}`, JSON.stringify({ credential: issued.credential, temp }));
      await storePending(r.offer);
      setRedeem(null);
      navigate('/wallet', { replace: true });
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const openLink = () => {
    try {
      const u = new URL(link.trim());
      if (u.searchParams.get('offer') !== null && u.searchParams.get('code') !== null) {
        setRedeem({ issuer: u.searchParams.get('issuer') ?? u.origin, offer: u.searchParams.get('offer')!, code: u.searchParams.get('code')! });
        setLink('');
        return;
      }
      const q = new URLSearchParams({ desk: u.searchParams.get('desk') ?? u.origin, session: u.searchParams.get('session') ?? '', nonce: u.searchParams.get('nonce') ?? '' });
      navigate(`/present?${q}`);
    } catch {
      setError(new Error('link'));
    }
  };

  return (
    <Stack maw={900}>
      <Title order={3}>{t('wallet.title')}</Title>
      <Card withBorder>
        <Group align="flex-end">
          <TextInput label={t('wallet.deskLink')} description={t('wallet.deskLinkHint')} value={link} onChange={(e) => setLink(e.currentTarget.value)} style={{ flex: 1 }} data-testid="desk-link" />
          <Button onClick={openLink} disabled={link.trim() === ''} data-testid="open-desk-link">{t('wallet.open')}</Button>
        </Group>
      </Card>
      <ErrorAlert error={error} />
      {redeem !== null && (
        <Card withBorder bg="yellow.0" data-testid="redeem">
          <Group justify="space-between">
            <Text>{t('wallet.redeem', { issuer: redeem.issuer })}</Text>
            <Button size="xs" loading={busy} onClick={() => void pickUp(redeem)} data-testid="redeem-accept">{t('wallet.accept')}</Button>
          </Group>
          <Text size="xs" c="dimmed" mt="xs">{t('wallet.keyHint')}</Text>
        </Card>
      )}
      {offers.length > 0 && (
        <Card withBorder bg="yellow.0" data-testid="offers">
          <Title order={5} mb="xs">{t('wallet.offers')}</Title>
          {offers.map((o) => (
            <Group key={o.offer} justify="space-between" data-testid="offer">
              <Text>{t(`credential.${o.type}`, { defaultValue: o.typeName })} · {t(`org.${o.issuer}`, { defaultValue: o.issuer })}</Text>
              <Button size="xs" loading={busy} onClick={() => void accept(o)} data-testid="accept-offer">{t('wallet.accept')}</Button>
            </Group>
          ))}
          <Text size="xs" c="dimmed" mt="xs">{t('wallet.keyHint')}</Text>
        </Card>
      )}
      {creds !== null && creds.length === 0 && <Text c="dimmed">{t('wallet.none')}</Text>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {creds?.map((c) => (
          <Card key={c.id} withBorder data-testid="credential" data-type={c.type} data-status={c.status}>
            <Group justify="space-between" mb="xs">
              <Text fw={600}>{t(`credential.${c.type}`, { defaultValue: c.typeName })}</Text>
              <Badge color={STATUS_COLOUR[c.status] ?? 'gray'}>{t(`credStatus.${c.status}`, { defaultValue: c.status })}</Badge>
            </Group>
            <Text size="xs" c="dimmed">{t('wallet.issuedBy', { org: t(`org.${c.issuer}`, { defaultValue: c.issuer }) })} · {t('wallet.expires', { at: new Date(c.expiresAt).toLocaleDateString() })}</Text>
            <Table mt="xs" withRowBorders={false} verticalSpacing={2}>
              <Table.Tbody>
                {Object.entries(c.claims).map(([k, v]) => (
                  <Table.Tr key={k}><Table.Td c="dimmed" w="45%">{t(`claim.${k}`, { defaultValue: k })}</Table.Td><Table.Td>{claimValue(v)}</Table.Td></Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Text size="xs" c="dimmed" mt="xs">{c.demoHolderKey ? t('wallet.demoKey') : t('wallet.deviceKey')}</Text>
          </Card>
        ))}
      </SimpleGrid>
      {uses !== null && (
        <Card withBorder data-testid="identity-uses">
          <Title order={5} mb="xs">{t('wallet.uses')}</Title>
          {uses.consents.length === 0 && uses.verifications.length === 0 && <Text size="sm" c="dimmed">{t('wallet.noUses')}</Text>}
          <Stack gap={4}>
            {uses.consents.map((c) => (
              <Text key={c.session} size="sm" data-testid="use-consent">{c.consent === null ? '' : `${new Date(c.consent.at).toLocaleString()} · `}{t('wallet.consented', { service: t(`service.${c.service}`, { defaultValue: c.serviceName }), desk: t(`org.${c.deskOrg}`, { defaultValue: c.deskName }) })}</Text>
            ))}
            {uses.verifications.map((v) => (
              <Text key={v.verification} size="sm" c={v.result === 'valid' ? undefined : 'red'} data-testid="use-verification" data-result={v.result}>
                {new Date(v.at).toLocaleString()} · {t('wallet.verifiedBy', { org: t(`org.${v.verifierOrg}`, { defaultValue: v.verifierOrg }), type: t(`credential.${v.type ?? ''}`, { defaultValue: v.type ?? '' }) })} · {t(`verifyReason.${v.reason}`, { defaultValue: v.reason })}
              </Text>
            ))}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
