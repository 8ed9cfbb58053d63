/**
 * The shell's routes, each role's navigation and each role's landing page, built from the web modules' registry
 * (modules/index.ts) — nothing here names a module.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Role, UserView } from '@machi/core';
import { WEB_MODULES } from './modules';
import type { NavItem, PageProps, WebModule } from './modules/types';

export interface Page {
  path: string;
  component: LazyExoticComponent<ComponentType<PageProps>>;
  /** full-screen, without the shell's navigation (WebRoute.bare) */
  bare?: boolean;
}

/** Every module's routes as lazily loaded pages (made once: React keeps a lazy component's state by identity). */
export function pagesOf(modules: readonly WebModule[]): Page[] {
  return modules.flatMap((m) => m.routes.map((r) => ({
    path: r.path,
    component: lazy(() => r.page().then((c) => ({ default: c }))),
    ...(r.bare === true ? { bare: true } : {}),
  })));
}

/** Every module's pages anyone may open without signing in. */
export function publicPagesOf(modules: readonly WebModule[]): Page[] {
  return pagesOf(modules.map((m) => ({ ...m, routes: m.publicRoutes ?? [] })));
}

/** Whether `location` is the address of one of `pages` (a pattern's parameters match any segment). */
export function matchesPage(pages: readonly Pick<Page, 'path'>[], location: string): boolean {
  return pages.some((p) => p.path === location || (p.path.includes(':') && location.startsWith(p.path.slice(0, p.path.indexOf(':')))));
}

/**
 * What `role` finds in the navigation: every module's items for it, by `order`, then in registry order; with `user`,
 * only the items whose `when` holds for them.
 */
export function navFor(role: Role, modules: readonly WebModule[] = WEB_MODULES, user?: UserView): NavItem[] {
  const items = modules.flatMap((m) => m.nav[role] ?? []).filter((n) => user === undefined || n.when === undefined || n.when(user));
  // a role no module serves yet still has a way home
  if (items.length === 0) return [{ to: '/', label: 'nav.home' }];
  return [...items].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
}

/**
 * Where `role` lands at '/': with `user`, a module's `landing` for them first; then the one module page named as the
 * role's home, or undefined (the shell's welcome page).
 */
export function homeOf(role: Role, modules: readonly WebModule[] = WEB_MODULES, user?: UserView): string | undefined {
  if (user !== undefined) {
    for (const m of modules) {
      const landing = m.landing?.(user);
      if (landing !== undefined) return landing;
    }
  }
  for (const m of modules) {
    const home = m.home?.[role];
    if (home !== undefined) return home;
  }
  return undefined;
}
