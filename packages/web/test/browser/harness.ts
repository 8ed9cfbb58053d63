/**
 * For the browser tests: a local consortium started the way a user starts it (`machi up`, demo data on), Debian's
 * Chromium driven by playwright-core, and a folder for the screenshots (test-artifacts/browser, kept by CI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { createServer } from 'node:net';
import { CLI } from '../../../node/test/e2e/harness.js';

export const CHROMIUM = process.env.MACHI_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/browser/', import.meta.url));
export const DEMO_PASSWORD = 'machi-demo-2026';

/** Flags for a headless Chromium on a closed network, as root (see the machine notes). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface Consortium {
  /** API and web app of each organisation's node */
  urls: Record<string, string>;
  stop(): Promise<void>;
}

/** `machi up` in a fresh directory: resolves once every node serves and the demo community is registered. */
export async function startConsortium(orgs = 4): Promise<Consortium> {
  const dir = mkdtempSync(join(tmpdir(), 'machi-browser-'));
  const port = await freeRange(orgs);
  // its own process group, so that stopping it (or a failed start) takes every node down with it
  const child: ChildProcess = spawn(process.execPath, [CLI, 'up', '--data', dir, '--port', String(port), '--orgs', String(orgs)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killAll = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const urls: Record<string, string> = {};
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let ready = false;
    let seeded = false;
    const timer = setTimeout(() => {
      killAll('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`consortium did not start:\n${lines.slice(-30).join('\n')}`));
    }, 60_000);
    const done = (): void => {
      if (ready && seeded) {
        clearTimeout(timer);
        resolve();
      }
    };
    const onLine = (line: string): void => {
      lines.push(line);
      const m = /^ {2}(\S+)\s+(http:\/\/\S+)\s+peer/.exec(line);
      if (m) urls[m[1]!] = m[2]!;
      if (line.includes('Ctrl-C stops all nodes')) ready = true;
      if (line.includes('demo data ready')) seeded = true;
      done();
    };
    // node logs (the demo community line among them) go to stderr, the consortium summary to stdout
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.on('exit', (code) => {
      killAll('SIGKILL');
      reject(new Error(`machi up exited (${code}):\n${lines.slice(-30).join('\n')}`));
    });
  });
  return {
    urls,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const hard = setTimeout(() => killAll('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(hard);
          resolve();
        });
        child.kill('SIGTERM');
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A first API port P such that P..P+n-1 and the peer ports P+100..P+100+n-1 are all free now. */
async function freeRange(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = 20_000 + Math.floor(Math.random() * 20_000);
    const ports = [...Array(n).keys()].flatMap((i) => [p + i, p + 100 + i]);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return p;
  }
  throw new Error('no free port range');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

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
    const [net, browser] = await Promise.all([startConsortium(4), launchBrowser()]);
    Object.assign(scene, { net, pages: new Pages(browser), base: net.urls[org]! });
  }, 120_000);
  afterAll(async () => {
    await scene.pages?.close();
    await scene.net?.stop();
  });
  return scene;
}
