/**
 * The app shell: sign-in, then a header (organisation, language, user), a role-aware navigation and the pages — both
 * built from the web modules' registry (modules/index.ts), so the shell names no module. One layout for phones
 * (navigation in a drawer) and desks (navigation at the side).
 */
import { Suspense, lazy, useEffect, useState } from 'react';
import { AppShell, Box, Burger, Button, Center, Group, Loader, MantineProvider, NavLink, Select, Text, Title, createTheme } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import type { SignedIn, UserView } from '@machi/core';
import { loadSession, logout, setUnauthorisedHandler } from './api';
import { LANGUAGES, setLanguage, type Language } from './i18n';
import { SessionContext } from './session';
import { WEB_MODULES } from './modules';
import { homeOf, matchesPage, navFor, pagesOf, publicPagesOf } from './navigation';
import { LoginPage } from './pages/Login';

const HomePage = lazy(() => import('./pages/Home').then((m) => ({ default: m.HomePage })));
// every module's pages, loaded on first visit: the sign-in page stays small; the verifier and the wallet come with their pages
const PAGES = pagesOf(WEB_MODULES);
const ROOT_PAGE = PAGES.find((p) => p.path === '/');
// pages anyone may open without signing in (a module's publicRoutes)
const PUBLIC_PAGES = publicPagesOf(WEB_MODULES);
// pages shown full-screen to a signed-in user, without the shell (a wall screen)
const BARE_PAGES = PAGES.filter((p) => p.bare === true);

const theme = createTheme({
  primaryColor: 'teal',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans", "Noto Sans CJK SC", "Noto Sans JP", sans-serif',
});

/** '/': the role's home page — a module's page at '/' itself, another page by redirect, or the shell's welcome. */
function Landing({ user }: { user: UserView }) {
  const home = homeOf(user.role, WEB_MODULES, user);
  if (home === '/' && ROOT_PAGE !== undefined) return <ROOT_PAGE.component params={{}} />;
  return home === undefined || home === '/' ? <HomePage /> : <Redirect to={home} />;
}

export function LanguageSwitch() {
  const { i18n } = useTranslation();
  return (
    <Select
      aria-label="Language"
      data-testid="language"
      w={110}
      size="xs"
      allowDeselect={false}
      value={i18n.language}
      data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
      onChange={(v) => v !== null && setLanguage(v as Language)}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

function Shell({ session, onSignOut }: { session: SignedIn; onSignOut: () => void }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const [location] = useLocation();
  const nav = navFor(session.user.role, WEB_MODULES, session.user);
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Title order={4} c="teal.8">Machi</Title>
            <Text size="sm" c="dimmed" visibleFrom="xs">{t(`org.${session.user.org}`, { defaultValue: session.user.org })}</Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LanguageSwitch />
            <Text size="sm" visibleFrom="sm" data-testid="whoami">{session.user.displayName}</Text>
            <Button size="xs" variant="subtle" onClick={onSignOut} data-testid="sign-out">{t('auth.signOut')}</Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm">
        <Text size="xs" c="dimmed" mb="xs">{t(`role.${session.user.role}`)}</Text>
        {nav.map((n) => (
          <NavLink key={n.to} component={Link} href={n.to} label={t(n.label)} active={location === n.to} onClick={close} data-testid={`nav-${n.to}`} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Center p="xl"><Loader /></Center>}>
        <Switch>
          {PAGES.filter((p) => p.path !== '/').map((p) => (
            <Route key={p.path} path={p.path}>{(params) => <p.component params={params} />}</Route>
          ))}
          <Route path="/"><Landing user={session.user} /></Route>
          <Route><Redirect to="/" /></Route>
        </Switch>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

/** A signed-in page shown full-screen: no header, no navigation (the page has its own way back). */
function BarePages() {
  return (
    <Suspense fallback={<Center p="xl"><Loader /></Center>}>
      <Box p="lg" mih="100vh">
        <Switch>
          {BARE_PAGES.map((p) => <Route key={p.path} path={p.path}>{(params) => <p.component params={params} />}</Route>)}
        </Switch>
      </Box>
    </Suspense>
  );
}

/** A public page, signed in or not: the page with a bar to switch the language and to sign in. */
function PublicPages({ signedIn }: { signedIn: boolean }) {
  const { t } = useTranslation();
  return (
    <Suspense fallback={<Center p="xl"><Loader /></Center>}>
      <Group px="md" py="xs" justify="space-between" wrap="nowrap" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
        <Title order={4} c="teal.8">Machi</Title>
        <Group gap="xs" wrap="nowrap">
          <LanguageSwitch />
          <Button size="xs" variant="subtle" component={Link} href="/" data-testid="public-sign-in">{signedIn ? t('nav.home') : t('auth.signIn')}</Button>
        </Group>
      </Group>
      <Switch>
        {PUBLIC_PAGES.map((p) => <Route key={p.path} path={p.path}>{(params) => <p.component params={params} />}</Route>)}
      </Switch>
    </Suspense>
  );
}

export function App() {
  const [session, setSession] = useState<SignedIn | null>(() => loadSession());
  useEffect(() => setUnauthorisedHandler(() => setSession(null)), []);
  const [location] = useLocation();
  const isPublic = matchesPage(PUBLIC_PAGES, location);
  const signOut = () => {
    void logout().then(() => setSession(null));
  };
  return (
    <MantineProvider theme={theme}>
      <SessionContext.Provider value={{ session, setSession }}>
        {isPublic ? <PublicPages signedIn={session !== null} />
          : session === null ? <LoginPage onSignedIn={setSession} />
            : matchesPage(BARE_PAGES, location) ? <BarePages />
              : <Shell session={session} onSignOut={signOut} />}
      </SessionContext.Provider>
    </MantineProvider>
  );
}
