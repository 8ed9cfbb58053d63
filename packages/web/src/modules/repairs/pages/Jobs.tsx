/** A maintenance worker's open jobs, next step first; each opens the job page for its steps. Updates live. */
import { useCallback, useEffect, useState } from 'react';
import { Button, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { get } from '../../../api';
import { ErrorAlert } from '../../../components/common';
import type { JobList, RequestView } from '@machi/core';
import { RequestCard } from '../components/RequestCard';
import { useRepairEvents } from '../live';

export function JobsPage() {
  const { t } = useTranslation();
  const [jobs, setJobs] = useState<RequestView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    get<JobList>('/v1/repairs/jobs').then((r) => setJobs(r.jobs), setError);
  }, []);
  useEffect(load, [load]);
  useRepairEvents(load);
  return (
    <Stack maw={640}>
      <Title order={3}>{t('jobs.title')}</Title>
      <ErrorAlert error={error} />
      {jobs !== null && jobs.length === 0 && <Text c="dimmed">{t('jobs.none')}</Text>}
      {jobs?.map((r) => (
        <RequestCard key={r.request} r={r}>
          <Button component={Link} href={`/requests/${r.request}`} size="xs" variant="light" data-testid="open-job">{t('jobs.open')}</Button>
        </RequestCard>
      ))}
    </Stack>
  );
}
