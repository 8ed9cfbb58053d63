import { useEffect, useState } from 'react';
import { Alert, Button, Card, Center, Group, PasswordInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { SignedIn } from '@machi/core';
import { ApiError, login } from '../api';
import { LanguageSwitch } from '../App';
import { WEB_MODULES } from '../modules';

export function LoginPage({ onSignedIn }: { onSignedIn: (s: SignedIn) => void }) {
  const { t } = useTranslation();
  const [org, setOrg] = useState('');
  // this node's organisation, and those whose keys it hosts (their staff sign in here)
  const [orgs, setOrgs] = useState<string[]>([]);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void fetch('/v1/health').then((r) => r.json()).then((h: { org: string }) => {
      setOrg(h.org);
      void Promise.all(WEB_MODULES.map((m) => m.signInOrgs?.().catch(() => []) ?? [])).then((lists) => {
        const hosted = [...new Set(lists.flat())].filter((o) => o !== h.org);
        if (hosted.length > 0) setOrgs([h.org, ...hosted]);
      });
    }).catch(() => {});
  }, []);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await login(org, username.trim(), password));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('auth.wrong') : err instanceof ApiError && err.status === 429 ? t('auth.limited') : t('error.network'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Card withBorder shadow="sm" w="100%" maw={400} p="lg">
        <form onSubmit={(e) => void submit(e)}>
          <Stack>
            <Group justify="space-between">
              <Title order={2} c="teal.8">Machi</Title>
              <LanguageSwitch />
            </Group>
            <Text size="sm" c="dimmed">{t('auth.tagline')}</Text>
            {orgs.length > 1
              ? <Select label={t('auth.org')} value={org} onChange={(v) => v !== null && setOrg(v)} allowDeselect={false} data-testid="login-org" comboboxProps={{ withinPortal: true }}
                  data={orgs.map((o) => ({ value: o, label: t(`org.${o}`, { defaultValue: o }) }))} />
              : <TextInput label={t('auth.org')} value={org === '' ? '' : t(`org.${org}`, { defaultValue: org })} readOnly variant="filled" data-testid="login-org" />}
            <TextInput label={t('auth.username')} value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoComplete="username" required data-testid="login-username" />
            <PasswordInput label={t('auth.password')} value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" required data-testid="login-password" />
            {error !== null && <Alert color="red" data-testid="login-error">{error}</Alert>}
            <Button type="submit" loading={busy} disabled={org === ''} data-testid="login-submit">{t('auth.signIn')}</Button>
          </Stack>
        </form>
      </Card>
    </Center>
  );
}
