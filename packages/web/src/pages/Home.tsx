import { Card, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSession } from '../session';

/** Roles with nothing to do in repairs yet: a plain landing page. */
export function HomePage() {
  const { t } = useTranslation();
  const { user } = useSession();
  return (
    <Card withBorder maw={640}>
      <Stack>
        <Title order={3}>{t('home.welcome', { name: user.displayName })}</Title>
        <Text>{t('home.nothingYet', { role: t(`role.${user.role}`) })}</Text>
        <Text size="sm"><a href="/docs">{t('home.apiDocs')}</a></Text>
      </Stack>
    </Card>
  );
}
