/**
 * Issuing a credential (officials, property staff): the types this organisation may issue, a form built from the
 * type's claims in the catalogue, and the result — a one-time offer whose link / QR code the resident's wallet opens
 * (or, for a resident of this node named by subject id, an offer waiting in their wallet). The ledger records the
 * issuance; a type the organisation may not issue is refused there, and the refusal stays recorded.
 */
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Checkbox, Code, Group, Image, NumberInput, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import QRCode from 'qrcode';
import { get, post } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import { useSession } from '../../../session';
import type { ClaimView, IdentityCatalogueView, IssuedList as Issued, OfferCreated } from '@machi/core';

function ClaimInput({ spec, value, onChange }: { spec: ClaimView; value: unknown; onChange: (v: unknown) => void }) {
  const { t } = useTranslation();
  const label = t(`claim.${spec.name}`, { defaultValue: spec.label });
  const tid = `claim-${spec.name}`;
  if (spec.kind === 'boolean') return <Checkbox label={label} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} data-testid={tid} mt="lg" />;
  if (spec.kind === 'enum') {
    return <Select label={label} value={(value as string) ?? null} onChange={(v) => onChange(v ?? undefined)} data-testid={tid} allowDeselect={false}
      data={(spec.values ?? []).map((v) => ({ value: v, label: t(`claimValue.${v}`, { defaultValue: v }) }))} comboboxProps={{ withinPortal: true }} required />;
  }
  if (spec.kind === 'integer') return <NumberInput label={label} min={spec.min} max={spec.max} value={(value as number) ?? ''} onChange={(v) => onChange(typeof v === 'number' ? v : undefined)} data-testid={tid} required />;
  return <TextInput label={label} type={spec.kind === 'date' ? 'date' : 'text'} value={(value as string) ?? ''} onChange={(e) => onChange(e.currentTarget.value)} data-testid={tid} required />;
}

/** The date of birth is in a resident ID number (digits 7–14): filled in when the type has one and it is empty. */
function withBirthDate(claims: Record<string, unknown>, specs: readonly ClaimView[]): Record<string, unknown> {
  const id = claims.idNumber;
  if (!specs.some((c) => c.name === 'birthDate') || (claims.birthDate ?? '') !== '' || typeof id !== 'string' || !/^\d{17}[\dX]$/.test(id)) return claims;
  return { ...claims, birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}` };
}

const REVOKE_REASONS = ['data-changed', 'moved-away', 'eligibility-ended', 'issued-in-error', 'holder-request'];
const STATUS_COLOUR: Record<string, string> = { valid: 'green', suspended: 'orange', revoked: 'red' };

/** What this organisation issued here, with status changes (each a ledger record the status list then carries). */
function IssuedList({ reload }: { reload: number }) {
  const { t } = useTranslation();
  const [issued, setIssued] = useState<Issued['issued'] | null>(null);
  const [reason, setReason] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const load = () => {
    get<Issued>('/v1/identity/issued').then((r) => setIssued(r.issued), setError);
  };
  useEffect(load, [reload]);
  const change = async (hash: string, status: string, why: string) => {
    setBusy(hash);
    setError(null);
    try {
      await post(`/v1/identity/credentials/${hash}/status`, { status, reason: why });
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  if (issued === null || issued.length === 0) return <ErrorAlert error={error} />;
  return (
    <Card withBorder>
      <Title order={5} mb="xs">{t('issue.issued')}</Title>
      <ErrorAlert error={error} />
      <Table data-testid="issued-table">
        <Table.Tbody>
          {issued.map((c) => (
            <Table.Tr key={c.credentialHash} data-testid="issued-row" data-hash={c.credentialHash} data-status={c.status}>
              <Table.Td>{t(`credential.${c.type}`, { defaultValue: c.typeName })}<Text size="xs" c="dimmed">{c.issuedAt === null ? '' : new Date(c.issuedAt).toLocaleString()} · {c.pickedUp ? t('issue.pickedUp') : t('issue.notPickedUp')}</Text></Table.Td>
              <Table.Td><Badge color={STATUS_COLOUR[c.status] ?? 'gray'}>{t(`credStatus.${c.status}`, { defaultValue: c.status })}</Badge></Table.Td>
              <Table.Td>
                <Group gap="xs">
                  {c.status === 'valid' && <Button size="xs" variant="light" color="orange" loading={busy === c.credentialHash} onClick={() => void change(c.credentialHash, 'suspended', 'under-review')} data-testid="suspend">{t('issue.suspend')}</Button>}
                  {c.status === 'suspended' && <Button size="xs" variant="light" loading={busy === c.credentialHash} onClick={() => void change(c.credentialHash, 'valid', 'reinstated')} data-testid="reinstate">{t('issue.reinstate')}</Button>}
                  {(c.status === 'valid' || c.status === 'suspended') && (
                    <>
                      <Select size="xs" w={170} placeholder={t('issue.revokeReason')} value={reason[c.credentialHash] ?? null} allowDeselect={false} data-testid="revoke-reason" comboboxProps={{ withinPortal: true }}
                        onChange={(v) => v !== null && setReason({ ...reason, [c.credentialHash]: v })} data={REVOKE_REASONS.map((r) => ({ value: r, label: t(`statusReason.${r}`) }))} />
                      <Button size="xs" variant="light" color="red" disabled={reason[c.credentialHash] === undefined} loading={busy === c.credentialHash}
                        onClick={() => void change(c.credentialHash, 'revoked', reason[c.credentialHash]!)} data-testid="revoke">{t('issue.revoke')}</Button>
                    </>
                  )}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

export function IssuePage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [catalogue, setCatalogue] = useState<IdentityCatalogueView | null>(null);
  const [type, setType] = useState<string | null>(null);
  const [subject, setSubject] = useState('');
  const [claims, setClaims] = useState<Record<string, unknown>>({});
  const [result, setResult] = useState<{ link: string; qr: string; offer: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [issuedAt, setIssuedAt] = useState(0);
  useEffect(() => {
    get<IdentityCatalogueView>('/v1/identity/catalogue').then(setCatalogue, setError);
  }, []);
  const mine = catalogue?.types.filter((x) => x.issuers.includes(user.org)) ?? [];
  const spec = catalogue?.types.find((x) => x.id === type);

  const issue = async (e: React.FormEvent) => {
    e.preventDefault();
    if (type === null) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await post<OfferCreated>('/v1/identity/offers', { type, claims, ...(subject.trim() === '' ? {} : { subject: subject.trim() }) });
      const origin = window.location.origin;
      const link = `${origin}/wallet?${new URLSearchParams({ issuer: origin, offer: r.offer, code: r.code })}`;
      setResult({ link, qr: await QRCode.toDataURL(link, { margin: 1, width: 220 }), offer: r.offer });
      setIssuedAt(Date.now());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack maw={760}>
      <Title order={3}>{t('issue.title')}</Title>
      <Card withBorder>
        <form onSubmit={(e) => void issue(e)}>
          <Stack>
            <Select label={t('issue.type')} value={type} allowDeselect={false} data-testid="issue-type" comboboxProps={{ withinPortal: true }}
              onChange={(v) => { setType(v); setClaims({}); setResult(null); }}
              data={mine.map((x) => ({ value: x.id, label: t(`credential.${x.id}`, { defaultValue: x.name }) }))} />
            {mine.length === 0 && catalogue !== null && <Text c="dimmed">{t('issue.noneForOrg')}</Text>}
            <TextInput label={t('issue.subject')} description={t('issue.subjectHint')} value={subject} onChange={(e) => setSubject(e.currentTarget.value)} data-testid="issue-subject" />
            {spec !== undefined && (
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                {spec.claims.filter((c) => !c.derived).map((c) => (
                  <ClaimInput key={c.name} spec={c} value={claims[c.name]} onChange={(v) => setClaims((old) => withBirthDate({ ...old, [c.name]: v }, spec.claims))} />
                ))}
              </SimpleGrid>
            )}
            {spec !== undefined && spec.claims.some((c) => c.derived) && <Text size="xs" c="dimmed">{t('issue.derived', { claims: spec.claims.filter((c) => c.derived).map((c) => t(`claim.${c.name}`)).join(', ') })}</Text>}
            <ErrorAlert error={error} />
            <Button type="submit" disabled={type === null} loading={busy} data-testid="issue-submit">{t('issue.submit')}</Button>
          </Stack>
        </form>
      </Card>
      {result !== null && (
        <Alert color="green" title={t('issue.done')} data-testid="issue-result">
          <Stack align="flex-start">
            <Text size="sm">{t('issue.handOver')}</Text>
            <Image src={result.qr} w={220} h={220} alt="" />
            <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="issue-link">{result.link}</Code>
          </Stack>
        </Alert>
      )}
      <IssuedList reload={issuedAt} />
    </Stack>
  );
}
