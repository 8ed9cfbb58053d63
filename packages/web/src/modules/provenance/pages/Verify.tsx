/**
 * The public verification page of a preserved record (no sign-in; offline once loaded): drop the original file and
 * its export package; the page computes the file's SHA-256 here (WebCrypto) and checks the package with the core's
 * own proof checks against the genesis the package carries (`verifyPreservedPackage`): no request leaves the page.
 * A failure names the field. docs/spec/provenance.md#verification-page
 */
import { useEffect, useState } from 'react';
import { Alert, Anchor, Badge, Card, Code, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { verifyPreservedPackage, type PackageVerdict } from '@machi/core';
import type { PageProps } from '../../types';
import { sha256File } from '../api';
import { FilePick } from '../components/FilePick';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export function VerifyPage({ params }: PageProps) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [pkgFile, setPkgFile] = useState<File | null>(null);
  const [hash, setHash] = useState<string | null>(null);
  const [verdict, setVerdict] = useState<PackageVerdict | null>(null);
  const filing = params.filing;

  useEffect(() => {
    setHash(null);
    if (file !== null) void sha256File(file).then(setHash);
  }, [file]);

  useEffect(() => {
    setVerdict(null);
    if (pkgFile === null || (file !== null && hash === null)) return;
    void pkgFile.text().then((text) => {
      let pkg: unknown;
      try {
        pkg = JSON.parse(text);
      } catch (e) {
        setVerdict({ ok: false, field: 'package', reason: `not JSON: ${String(e)}` });
        return;
      }
      // give the page a frame to show "checking" before the (synchronous) signature checks
      setTimeout(() => setVerdict(verifyPreservedPackage(pkg, hash ?? undefined)), 0);
    });
  }, [pkgFile, hash, file]);

  return (
    <Stack gap="md" p="md" maw={760} mx="auto" style={{ overflowWrap: 'anywhere' }}>
      <Title order={3}>{t('provenance.verify.title')}</Title>
      <Text size="sm" c="dimmed">{t('provenance.verify.intro')}</Text>
      {filing !== undefined && (
        <Card withBorder>
          <Stack gap={4}>
            <Text size="sm">{t('provenance.verify.filing')}: <Code data-testid="verify-filing">{filing}</Code></Text>
            <Group gap="md">
              <Anchor size="sm" href={`/v1/certificates/${filing}`} target="_blank">{t('provenance.certificate')}</Anchor>
              <Anchor size="sm" href={`/v1/certificates/${filing}/package`} download>{t('provenance.package')}</Anchor>
            </Group>
          </Stack>
        </Card>
      )}
      <FilePick label={t('provenance.verify.file')} onChange={setFile} testId="verify-file" />
      {hash !== null && <Text size="xs" style={{ wordBreak: 'break-all' }} data-testid="verify-hash">SHA-256 {hash}</Text>}
      <FilePick label={t('provenance.verify.package')} onChange={setPkgFile} accept="application/json,.json" testId="verify-package" />
      {pkgFile !== null && verdict === null && <Badge color="gray" variant="outline">{t('provenance.verify.checking')}</Badge>}
      {verdict !== null && verdict.ok && (
        <Alert color="green" title={t('provenance.verify.ok')} data-testid="verify-result" data-state="verified">
          <Stack gap={2}>
            <Text size="sm">{t('provenance.verify.filing')}: <Code>{verdict.filingNumber}</Code></Text>
            <Text size="sm">{t('provenance.verify.time', { time: iso(verdict.blockTime), height: verdict.height })}</Text>
            <Text size="sm">{t('provenance.verify.org', { org: t(`org.${verdict.org}`, { defaultValue: verdict.org }) })}</Text>
            <Text size="sm">{t('provenance.verify.signedBy', { orgs: verdict.signedBy.join(', ') })}</Text>
            <Text size="sm">{t('provenance.verify.custody', { count: verdict.custodySteps })}</Text>
            <Text size="sm">{file === null ? t('provenance.verify.noFile') : t('provenance.verify.fileMatches')}</Text>
            <Text size="xs" c="dimmed">{t('provenance.verify.genesis', { hash: verdict.genesisHash })}</Text>
          </Stack>
        </Alert>
      )}
      {verdict !== null && !verdict.ok && (
        <Alert color="red" title={t('provenance.verify.failed')} data-testid="verify-result" data-state="failed" data-field={verdict.field}>
          <Text size="sm">{t('provenance.verify.field')}: <Code data-testid="verify-field">{verdict.field}</Code></Text>
          <Text size="sm">{verdict.reason}</Text>
        </Alert>
      )}
      <Text size="xs" c="dimmed">{t('provenance.verify.offline')}</Text>
    </Stack>
  );
}
