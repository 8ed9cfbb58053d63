/**
 * API fuzzing driven by the served OpenAPI document: a one-organisation chain with every module and the demo data
 * (`startNode({ demo: true })`), an account for every role, and for every operation of /docs/openapi.json requests
 * whose path parameters, query strings and bodies are generated from the operation's schemas (fast-check): valid
 * values, boundary values (lengths and bounds ±1, empty, missing required, wrong types) and random JSON; sent as every
 * role and as nobody. Checks, per request:
 *   - never a 5xx (and the process is still serving at the end);
 *   - nothing written on refusal: for a 4xx, no transaction the request submitted was admitted to the mempool
 *     (submissions are attributed to the request by AsyncLocalStorage around MachiNode.submit), except the records
 *     the design writes on refusal (REFUSAL_RECORDS), and the private store (private.db) was not written (SQLite's
 *     `PRAGMA data_version` seen from a second connection; requests run one at a time, and each accepted write is
 *     committed before the next request, so nothing else writes meanwhile but the repairs SLA job, every 30 s).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { ROLES, type Role } from '@machi/core';
// The built node, as `machi start` runs it: from src under vitest, the signature-check workers (new URL('./check-worker.js'))
// do not exist, and every submission waits forever (see the report of issue 11).
import { AccountStore, DEFAULT_CONSORTIUM, GENESIS_FILE, createConsortium, startNode, type RunningNode } from '../../dist/index.js';
import { DEMO_PASSWORD } from '../../dist/auth/demo.js';

const ORG = 'property-company';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Routes that answer with a stream that does not end (Server-Sent Events): a request would never complete. */
const STREAMING = new Set(['GET /v1/repairs/events', 'GET /v1/events/live', 'GET /v1/funds/feed/stream', 'GET /v1/devices/alarms/events', 'GET /v1/dashboard/stream']);
/**
 * Transactions the design records even when the request is refused: a refused read of personal data is an access
 * record (docs/spec/privacy.md), a failed verification of a presentation an attempt record (docs/spec/identity.md), a
 * refused owners' ballot its refusal (docs/spec/property.md).
 */
const REFUSAL_RECORDS = new Set(['privacy.access', 'identity.verification', 'property.ballot']);

type Schema = Record<string, unknown>;
interface Parameter { in: string; name: string; required?: boolean; schema?: Schema }
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
}
interface Doc {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  components?: { schemas?: Record<string, Schema> };
}
export interface Route { method: string; path: string; op: Operation }
/** `null`: nobody signed in. */
export type Identity = Role | null;

export interface Finding {
  kind: '5xx' | 'write-on-refusal' | 'crash' | 'hang';
  route: string;
  identity: string;
  request: { url: string; method: string; payload?: unknown };
  status: number;
  detail: string;
}

export interface FuzzReport {
  requests: number;
  statuses: Record<string, number>;
  /** per route: requests sent, and which statuses */
  routes: number;
  findings: Finding[];
  /** refused requests that wrote to private.db without changing what it holds (a checkpoint, a delete of nothing), by route */
  ioOnRefusal: Record<string, number>;
  /** transactions written on refusal that the design records (REFUSAL_RECORDS), by type */
  refusalRecords: Record<string, number>;
  ms: number;
}

export interface FuzzNode {
  running: RunningNode;
  routes: Route[];
  tokens: Map<Role, string>;
  close(): Promise<void>;
  /** runs `runsPerPair` requests for every (route, identity), in a seeded random order of inputs */
  fuzz(opts: { runsPerPair: number; seed: number; deadlineMs?: number; onProgress?: (r: FuzzReport) => void }): Promise<FuzzReport>;
}

/** A request not answered within this is a finding (no route of ours should take longer; ?wait=true is capped). */
const REQUEST_MS_MAX = 15_000;
class Hang extends Error {}
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Hang(`no answer within ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

// ---- schemas → arbitraries ------------------------------------------------------------------------------------------

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 40 }), fc.constant(''),
  fc.constant('__proto__'), fc.constant({ __proto__: { polluted: true } }), fc.constant(-1), fc.constant(2 ** 53),
  fc.constant('x'.repeat(10_000)), fc.constant('../../etc/passwd'), fc.constant('\u0000\n\u202e'), fc.constant([]), fc.constant({}),
  fc.jsonValue({ maxDepth: 3 }),
);

function stringArb(s: Schema, pool: () => string[]): fc.Arbitrary<string> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as string[]));
  if (typeof s.const === 'string') return fc.constant(s.const);
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : 64;
  const options: fc.Arbitrary<string>[] = [];
  if (typeof s.pattern === 'string') {
    let re: RegExp | undefined;
    try {
      re = new RegExp(s.pattern);
    } catch {
      re = undefined;
    }
    if (re !== undefined) {
      const r = re;
      options.push(fc.stringMatching(r).filter((x) => x.length <= Math.max(max, 200)));
      const known = () => pool().filter((x) => r.test(x));
      options.push(fc.integer({ min: 0, max: 1_000_000 }).map((i) => { const k = known(); return k.length > 0 ? k[i % k.length]! : 'x'; }));
    }
  }
  if (s.format === 'date-time') options.push(fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString()));
  options.push(fc.string({ minLength: min, maxLength: Math.min(max, 200) }));
  options.push(fc.constantFrom('a'.repeat(Math.min(max, 100_000)), 'a'.repeat(Math.min(max + 1, 100_001)), 'a'.repeat(Math.max(0, min - 1))));
  return fc.oneof(...options);
}

function numberArb(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? s.minimum : -1e6;
  const max = typeof s.maximum === 'number' ? s.maximum : 1e6;
  const inRange = integer ? fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) }) : fc.double({ min, max, noNaN: true });
  return fc.oneof(inRange, fc.constantFrom(min, max, min - 1, max + 1, 0, -1, Number.MAX_SAFE_INTEGER, 1.5));
}

/** Values for `schema`: mostly valid, sometimes at or past a boundary, sometimes anything at all. */
export function arbitraryOf(schema: Schema | undefined, doc: Doc, pool: () => string[], depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || depth > 5) return junk;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').pop()!;
    return arbitraryOf(doc.components?.schemas?.[name], doc, pool, depth + 1);
  }
  const alts = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (Array.isArray(alts) && alts.length > 0) return fc.oneof(...alts.map((a) => arbitraryOf({ ...schema, oneOf: undefined, anyOf: undefined, ...a }, doc, pool, depth + 1)));
  if (Array.isArray(schema.allOf)) return arbitraryOf(Object.assign({}, ...(schema.allOf as Schema[])), doc, pool, depth + 1);
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  const valid = types.length === 0
    ? (Array.isArray(schema.enum) ? fc.constantFrom(...(schema.enum as unknown[])) : junk)
    : fc.oneof(...types.map((t) => typedArb(t, schema, doc, pool, depth)));
  return fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: junk, weight: 1 });
}

function typedArb(t: string, s: Schema, doc: Doc, pool: () => string[], depth: number): fc.Arbitrary<unknown> {
  switch (t) {
    case 'string': return stringArb(s, pool);
    case 'integer': return numberArb(s, true);
    case 'number': return numberArb(s, false);
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    case 'array': {
      const items = arbitraryOf(s.items as Schema | undefined, doc, pool, depth + 1);
      const min = typeof s.minItems === 'number' ? s.minItems : 0;
      const max = typeof s.maxItems === 'number' ? s.maxItems : 8;
      return fc.oneof(
        fc.array(items, { minLength: min, maxLength: Math.min(max, 8) }),
        fc.constantFrom(max + 1, Math.max(0, min - 1)).chain((n) => fc.array(items, { minLength: n, maxLength: n })),
      );
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set((s.required ?? []) as string[]);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) record[k] = arbitraryOf(v, doc, pool, depth + 1);
      const keys = Object.keys(record);
      const complete = fc.record(record, { requiredKeys: keys.filter((k) => required.has(k)) });
      const missing = fc.record(record, { requiredKeys: [] });
      const extra = fc.tuple(complete, fc.dictionary(fc.string({ maxLength: 12 }), junk, { maxKeys: 3 })).map(([a, b]) => ({ ...b, ...a }));
      return fc.oneof({ arbitrary: complete, weight: 5 }, { arbitrary: missing, weight: 1 }, { arbitrary: extra, weight: 1 });
    }
    default: return junk;
  }
}

// ---- requests ---------------------------------------------------------------------------------------------------------

function requestArb(route: Route, doc: Doc, pool: () => string[]): fc.Arbitrary<{ url: string; payload?: unknown; contentType?: string }> {
  const params = route.op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const pathArb = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, fc.oneof(
    { arbitrary: arbitraryOf(p.schema, doc, pool), weight: 8 },
    { arbitrary: fc.constantFrom('', '%2e%2e', '..', '%00', 'a'.repeat(3000), '%', '😀'), weight: 1 },
  )])));
  const queryArb = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, arbitraryOf(p.schema, doc, pool)])), { requiredKeys: [] });
  const content = route.op.requestBody?.content ?? {};
  const [contentType, media] = Object.entries(content)[0] ?? [undefined, undefined];
  const bodyArb: fc.Arbitrary<unknown> = contentType === undefined ? fc.constant(undefined) : arbitraryOf(media?.schema, doc, pool);
  return fc.tuple(pathArb, queryArb, bodyArb, fc.integer({ min: 0, max: 19 })).map(([pp, q, body, raw]) => {
    let path = route.path;
    for (const [k, v] of Object.entries(pp)) path = path.replace(`{${k}}`, encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v)));
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) qs.append(k, typeof v === 'string' ? v : JSON.stringify(v));
    const url = qs.size > 0 ? `${path}?${qs}` : path;
    if (contentType === undefined) return { url };
    // now and then a body that is not JSON at all, or not what the route takes
    if (raw === 0) return { url, payload: '{"unterminated": ', contentType: 'application/json' };
    if (raw === 1) return { url, payload: 'plain text', contentType: 'text/plain' };
    if (contentType !== 'application/json') return { url, payload: typeof body === 'string' ? body : JSON.stringify(body ?? null), contentType };
    return { url, payload: JSON.stringify(body === undefined ? null : body), contentType: 'application/json' };
  });
}

/** Strings from successful answers (ids, hashes, names) to use as path parameters that exist. */
function harvest(value: unknown, into: Set<string>, depth = 0): void {
  if (depth > 6 || into.size > 5000) return;
  if (typeof value === 'string') {
    if (value.length > 0 && value.length <= 120) into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value.slice(0, 50)) harvest(v, into, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value).slice(0, 50)) harvest(v, into, depth + 1);
  }
}

// ---- the node -----------------------------------------------------------------------------------------------------

export async function startFuzzNode(): Promise<FuzzNode> {
  // The demo consortium's organisations (the demo data names them), with this node the only validator, so that it
  // commits alone; the others have no vote and no node.
  const root = mkdtempSync(join(tmpdir(), 'machi-fuzz-'));
  createConsortium(root, DEFAULT_CONSORTIUM);
  const dir = join(root, ORG);
  const genesisPath = join(dir, GENESIS_FILE);
  const genesis = JSON.parse(readFileSync(genesisPath, 'utf8')) as { orgs: { id: string; power: number }[] };
  for (const o of genesis.orgs) o.power = o.id === ORG ? 1 : 0;
  writeFileSync(genesisPath, JSON.stringify(genesis, null, 2));
  const running = await startNode({ dir, port: 0, host: '127.0.0.1', checkThreads: 1, demo: true });
  const { app, node } = running;
  const accounts = new AccountStore(join(dir, 'private.db'));
  const privateDb = new Database(join(dir, 'private.db'), { readonly: true });
  const dataVersion = (): number => privateDb.pragma('data_version', { simple: true }) as number;
  // what the private store holds, as one hash (its rows, table by table): a checkpoint or a no-op write changes
  // data_version but not this. Not the webhooks queue: its feed and sender write it on their own, whenever a block
  // commits or an attempt ends, whatever request runs meanwhile (its subscriptions, which only requests write, count).
  // Nor devices' readings and health: the ingest keeps them in memory and a timer flushes them every DEVICES_FLUSH_MS,
  // so a refused reading, counted in the device's health by design, lands during whichever request runs next.
  // Nor repairs' `repair_finished`: a cache of which of the node's own requests are finished, written by the first
  // reader that finds one so (the SLA job every few seconds, or any board read), not by the request that finished it.
  const BACKGROUND_TABLES = ['webhook_attempts', 'webhook_deliveries', 'webhook_meta', 'device_readings', 'device_health', 'repair_finished'];
  const contentDigest = (): string => {
    // one digest per table (`name=digest;…`), so a finding can name the tables that changed
    const tables = (privateDb.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[])
      .filter((t) => !BACKGROUND_TABLES.includes(t.name));
    const parts: string[] = [];
    for (const { name } of tables) {
      const h = createHash('sha256');
      for (const row of privateDb.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).iterate() as Iterable<Record<string, unknown>>) {
        for (const v of Object.values(row)) h.update(Buffer.isBuffer(v) ? v : `${typeof v}:${String(v)}`).update('\u0001');
      }
      parts.push(`${name}=${h.digest('hex').slice(0, 16)}`);
    }
    return parts.join(';');
  };
  let known = { version: -1, digest: '' };
  const digestNow = (): string => {
    const version = dataVersion();
    if (version !== known.version) known = { version, digest: contentDigest() };
    return known.digest;
  };

  // every role has an account (the demo seeds most of them at this organisation)
  const usernames = new Map<Role, string>();
  for (const u of accounts.listUsers(ORG)) if (!usernames.has(u.role)) usernames.set(u.role, u.username);
  for (const role of ROLES) {
    if (usernames.has(role)) continue;
    const username = `fuzz.${role}`;
    await accounts.createUser({ org: ORG, username, role, displayName: `fuzz ${role}`, password: DEMO_PASSWORD });
    usernames.set(role, username);
  }
  const tokens = new Map<Role, string>();
  let addr = 0;
  const signIn = async (role: Role): Promise<void> => {
    const r = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { org: ORG, username: usernames.get(role), password: DEMO_PASSWORD }, remoteAddress: `10.255.${(addr >> 8) & 255}.${addr++ & 255}` });
    if (r.statusCode !== 200) throw new Error(`sign-in as ${role}: ${r.statusCode} ${r.body}`);
    tokens.set(role, r.json().token as string);
  };
  for (const role of ROLES) await signIn(role);

  // quiet: nothing committed, pending or written in the private store for `quietMs`
  const settled = async (quietMs: number, timeoutMs = 60_000): Promise<void> => {
    const t0 = Date.now();
    let last = `${node.head.height}/${node.mempoolSize}/${dataVersion()}`;
    let since = Date.now();
    while (Date.now() - since < quietMs) {
      if (Date.now() - t0 > timeoutMs) return;
      await new Promise((r) => setTimeout(r, 20));
      const now = `${node.head.height}/${node.mempoolSize}/${dataVersion()}`;
      if (now !== last || node.mempoolSize > 0) {
        last = now;
        since = Date.now();
      }
    }
  };
  // the demo data: committed, then quiet
  const t0 = Date.now();
  while (node.head.height < 1 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  await settled(2000);

  const doc = (await app.inject('/docs/openapi.json')).json() as Doc;
  const routes: Route[] = Object.entries(doc.paths)
    .flatMap(([path, item]) => METHODS.filter((m) => item[m] !== undefined).map((m) => ({ method: m.toUpperCase(), path, op: item[m]! })))
    .filter((r) => !STREAMING.has(`${r.method} ${r.path}`));

  // attribute every submission to the request it was made for
  const current = new AsyncLocalStorage<{ admitted: string[] }>();
  const submit = node.submit.bind(node);
  node.submit = async (values, from) => {
    const outcomes = await submit(values, from);
    const ctx = current.getStore();
    if (ctx !== undefined) {
      outcomes.forEach((o, i) => {
        if (o.ok) ctx.admitted.push(String((values[i] as { type?: unknown } | null)?.type));
      });
    }
    return outcomes;
  };

  const fuzz: FuzzNode['fuzz'] = async ({ runsPerPair, seed, deadlineMs, onProgress }) => {
    const t0 = Date.now();
    const report: FuzzReport = { requests: 0, statuses: {}, routes: routes.length, findings: [], ioOnRefusal: {}, refusalRecords: {}, ms: 0 };
    const pool = new Set<string>();
    const poolList = () => [...pool];
    const identities: Identity[] = [null, ...ROLES];
    const rng = fc.integer({ min: 0, max: 2 ** 31 - 1 });
    let n = 0;
    for (let run = 0; run < runsPerPair; run++) {
      for (const route of routes) {
        const samples = fc.sample(requestArb(route, doc, poolList), { seed: seed + run * 7919 + routes.indexOf(route) * 104729, numRuns: identities.length });
        for (const [i, identity] of identities.entries()) {
          if (deadlineMs !== undefined && Date.now() - t0 > deadlineMs) return finish();
          const req = samples[i]!;
          const headers: Record<string, string> = {};
          if (identity !== null) headers.authorization = `Bearer ${tokens.get(identity)}`;
          if (req.contentType !== undefined) headers['content-type'] = req.contentType;
          const inject: InjectOptions = {
            method: route.method as InjectOptions['method'], url: req.url, headers,
            remoteAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
            ...(req.payload === undefined ? {} : { payload: req.payload as string }),
          };
          n++;
          const before = digestNow();
          const ctx = { admitted: [] as string[] };
          let status: number;
          let body = '';
          try {
            if (process.env.FUZZ_VERBOSE) console.log(`fuzz → ${route.method} ${req.url.slice(0, 200)} as ${identity ?? "nobody"} ${String(req.payload).length} ${String(req.payload).slice(0, 300)}`);
            const res = await current.run(ctx, () => withTimeout(app.inject(inject), REQUEST_MS_MAX));
            status = res.statusCode;
            body = res.body;
          } catch (e) {
            report.findings.push({ kind: e instanceof Hang ? 'hang' : 'crash', route: `${route.method} ${route.path}`, identity: identity ?? 'nobody', request: { url: req.url, method: route.method, payload: req.payload }, status: 0, detail: String((e as Error).stack) });
            continue;
          }
          report.requests++;
          report.statuses[status] = (report.statuses[status] ?? 0) + 1;
          const where = { route: `${route.method} ${route.path}`, identity: identity ?? 'nobody', request: { url: req.url, method: route.method, payload: req.payload }, status };
          if (status >= 500) report.findings.push({ kind: '5xx', ...where, detail: body.slice(0, 500) });
          if (status >= 200 && status < 300) {
            try {
              harvest(JSON.parse(body), pool);
            } catch { /* not JSON */ }
            // an accepted write commits before the next request, so that what follows is attributable
            if (node.mempoolSize > 0) await settled(30, 10_000);
          }
          if (status >= 400 && status < 500) {
            const unexpected = ctx.admitted.filter((t) => !REFUSAL_RECORDS.has(t));
            for (const t of ctx.admitted) if (REFUSAL_RECORDS.has(t)) report.refusalRecords[t] = (report.refusalRecords[t] ?? 0) + 1;
            if (unexpected.length > 0) report.findings.push({ kind: 'write-on-refusal', ...where, detail: `admitted to the mempool: ${unexpected.join(', ')}; answer ${body.slice(0, 300)}` });
            // the private store: what it holds changed (written by this request: nothing else runs meanwhile), and no
            // transaction of the request explains it
            const versionBefore = known.version;
            const after = ctx.admitted.length === 0 && node.mempoolSize === 0 ? digestNow() : before;
            if (after !== before) {
              const was = new Set(before.split(';'));
              const changed = after.split(';').filter((x) => !was.has(x)).map((x) => x.split('=')[0]);
              report.findings.push({ kind: 'write-on-refusal', ...where, detail: `private.db changed (${changed.join(', ') || 'a table dropped'}); answer ${body.slice(0, 300)}` });
            } else if (known.version !== versionBefore) {
              report.ioOnRefusal[where.route] = (report.ioOnRefusal[where.route] ?? 0) + 1;
            }
            if (ctx.admitted.length > 0) await settled(30, 10_000);
          }
          // a signed-out token is signed in again
          if (route.path === '/v1/auth/logout' && status === 204 && identity !== null) await signIn(identity);
        }
      }
      onProgress?.({ ...report, ms: Date.now() - t0 });
    }
    return finish();

    function finish(): FuzzReport {
      report.ms = Date.now() - t0;
      return report;
    }
  };

  return {
    running, routes, tokens, fuzz,
    async close() {
      await running.close();
      accounts.close();
      privateDb.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
