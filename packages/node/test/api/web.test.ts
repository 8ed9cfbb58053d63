/**
 * The web app served by the node (src/api/web.ts), registered as start.ts registers it: last of buildServer's
 * plugins, after the repairs module, over a temporary dist/ (index.html, assets/x.js) with files beside it that must
 * never be served. Requests go over a real socket with node:http, so a path reaches the server exactly as written
 * (fetch and inject() would normalise `/assets/../x` away). docs/architecture.md#web-app
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WEB_CSP, webAppRoutes } from '../../src/api/web.js';
import { oneNode, repairsModule } from '../support/node.js';

// The "not built" case needs @machi/web's own dist/ to look absent (it is built in this checkout): existsSync answers
// false for it while `hideBuiltApp.on` is set. Every other path goes to the real node:fs.
const hideBuiltApp = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const existsSync = ((p: Parameters<typeof fs.existsSync>[0]) =>
    hideBuiltApp.on && String(p).includes(`${sep}web${sep}dist`) ? false : fs.existsSync(p)) as typeof fs.existsSync;
  return { ...fs, default: { ...fs, existsSync }, existsSync };
});

const MARK = randomBytes(8).toString('hex');
const INDEX = `<!doctype html><html><head><script type="module" src="/assets/x.js"></script></head><body>machi app ${MARK}</body></html>\n`;
const SCRIPT = `console.log("x ${MARK}");\n`;
/** contents of files outside dist/assets: none of them may ever be sent */
const SECRETS = {
  beside: `beside-dist ${randomBytes(8).toString('hex')}`,
  distRoot: `dist-root ${randomBytes(8).toString('hex')}`,
  pkg: `{"name":"secret-package-${randomBytes(8).toString('hex')}"}`,
};

interface Node {
  app: FastifyInstance;
  port: number;
  close(): Promise<void>;
}

/** The one-node fixture with the repairs module, the web app last, as in start.ts; listening on 127.0.0.1. */
async function startWith(web: { dir?: string }): Promise<Node> {
  const s = await oneNode({
    modules: [repairsModule()],
    users: {},
    listen: true,
    // last: its catch-all GET serves the app's page for any path no other route has
    plugins: [async (a) => a.register(webAppRoutes, web)],
  });
  return { app: s.app, port: Number(new URL(s.url).port), close: s.close };
}

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** GET `path` byte for byte as written (no normalisation of `..` or percent-escapes). */
function get(port: number, path: string, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { accept: '*/*' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Nothing of a file outside dist/assets (nor the app's page) is in an answer. */
function leaksNothing(r: Got, what: string): void {
  for (const s of Object.values(SECRETS)) expect(r.text, `${what} leaks a file outside assets`).not.toContain(s);
}

describe('the web app, with a built dist', () => {
  let root: string;
  let n: Node;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'machi-web-'));
    const dist = join(root, 'dist');
    mkdirSync(join(dist, 'assets', 'sub'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'x.js'), SCRIPT);
    writeFileSync(join(dist, 'assets', 'app.css'), `body{color:red} /* ${MARK} */\n`);
    writeFileSync(join(dist, 'assets', 'data.bin'), Buffer.from([0, 1, 2, 3]));
    writeFileSync(join(dist, 'assets', 'sub', 'y.js'), 'export const y = 1;\n');
    writeFileSync(join(dist, 'secret.txt'), SECRETS.distRoot);
    writeFileSync(join(root, 'secret.txt'), SECRETS.beside);
    writeFileSync(join(root, 'package.json'), SECRETS.pkg);
    writeFileSync(join(dist, 'package.json'), SECRETS.pkg);
    n = await startWith({ dir: dist });
  });
  afterAll(async () => {
    await n?.close();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it.each(['/', '/report', '/requests/abc', '/requests/rq_0123/timeline', '/board?building=b7', '/jobs#x', '/index.html', '/secret.txt'])(
    'GET %s: the app page (index.html), with the Content-Security-Policy',
    async (path) => {
      const r = await get(n.port, path);
      expect(r.status).toBe(200);
      expect(r.text).toBe(INDEX);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['content-security-policy']).toBe(WEB_CSP);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      // the page itself is revalidated (a new build must load), only the hashed assets are cached for good
      expect(r.headers['cache-control']).toBe('no-cache');
      leaksNothing(r, path);
    },
  );

  it('the CSP keeps the page to its own origin', () => {
    const directives = new Map(WEB_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]); // no inline scripts, no eval
    expect(directives.get('connect-src')).toContain("'self'");
    expect(directives.get('style-src')).not.toContain("'unsafe-eval'");
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('GET /assets/x.js: the file, as JavaScript, cached for good', async () => {
    const r = await get(n.port, '/assets/x.js');
    expect(r.status).toBe(200);
    expect(r.text).toBe(SCRIPT);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const cache = String(r.headers['cache-control']);
    expect(cache).toContain('immutable');
    expect(cache).toContain('max-age=31536000');
    expect(cache).toContain('public');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('other assets with their types; a file in a subfolder; unknown extensions as octet-stream', async () => {
    const css = await get(n.port, '/assets/app.css');
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    expect(css.text).toContain(MARK);
    const sub = await get(n.port, '/assets/sub/y.js');
    expect([sub.status, sub.text]).toEqual([200, 'export const y = 1;\n']);
    const bin = await get(n.port, '/assets/data.bin');
    expect([bin.status, bin.headers['content-type'], [...bin.body]]).toEqual([200, 'application/octet-stream', [0, 1, 2, 3]]);
  });

  it.each(['/assets/missing.js', '/assets/', '/assets/sub', '/assets/sub/', '/assets/x.js/', '/assets/X.JS'])('GET %s: 404 JSON, not the page', async (path) => {
    const r = await get(n.port, path);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toMatchObject({ code: 'NOT_FOUND' });
    expect(r.text).not.toContain(MARK);
  });

  const traversals = [
    '/assets/../index.html',
    '/assets/../secret.txt',
    '/assets/../../secret.txt',
    '/assets/../package.json',
    '/assets/../../package.json',
    '/assets/sub/../../secret.txt',
    '/assets/..%2findex.html',
    '/assets/..%2f..%2fpackage.json',
    '/assets/..%2F..%2Fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/assets/%2E%2E%2Fsecret.txt',
    '/assets/sub/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/assets/..%5c..%5csecret.txt',
    '/assets/..\\..\\secret.txt',
    '/assets/%252e%252e%252f%252e%252e%252fsecret.txt',
    '/assets/..%252f..%252fpackage.json',
    '/assets/x.js%00.png',
    '/assets/%00../../secret.txt',
    `/assets/${'..%2f'.repeat(12)}etc/passwd`,
    `/assets/..%2f..%2f${encodeURIComponent(join(tmpdir()).slice(1))}`,
    '/assets//etc/passwd',
    '/assets/%2fetc%2fpasswd',
  ];

  it.each(traversals)('GET %s: 404, and no file outside assets', async (path) => {
    const r = await get(n.port, path);
    expect(r.status, r.text.slice(0, 200)).toBe(404);
    expect(r.text).not.toContain(MARK); // not the page either
    expect(r.text).not.toContain('root:'); // not /etc/passwd
    leaksNothing(r, path);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
  });

  it.each(['/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt', '/assets/%ff%fe.js', '/assets/%E0%A4%A'])('GET %s (not a valid percent-encoding): refused, no file', async (path) => {
    const r = await get(n.port, path);
    expect([400, 404]).toContain(r.status);
    expect(r.text).not.toContain(MARK);
    leaksNothing(r, path);
  });

  it.each(['/v1/unknown', '/v1/repairs-nothing', '/open311/unknown', '/open311/v2/unknown.json', '/docs/unknown', '/.well-known/unknown', '/v1/'])(
    'GET %s: the JSON 404 of an API, not the page',
    async (path) => {
      const r = await get(n.port, path);
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(r.text)).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String) });
      expect(r.text).not.toContain(MARK);
      expect(r.headers['content-security-policy']).toBeUndefined();
    },
  );

  it('the APIs registered before it still answer, not the page', async () => {
    const health = await get(n.port, '/v1/health');
    expect(health.status).toBe(200);
    expect(health.text).not.toContain(MARK);
    const categories = await get(n.port, '/v1/repairs/categories');
    expect(categories.status).toBe(200);
    expect(JSON.parse(categories.text).categories.length).toBeGreaterThan(0);
    const services = await get(n.port, '/open311/v2/services.json');
    expect(services.status).toBe(200);
    expect(services.text).not.toContain(MARK);
    // a signed-in route without a token: 401, not the page
    const mine = await get(n.port, '/v1/repairs/mine');
    expect(mine.status).toBe(401);
    expect(mine.text).not.toContain(MARK);
  });

  it('only GET serves the page: POST to an unknown path is the JSON 404', async () => {
    const r = await get(n.port, '/report', 'POST');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('the web app, not built', () => {
  let n: Node;
  beforeAll(async () => {
    hideBuiltApp.on = true;
    n = await startWith({});
  });
  afterAll(async () => {
    hideBuiltApp.on = false;
    await n?.close();
  });

  it.each(['/', '/report', '/requests/abc'])('GET %s: 503 with a plain-text page saying how to build it', async (path) => {
    const r = await get(n.port, path);
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.text).toContain('npm run build');
    expect(r.text).not.toContain('<');
    expect(r.headers['content-security-policy']).toBe(WEB_CSP);
  });

  it('assets: 404 JSON; API paths: still the JSON 404', async () => {
    const asset = await get(n.port, '/assets/x.js');
    expect(asset.status).toBe(404);
    expect(JSON.parse(asset.text)).toMatchObject({ code: 'NOT_FOUND' });
    for (const path of ['/v1/unknown', '/open311/unknown']) {
      const r = await get(n.port, path);
      expect([r.status, JSON.parse(r.text).code]).toEqual([404, 'NOT_FOUND']);
    }
    expect((await get(n.port, '/v1/health')).status).toBe(200);
  });
});
