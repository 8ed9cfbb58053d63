/**
 * The OpenAPI document at /docs/openapi.json, from a node wired as `machi start` wires it (privacy, repairs, Open311):
 * it names every route the router has, each with the security the auth hook actually enforces, and the docs routes
 * themselves are public without opening a hole in the fail-closed route check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer, initDataDir, startNode, type RunningNode } from '../../src/index.js';
import { testServer } from '../auth/helpers.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean; schema?: object }[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: object }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: object }> }>;
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  tags: { name: string }[];
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
  security?: unknown;
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

/**
 * Every route of the router as `METHOD /path/{param}`, from Fastify's own route tree (independent of the document):
 * each line of printRoutes is a segment, appended to its parent's path (4 characters of indent per level).
 */
function routesOf(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (m === null) continue;
    const depth = m[1]!.length / 4;
    const path = (depth === 0 ? '' : stack[depth - 1]!) + m[2]!;
    stack[depth] = path;
    for (const method of m[3]?.split(', ') ?? []) out.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return out;
}

const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m] !== undefined).map((m) => ({ path, method: m.toUpperCase(), op: item[m]! })));

let dir: string;
let running: RunningNode;
let app: FastifyInstance;
let doc: Doc;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'machi-openapi-'));
  initDataDir(dir, { orgId: 'property-company', orgName: 'Property company' });
  running = await startNode({ dir, port: 0, host: '127.0.0.1', checkThreads: 1 });
  app = running.app;
  const res = await app.inject('/docs/openapi.json');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.json();
});

afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1.0 about Machi, with the package version and the bearer scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Machi');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(doc.security).toBeUndefined(); // per operation only: no global requirement
  });

  it('has every route of the REST API the router has, and no route the router does not have', () => {
    const routes = routesOf(app);
    expect(routes).toContain('GET /docs/openapi.json'); // the parser reads the tree
    expect(routes).toContain('POST /v1/repairs/{request}/assign');
    // the REST API is /v1/ and Open311 (the docs' own routes and the web app's page and assets are not);
    // HEAD: Fastify adds one to every GET by itself
    const api = [...new Set(routes.filter((r) => /^(?!HEAD )\w+ \/(v1|open311)\//.test(r)))].sort();
    const documented = operations(doc).map((o) => `${o.method} ${o.path}`).sort();
    expect(documented).toEqual(expect.arrayContaining(api));
    for (const op of documented) expect(routes, op).toContain(op);
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/docs'))).toBe(false);
    expect(api.length).toBeGreaterThan(40);
  });

  it('has the routes of every area, each operation tagged with a declared area', () => {
    const paths = Object.keys(doc.paths);
    for (const p of ['/v1/txs', '/v1/auth/login', '/v1/subjects/{subject}', '/v1/repairs', '/v1/repairs/photos', '/open311/v2/requests.json', '/v1/consensus']) {
      expect(paths).toContain(p);
    }
    const declared = new Set(doc.tags.map((t) => t.name));
    for (const { path, method, op } of operations(doc)) {
      expect(op.tags, `${method} ${path}`).toHaveLength(1);
      expect(declared.has(op.tags![0]!), `${method} ${path}: ${op.tags![0]}`).toBe(true);
    }
    const tagOf = (path: string, method = 'get') => doc.paths[path]![method as 'get']!.tags![0];
    expect(tagOf('/v1/txs/{hash}/proof')).toBe('ledger');
    expect(tagOf('/v1/auth/login', 'post')).toBe('auth');
    expect(tagOf('/v1/me/uses')).toBe('privacy');
    expect(tagOf('/v1/repairs/board')).toBe('repairs');
    expect(tagOf('/open311/v2/services.json')).toBe('open311');
    expect(tagOf('/v1/evidence')).toBe('consensus');
  });

  it('documents bearer on exactly the routes that need a token: checked against the running auth', async () => {
    const secured: string[] = [];
    const open: string[] = [];
    for (const { path, method, op } of operations(doc)) {
      for (const req of op.security ?? []) for (const scheme of Object.keys(req)) expect(doc.components.securitySchemes[scheme]).toBeDefined();
      (op.security === undefined || op.security.length === 0 ? open : secured).push(`${method} ${path}`);
      if (op.security !== undefined) expect(op.security).toEqual([{ bearer: [] }]);
      const url = path.replace(/\{\w+\}/g, 'x');
      // Open311's POST authenticates its api_key itself, after the body is parsed: send a well-formed form
      const form = op.requestBody?.content['application/x-www-form-urlencoded'] !== undefined;
      const res = await app.inject({
        method: method as 'GET', url,
        ...(form ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'service_code=burst-pipe&address_string=A' } : {}),
      });
      // 401 from the auth hook; Open311 answers its own way (GeoReport's 403, naming the code)
      const refused = res.statusCode === 401 || (path.startsWith('/open311/') && res.statusCode === 403 && res.body.includes('UNAUTHENTICATED'));
      expect(refused, `${method} ${path} without a token answered ${res.statusCode}: ${res.body.slice(0, 200)}`).toBe(op.security !== undefined);
    }
    // both kinds are there, and the ones a reader relies on are right
    expect(open).toEqual(expect.arrayContaining(['POST /v1/auth/login', 'POST /v1/txs', 'GET /v1/txs/{hash}/proof', 'GET /open311/v2/services.json']));
    expect(secured).toEqual(expect.arrayContaining(['GET /v1/auth/me', 'GET /v1/me/record', 'POST /v1/repairs', 'POST /v1/repairs/photos', 'POST /open311/v2/requests.json']));
  });

  it('is well formed: responses with a success, declared path parameters, request bodies with a media type', () => {
    for (const { path, method, op } of operations(doc)) {
      const where = `${method} ${path}`;
      const codes = Object.keys(op.responses);
      expect(codes.length, where).toBeGreaterThan(0);
      expect(codes.some((c) => /^(2\d\d|2XX)$/.test(c)), `${where}: ${codes.join(',')}`).toBe(true);
      for (const [code, r] of Object.entries(op.responses)) {
        expect(code, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof r.description, where).toBe('string');
      }
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), where).toEqual(inPath.sort());
      for (const p of declared) expect(p.required, `${where} ${p.name}`).toBe(true);
      for (const p of op.parameters ?? []) expect(['query', 'header', 'path', 'cookie']).toContain(p.in);
      if (op.requestBody !== undefined) expect(Object.keys(op.requestBody.content).length, where).toBeGreaterThan(0);
      if (['GET', 'DELETE'].includes(method)) expect(op.requestBody, where).toBeUndefined();
    }
  });

  it('carries the routes\' schemas, and the media types of bodies that are not JSON', () => {
    const login = doc.paths['/v1/auth/login']!.post!;
    expect(login.requestBody!.content['application/json']!.schema).toMatchObject({ required: ['org', 'username', 'password'] });
    expect(login.responses['200']!.content!['application/json']!.schema).toMatchObject({ required: ['token', 'expiresAt', 'user'] });
    expect(Object.keys(doc.paths['/v1/repairs/photos']!.post!.requestBody!.content).sort()).toEqual(['image/jpeg', 'image/png', 'image/webp']);
    expect(Object.keys(doc.paths['/v1/repairs/{request}/photos/{hash}']!.get!.responses['200']!.content!)).toContain('image/png');
    expect(Object.keys(doc.paths['/open311/v2/requests.json']!.post!.requestBody!.content)).toContain('application/x-www-form-urlencoded');
  });
});

describe('/docs', () => {
  it('serves the UI page and its assets without sign-in', async () => {
    for (const url of ['/docs', '/docs/']) {
      const page = await app.inject(url);
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toMatch(/swagger-ui/i);
      // same origin as the web app: its page may run only this origin's scripts, and no inline script
      expect(page.headers['content-security-policy'], url).toMatch(/script-src 'self'(;|$)/);
      expect(page.body, url).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
    for (const url of ['/docs', '/docs/']) {
      // the page links its assets as /docs/static/… or ./static/…
      const assets = [...(await app.inject(url)).body.matchAll(/(?:src|href)="(?:\.\/|\/docs\/)([^"]+)"/g)].map((m) => m[1]!);
      expect(assets, url).toEqual(expect.arrayContaining(['static/swagger-ui-bundle.js', 'static/swagger-initializer.js', 'static/swagger-ui.css']));
      for (const a of assets) expect((await app.inject(`/docs/${a}`)).statusCode, a).toBe(200);
    }
    expect((await app.inject('/docs/json')).json().openapi).toBe('3.1.0');
  });

  it('makes only its own routes public: a /docs route elsewhere without config.access is still refused', async () => {
    const sneaky = async (a: FastifyInstance) => {
      a.get('/docs/sneaky', async () => 'no class');
    };
    await expect(testServer({ plugins: [sneaky] })).rejects.toThrow(/GET \/docs\/sneaky must declare config\.access/);
  });

  it('is left out with docs: false', async () => {
    const bare = await buildServer(running.node, { docs: false });
    try {
      for (const url of ['/docs', '/docs/openapi.json']) expect((await bare.inject(url)).statusCode, url).toBe(404);
      expect((await bare.inject('/v1/health')).statusCode).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
