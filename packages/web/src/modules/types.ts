/**
 * The contract every web module meets: its pages (each loaded on first visit), where each role finds them, which page
 * a role lands on, and its labels in every language. The shell builds its routes, navigation, landing pages and i18n
 * resources from the list in ./index.ts, so adding a module edits no shell file.
 */
import type { ComponentType } from 'react';
import type { Role, UserView } from '@machi/core';
import type { Language } from '../i18n';

/** A module's labels in one language: key → text, the same key set in every language (a test checks). */
export type Messages = Readonly<Record<string, string>>;

/** What a page gets from its route: the pattern's parameters (`/requests/:id` → `params.id`). */
export interface PageProps {
  params: Readonly<Record<string, string | undefined>>;
}

export interface WebRoute {
  /** a wouter pattern, unique across modules; '/' is shown only to the roles whose home it is */
  path: string;
  /** loads the page's code on first visit (a dynamic import), so the sign-in page stays small */
  page: () => Promise<ComponentType<PageProps>>;
  /** shown full-screen, without the shell's header and navigation (a wall screen); the page offers its own way back */
  bare?: boolean;
}

export interface NavItem {
  to: string;
  /** a message key */
  label: string;
  /** position in the role's menu, lower first (default 0); equal ones keep the registry's order */
  order?: number;
  /** shown only to the users of the role this holds for (by their organisation, e.g. a department's staff); default all */
  when?: (user: UserView) => boolean;
}

export interface WebModule {
  /** the module's folder name under src/modules */
  name: string;
  routes: readonly WebRoute[];
  /** what each role finds in the navigation (the API decides what they may do; this only shows the way) */
  nav: Partial<Record<Role, readonly NavItem[]>>;
  /** the page a role lands on at '/' (one of this module's route paths); at most one module per role */
  home?: Partial<Record<Role, string>>;
  /**
   * where a user lands at '/' when more than the role decides it (their organisation: a police officer's inbox rather
   * than an official's desk): one of this module's route paths, or undefined; tried before every module's `home`
   */
  landing?: (user: UserView) => string | undefined;
  /**
   * organisations whose staff sign in at this node besides its own (members whose keys it hosts, e.g. departments
   * that run no node): offered on the sign-in page; loaded on demand
   */
  signInOrgs?: () => Promise<readonly string[]>;
  /**
   * pages anyone may open without signing in (the public notice, published totals): served before the sign-in page
   * when the address is one of them; they call only public routes. Paths unique across modules like `routes`.
   */
  publicRoutes?: readonly WebRoute[];
  messages: Readonly<Record<Language, Messages>>;
}
