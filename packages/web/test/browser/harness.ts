/**
 * For the browser tests: a local consortium started the way a user starts it (`machi up`: one `machi start --demo`
 * per organisation; the shared harness, node/test/support/consortium.ts), Debian's Chromium driven by playwright-core,
 * and a folder for the screenshots (test-artifacts/browser, kept by CI).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { DEMO_PASSWORD, startConsortium, type Consortium } from '../../../node/test/support/consortium.js';

export { DEMO_PASSWORD, type Consortium };
export const CHROMIUM = process.env.MACHI_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/browser/', import.meta.url));

/** Flags for a headless Chromium on a closed network, as root (see the machine notes). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A local consortium as `machi up` starts it, demo data on: resolves once every node serves and every module's demo data is in. */
export const demoConsortium = (): Promise<Consortium> =>
  startConsortium({ demo: true, name: 'browser', ready: { 'property-company': /demo data ready/ } });

/** Signs in over the API (for setting the scene; the users under test sign in through the page). */
export async function apiLogin(base: string, org: string, username: string): Promise<string> {
  const res = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ org, username, password: DEMO_PASSWORD }) });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** A 1×1 PNG: the node checks image types by their magic bytes. */
export const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export const PHONE = { width: 390, height: 844 };
export const DESK = { width: 1440, height: 900 };

/** Pages of one browser, each in its own context (its own session storage: one user each); closes them all. */
export class Pages {
  readonly #contexts: BrowserContext[] = [];
  constructor(readonly browser: Browser) {}

  /** A page with this locale and screen; uncaught page errors are collected in `errors`. */
  async open(locale: string, viewport: { width: number; height: number }): Promise<Page & { errors: string[] }> {
    const ctx = await this.browser.newContext({ viewport, locale, deviceScaleFactor: 1 });
    this.#contexts.push(ctx);
    const page = (await ctx.newPage()) as Page & { errors: string[] };
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    return page;
  }

  async close(): Promise<void> {
    for (const c of this.#contexts) await c.close().catch(() => {});
    await this.browser.close();
  }
}

/** Signs in through the page, as a user does, on the node at `base`. */
export async function signIn(page: Page, base: string, username: string): Promise<void> {
  await page.goto(base);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('sign-out').waitFor();
}

/** Picks `label` in a Mantine Select (its options live in a portal). */
export async function choose(page: Page, testId: string, label: string, within?: Locator): Promise<void> {
  await (within ?? page).getByTestId(testId).click();
  await page.getByRole('option', { name: label, exact: true }).click();
}

/** A full-page screenshot into test-artifacts/browser/. */
export const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

/** What a browser test file works with: the consortium, its pages, and the node of the organisation under test. */
export interface Scene {
  net: Consortium;
  pages: Pages;
  /** the web app's address on that organisation's node */
  base: string;
}

/** Starts a consortium and a browser before the file's tests (in a describe), and stops both after them. */
export function withConsortium(org: string): Scene {
  const scene = {} as Scene;
  beforeAll(async () => {
    const [net, browser] = await Promise.all([demoConsortium(), launchBrowser()]);
    Object.assign(scene, { net, pages: new Pages(browser), base: net.urls[org]! });
  }, 120_000);
  afterAll(async () => {
    await scene.pages?.close();
    await scene.net?.stop();
  });
  return scene;
}
