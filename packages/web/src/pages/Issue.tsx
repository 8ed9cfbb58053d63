/**
 * Issuing a credential (officials, property staff): the types this organisation may issue, a form built from the
 * type's claims in the catalogue, and the result — a one-time offer whose link / QR code the resident's wallet opens
 * (or, for a resident of this node named by subject id, an offer waiting in their wallet). The ledger records the
 * issuance; a type the organisation may not issue is refused there, and the refusal stays recorded.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Card, Checkbox, Code, Image, NumberInput, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import QRCode from 'qrcode';
import { get, post, type ClaimSpec, type IdentityCatalogue } from '../api';
import { ErrorAlert } from '../components/common';
import { useSession } from '../session';

function ClaimInput({ spec, value, onChange }: { spec: ClaimSpec; value: unknown; onChange: (v: unknown) => void }) {
  const { t } = useTranslation();
  const label = t(`claim.${spec.name}`, { defaultValue: spec.label });
  const tid = `claim-${spec.name}`;
  if (spec.kind === 'bool') return <Checkbox label={label} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} data-testid={tid} mt="lg" />;
  if (spec.kind === 'enum') {
    return <Select label={label} value={(value as string) ?? null} onChange={(v) => onChange(v ?? undefined)} data-testid={tid} allowDeselect={false}
      data={(spec.values ?? []).map((v) => ({ value: v, label: t(`claimValue.${v}`, { defaultValue: v }) }))} comboboxProps={{ withinPortal: true }} required />;
  }
  if (spec.kind === 'integer') return <NumberInput label={label} min={spec.min} max={spec.max} value={(value as number) ?? ''} onChange={(v) => onChange(typeof v === 'number' ? v : undefined)} data-testid={tid} required />;
  return <TextInput label={label} type={spec.kind === 'date' ? 'date' : 'text'} value={(value as string) ?? ''} onChange={(e) => onChange(e.currentTarget.value)} data-testid={tid} required />;
}

/** The date of birth is in a resident ID number (digits 7–14): filled in when the type has one and it is empty. */
function withBirthDate(claims: Record<string, unknown>, specs: readonly ClaimSpec[]): Record<string, unknown> {
  const id = claims.idNumber;
  if (!specs.some((c) => c.name === 'birthDate') || (claims.birthDate ?? '') !== '' || typeof id !== 'string' || !/^\d{17}[\dX]$/.test(id)) return claims;
  return { ...claims, birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}` };
}

export function IssuePage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [catalogue, setCatalogue] = useState<IdentityCatalogue | null>(null);
  const [type, setType] = useState<string | null>(null);
  const [subject, setSubject] = useState('');
  const [claims, setClaims] = useState<Record<string, unknown>>({});
  const [result, setResult] = useState<{ link: string; qr: string; offer: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    get<IdentityCatalogue>('/v1/identity/catalogue').then(setCatalogue, setError);
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
      const r = await post<{ offer: string; code: string }>('/v1/identity/offers', { type, claims, ...(subject.trim() === '' ? {} : { subject: subject.trim() }) });
      const origin = window.location.origin;
      const link = `${origin}/wallet?${new URLSearchParams({ issuer: origin, offer: r.offer, code: r.code })}`;
      setResult({ link, qr: await QRCode.toDataURL(link, { margin: 1, width: 220 }), offer: r.offer });
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
    </Stack>
  );
}
