/**
 * The app shell: sign-in, then a header (organisation, language, user) and a role-aware navigation — residents
 * report and follow requests, dispatchers work the board, maintenance workers their jobs. One layout for phones
 * (navigation in a drawer) and desks (navigation at the side).
 */
import { Suspense, lazy, useEffect, useState } from 'react';
import { AppShell, Burger, Button, Center, Group, Loader, MantineProvider, NavLink, Select, Text, Title, createTheme } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { loadSession, logout, setUnauthorisedHandler, type Role, type Session } from './api';
import { LANGUAGES, setLanguage, type Language } from './i18n';
import { SessionContext } from './session';
import { LoginPage } from './pages/Login';

const MyRequestsPage = lazy(() => import('./pages/MyRequests').then((m) => ({ default: m.MyRequestsPage })));
const ReportPage = lazy(() => import('./pages/Report').then((m) => ({ default: m.ReportPage })));
const RequestPage = lazy(() => import('./pages/Request').then((m) => ({ default: m.RequestPage })));
const BoardPage = lazy(() => import('./pages/Board').then((m) => ({ default: m.BoardPage })));
const JobsPage = lazy(() => import('./pages/Jobs').then((m) => ({ default: m.JobsPage })));
const HomePage = lazy(() => import('./pages/Home').then((m) => ({ default: m.HomePage })));
const WalletPage = lazy(() => import('./pages/Wallet').then((m) => ({ default: m.WalletPage })));
const PresentPage = lazy(() => import('./pages/Present').then((m) => ({ default: m.PresentPage })));
const DeskPage = lazy(() => import('./pages/Desk').then((m) => ({ default: m.DeskPage })));
const IssuePage = lazy(() => import('./pages/Issue').then((m) => ({ default: m.IssuePage })));
const SettingsPage = lazy(() => import('./pages/Settings').then((m) => ({ default: m.SettingsPage })));
const MyDataPage = lazy(() => import('./pages/MyData').then((m) => ({ default: m.MyDataPage })));
const AlertsPage = lazy(() => import('./pages/MyData').then((m) => ({ default: m.AlertsPage })));
const theme = createTheme({
  primaryColor: 'teal',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans", "Noto Sans CJK SC", "Noto Sans JP", sans-serif',
});

interface NavItem {
  to: string;
  label: string;
}

/** What each role finds in the navigation (the API decides what they may do; this only shows the way). */
export function navFor(role: Role): NavItem[] {
  switch (role) {
    case 'resident':
      return [{ to: '/', label: 'nav.myRequests' }, { to: '/report', label: 'nav.report' }, { to: '/wallet', label: 'nav.wallet' }, { to: '/my-data', label: 'nav.myData' }];
    case 'property-staff':
      return [{ to: '/board', label: 'nav.board' }, { to: '/report', label: 'nav.report' }, { to: '/', label: 'nav.myRequests' }, { to: '/desk', label: 'nav.desk' }, { to: '/issue', label: 'nav.issue' }, { to: '/settings', label: 'nav.settings' }];
    case 'official':
      return [{ to: '/desk', label: 'nav.desk' }, { to: '/issue', label: 'nav.issue' }];
    case 'dispatcher':
      return [{ to: '/board', label: 'nav.board' }, { to: '/settings', label: 'nav.settings' }];
    case 'maintenance-worker':
      return [{ to: '/jobs', label: 'nav.jobs' }];
    case 'regulator':
      return [{ to: '/alerts', label: 'nav.alerts' }];
    default:
      return [{ to: '/', label: 'nav.home' }];
  }
}

function homeOf(role: Role): string {
  return role === 'dispatcher' ? '/board' : role === 'maintenance-worker' ? '/jobs' : role === 'official' ? '/desk' : role === 'regulator' ? '/alerts' : '/';
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

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const [location] = useLocation();
  const nav = navFor(session.user.role);
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
        {/* pages load on first visit: the sign-in page stays small; the verifier and the wallet come with their pages */}
        <Suspense fallback={<Center p="xl"><Loader /></Center>}>
        <Switch>
          <Route path="/report"><ReportPage /></Route>
          <Route path="/board"><BoardPage /></Route>
          <Route path="/jobs"><JobsPage /></Route>
          <Route path="/wallet"><WalletPage /></Route>
          <Route path="/present"><PresentPage /></Route>
          <Route path="/desk"><DeskPage /></Route>
          <Route path="/issue"><IssuePage /></Route>
          <Route path="/settings"><SettingsPage /></Route>
          <Route path="/my-data"><MyDataPage /></Route>
          <Route path="/alerts"><AlertsPage /></Route>
          <Route path="/requests/:id">{(p) => <RequestPage id={p.id} />}</Route>
          <Route path="/">{session.user.role === 'resident' || session.user.role === 'property-staff' ? <MyRequestsPage /> : homeOf(session.user.role) === '/' ? <HomePage /> : <Redirect to={homeOf(session.user.role)} />}</Route>
          <Route><Redirect to="/" /></Route>
        </Switch>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  useEffect(() => setUnauthorisedHandler(() => setSession(null)), []);
  const signOut = () => {
    void logout().then(() => setSession(null));
  };
  return (
    <MantineProvider theme={theme}>
      <SessionContext.Provider value={{ session, setSession }}>
        {session === null ? <LoginPage onSignedIn={setSession} /> : <Shell session={session} onSignOut={signOut} />}
      </SessionContext.Provider>
    </MantineProvider>
  );
}
