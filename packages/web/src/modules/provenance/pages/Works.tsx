/**
 * Copyright works: register a work (its SHA-256 computed here; title, authors — pseudonymous on the ledger — and
 * licence), and look a work up by its file or hash: owner, licence, and every step (registration, licences,
 * transfers), each verified here.
 */
import { useEffect, useState } from 'react';
import { Button, Card, Code, Group, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { WorkView } from '@machi/core';
import { post, publicCall } from '../../../api';
import { ErrorAlert, VerifiedMark } from '../../../components/common';
import { verifyRecords, type Mark } from '../../../verify/ledger';
import type { PageProps } from '../../types';
import { sha256File } from '../api';
import { FilePick } from '../components/FilePick';

const TYPE = { register: 'provenance.work.register', transfer: 'provenance.work.transfer', licence: 'provenance.work.licence' } as const;

export function WorksPage(_: PageProps) {
  const { t } = useTranslation();
  const [hash, setHash] = useState('');
  const [title, setTitle] = useState('');
  const [authors, setAuthors] = useState('');
  const [licence, setLicence] = useState('CC-BY-4.0');
  const [work, setWork] = useState<WorkView | null>(null);
  const [marks, setMarks] = useState<Mark[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setMarks([]);
    if (work === null) return;
    void Promise.all(work.steps.map((s) => verifyRecords([{ record: { ...s.payload, txHash: s.txHash, height: s.height }, proof: s.proof }], TYPE[s.kind]).then((m) => m[0]!))).then(setMarks);
  }, [work]);

  const lookup = (h: string) => publicCall<WorkView>('', `/v1/works/${h}`).then((w) => { setWork(w); setError(null); }, (e) => { setWork(null); setError(e); });
  const register = () => post<WorkView>('/v1/works', { hash, title, authors: authors.split(/[,，、]/).map((a) => a.trim()).filter((a) => a !== ''), licence }).then(setWork, setError);

  return (
    <Stack gap="md">
      <Title order={3}>{t('provenance.works.title')}</Title>
      <Card withBorder>
        <Stack gap="sm">
          <FilePick label={t('provenance.works.file')} onChange={(f) => f !== null && void sha256File(f).then(setHash)} testId="work-file" />
          <TextInput label="SHA-256" styles={{ input: { fontSize: 11 } }} value={hash} onChange={(e) => setHash(e.currentTarget.value.trim())} data-testid="work-hash" />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput label={t('provenance.works.workTitle')} value={title} onChange={(e) => setTitle(e.currentTarget.value)} data-testid="work-title" />
            <TextInput label={t('provenance.works.authors')} value={authors} onChange={(e) => setAuthors(e.currentTarget.value)} data-testid="work-authors" />
            <TextInput label={t('provenance.works.licence')} value={licence} onChange={(e) => setLicence(e.currentTarget.value)} />
          </SimpleGrid>
          <Group>
            <Button data-testid="work-register" onClick={() => void register()} disabled={!/^[0-9a-f]{64}$/.test(hash) || title === '' || authors === ''}>{t('provenance.works.register')}</Button>
            <Button variant="light" onClick={() => void lookup(hash)} disabled={!/^[0-9a-f]{64}$/.test(hash)} data-testid="work-lookup">{t('provenance.works.lookup')}</Button>
          </Group>
          <ErrorAlert error={error} />
        </Stack>
      </Card>
      {work !== null && (
        <Card withBorder data-testid="work">
          <Stack gap={4}>
            <Text fw={700}>{work.title}</Text>
            <Text size="sm">{t('provenance.works.licenceIs', { licence: work.licence })} · {t('provenance.works.owner', { org: t(`org.${work.owner.org}`, { defaultValue: work.owner.org }) })}</Text>
            <Text size="xs" c="dimmed">{t('provenance.works.authorsArePseudonyms')}: {work.authors.map((a) => <Code key={a}>{a.slice(0, 8)}…</Code>)}</Text>
            {work.steps.map((s, i) => (
              <Group key={s.txHash} justify="space-between">
                <Text size="sm">{new Date(s.time).toLocaleString()} · {t(`provenance.works.step.${s.kind}`)} · {t(`org.${s.org}`, { defaultValue: s.org })}</Text>
                <VerifiedMark mark={marks[i]} />
              </Group>
            ))}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
