/**
 * The one harness for a real consortium in a test: `machi genesis` in a fresh temp dir, then one `machi start` process
 * per organisation linked over loopback, as `machi up` starts them (`demo`: `--demo`, as `machi up` does). Used by
 * the end-to-end tests (node/test/e2e, identity/e2e) and the browser tests (web/test/browser/harness.ts). A test
 * controls each process: kill it (any signal), start it again on the same ports and data; an organisation can be left
 * `absent` (its key and ports exist, no process: the test plays it, e.g. a Byzantine peer).
 *
 *   const c = await startConsortium({ demo: true, ready: { 'property-company': /demo community: \d+/ } });
 *   const token = await c.login('property-company', 'resident1');
 *   const r = await c.call('property-company', 'GET', '/v1/me/record', { token });
 *   await c.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseGenesis, signTx, signerFromJwk, type Ed25519Jwk, type Genesis, type SignedTx, type Signer } from '@machi/core';

/** The `machi` entry point. */
export const CLI = fileURLToPath(new URL('../../bin/machi.js', import.meta.url));
/** The demo accounts' password (src/auth/demo.ts; not imported, so that the browser tests need no node sources). */
export const DEMO_PASSWORD = 'machi-demo-2026';
/** The organisations of `machi up`'s default four-node consortium (src/node/datadir.ts DEFAULT_CONSORTIUM). */
export const FOUR_ORGS = ['street-office', 'property-company', 'power-company', 'auditor'] as const;

/** How long a node may take to serve (MACHI_NODE_START_MS raises it on a machine busy with other work). */
const NODE_START_MS_MAX = Number(process.env.MACHI_NODE_START_MS ?? 60_000);
const READY_MS_MAX = 90_000;
/**
 * The demo's waits in a test's consortium (src/modules/property/seed.ts): the closed vote runs 6 s instead of 15 and the
 * past activities start 6 s after they are announced instead of 10, so `demo data ready` comes that much sooner. Its
 * ballots and sign-ups are submitted together and commit in a block or two; the environment may still set either.
 */
export const DEMO_TEST_ENV: Readonly<Record<string, string>> = { MACHI_DEMO_VOTE_MS: '6000', MACHI_DEMO_ACTIVITY_LEAD_MS: '6000' };
/**
 * A demo consortium's nodes check signatures on one worker thread each (`--check-threads 1`) unless the test's `args`
 * name a count: every worker loads the code and compiles the transaction schemas (seconds of CPU per node start), and
 * four nodes beside a browser keep a two-core machine busy enough. The consortia without demo data (consensus, crash,
 * stores, membership) keep the default, one worker per core, and with it the checks split across workers.
 */
const DEMO_CHECK_THREADS = ['--check-threads', '1'];

/** `n` distinct TCP ports of 127.0.0.1, free a moment ago (all held open together before any is released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<Server>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A TCP port free on 127.0.0.1 right now (another process may still take it before the node binds it). */
export const freePort = async (): Promise<number> => (await freePorts(1))[0]!;

export interface ConsortiumNode {
  org: string;
  dir: string;
  apiPort: number;
  p2pPort: number;
  url: string;
  /** the running `machi start` (undefined while absent or before the first start) */
  process?: ChildProcess;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they came */
  output: string;
  /** set when the process exited without the test asking it to */
  crashed?: string;
}

export interface Answer {
  status: number;
  json: any;
  /** the body as sent */
  text: string;
}

export interface CallOptions {
  token?: string;
  /** sign in as this user of the node's organisation first (demo password) */
  as?: string;
  body?: unknown;
  /** a raw body (with `type`, default image/png) */
  raw?: Buffer;
  type?: string;
  /** aborts a hung request (ms) */
  timeoutMs?: number;
}

export interface ConsortiumOptions {
  /** organisations in the genesis, in order (default FOUR_ORGS) */
  orgs?: readonly string[];
  /** `machi start --demo`: demo accounts and each module's demo data */
  demo?: boolean;
  /** per organisation, a line its node's output must show before the consortium counts as started */
  ready?: Readonly<Record<string, RegExp>>;
  /** organisations in the genesis whose node is not started (the test plays them); their ports are peers of the others */
  absent?: readonly string[];
  /** root folder prefix in the temp dir */
  name?: string;
  /**
   * member organisations without voting power whose keys the street office's node hosts (`machi genesis --hosted`);
   * their staff sign in at the street office's node with their own organisation
   */
  hosted?: readonly string[];
  /** how long a node may take to start (default NODE_START_MS_MAX) */
  startTimeoutMs?: number;
  /** extra `machi start` arguments of each node, read at every (re)start (e.g. `--store postgres://…`) */
  args?: (org: string) => readonly string[];
  /** extra environment of each node process, read at every (re)start (e.g. MACHI_CLOCK_OFFSET_MS) */
  env?: (org: string) => Readonly<Record<string, string>>;
  /** the genesis's rules instead of a new chain's (foundation/rules.ts), e.g. an older chain's: `{}` names none */
  rules?: Readonly<Record<string, number>>;
}

export interface Consortium {
  root: string;
  genesis: Genesis;
  nodes: ConsortiumNode[];
  node(org: string): ConsortiumNode;
  /** API (and web app) address of each started organisation's node */
  urls: Record<string, string>;
  /** starts (or restarts) the node of `org` on its ports and data; resolves once its API listens */
  start(org: string): Promise<void>;
  /** sends `signal` (default SIGKILL) and waits for the exit; the exit code (null when killed by a signal) */
  kill(org: string, signal?: NodeJS.Signals): Promise<number | null>;
  alive(org: string): boolean;
  call(org: string, method: string, path: string, opts?: CallOptions): Promise<Answer>;
  /** a token of `username` at `org`'s node (demo password unless given), cached per user */
  login(org: string, username: string, password?: string): Promise<string>;
  height(org: string): Promise<number>;
  /** polls `check` until it holds; on a timeout the error carries the end of every node's output */
  until(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number, everyMs?: number): Promise<void>;
  /** the organisation's consortium key (from its data directory) */
  orgKey(org: string): Signer;
  /** `count` notary.record transactions signed by `org`'s key, each a fresh document hash */
  notaryTxs(org: string, count: number): SignedTx[];
  /** stops every node (SIGTERM unless told) and removes the folder; the exit codes, in node order */
  stop(signal?: NodeJS.Signals): Promise<(number | null)[]>;
}

export async function startConsortium(opts: ConsortiumOptions = {}): Promise<Consortium> {
  const orgs = opts.orgs ?? FOUR_ORGS;
  const root = mkdtempSync(join(tmpdir(), `machi-${opts.name ?? 'consortium'}-`));
  const hostedArgs = opts.hosted === undefined || opts.hosted.length === 0 ? [] : ['--hosted', opts.hosted.join(',')];
  const g = spawnSync(process.execPath, [CLI, 'genesis', '--orgs', orgs.join(','), '--out', root, ...hostedArgs], { encoding: 'utf8' });
  expect(g.status, g.stderr).toBe(0);
  if (opts.rules !== undefined) {
    // as an older chain's genesis: the same file everywhere, with these rules (none: no `rules` at all)
    const { rules: _newer, ...rest } = JSON.parse(readFileSync(join(root, 'genesis.json'), 'utf8')) as Record<string, unknown>;
    const text = `${JSON.stringify(Object.keys(opts.rules).length === 0 ? rest : { ...rest, rules: opts.rules }, null, 2)}\n`;
    for (const dir of [root, ...orgs.map((o) => join(root, o))]) writeFileSync(join(dir, 'genesis.json'), text);
  }
  const genesis = parseGenesis(JSON.parse(readFileSync(join(root, 'genesis.json'), 'utf8')));
  const nodes: ConsortiumNode[] = orgs.map((org) => ({ org, dir: join(root, org), apiPort: 0, p2pPort: 0, url: '', stdout: '', stderr: '', output: '' }));
  const assignPorts = async (): Promise<void> => {
    const ports = await freePorts(orgs.length * 2);
    nodes.forEach((n, i) => Object.assign(n, { apiPort: ports[2 * i]!, p2pPort: ports[2 * i + 1]!, url: `http://127.0.0.1:${ports[2 * i]!}`, stdout: '', stderr: '', output: '' }));
  };
  const node = (org: string): ConsortiumNode => {
    const n = nodes.find((m) => m.org === org);
    if (n === undefined) throw new Error(`no organisation ${org} in this consortium`);
    return n;
  };
  const stopping = new Set<ChildProcess>();
  const alive = (org: string): boolean => {
    const p = node(org).process;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  };

  const start = (org: string): Promise<void> => {
    const n = node(org);
    const peers = nodes.filter((m) => m !== n).map((m) => `127.0.0.1:${m.p2pPort}`).join(',');
    const args = opts.args?.(org) ?? [];
    const threads = opts.demo === true && !args.includes('--check-threads') ? DEMO_CHECK_THREADS : [];
    const proc = spawn(process.execPath, [
      CLI, 'start', ...(opts.demo === true ? ['--demo'] : []), '--data', n.dir, '--port', String(n.apiPort), '--listen', `127.0.0.1:${n.p2pPort}`, '--peers', peers, ...threads, ...args,
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...(opts.demo === true ? DEMO_TEST_ENV : {}), ...process.env, ...opts.env?.(org) } });
    n.process = proc;
    delete n.crashed;
    proc.stderr!.on('data', (d: Buffer) => {
      n.stderr += d.toString('utf8');
      n.output += d.toString('utf8');
    });
    proc.on('exit', (code, signal) => {
      if (!stopping.has(proc)) n.crashed = `exited with code ${code} signal ${signal}`;
    });
    return new Promise((resolve, reject) => {
      const startMs = opts.startTimeoutMs ?? NODE_START_MS_MAX;
      const timer = setTimeout(() => reject(new Error(`${org} did not start within ${startMs} ms: ${n.output}`)), startMs);
      let started = false;
      proc.stdout!.on('data', (d: Buffer) => {
        n.stdout += d.toString('utf8');
        n.output += d.toString('utf8');
        if (!started && /API: http/.test(n.stdout)) {
          started = true;
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${org} exited ${code ?? signal}: ${n.output}`));
      });
    });
  };

  const kill = async (org: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> => {
    const p = node(org).process;
    if (p === undefined) return null;
    if (p.exitCode !== null || p.signalCode !== null) return p.exitCode;
    stopping.add(p);
    const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    p.kill(signal);
    return exited;
  };

  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 100): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (await Promise.resolve().then(check).catch(() => false)) return;
      await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(`timed out waiting for ${what}\n${nodes.map((n) => `--- ${n.org}\n${n.output.slice(-3000)}`).join('\n')}`);
  };

  const call = async (org: string, method: string, path: string, o: CallOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = {};
    const token = o.token ?? (o.as === undefined ? undefined : await login(org, o.as));
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (o.raw !== undefined) {
      headers['content-type'] = o.type ?? 'image/png';
      body = new Uint8Array(o.raw);
    } else if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const res = await fetch(`${node(org).url}${path}`, {
      method, headers, ...(body === undefined ? {} : { body }), ...(o.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(o.timeoutMs) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };

  const tokens = new Map<string, string>();
  const login = async (org: string, username: string, password = DEMO_PASSWORD): Promise<string> => {
    const key = `${org}/${username}`;
    const cached = tokens.get(key);
    if (cached !== undefined) return cached;
    // a hosted member's staff sign in at the node that holds its key (the street office's)
    const at = (opts.hosted ?? []).includes(org) ? 'street-office' : org;
    const r = await call(at, 'POST', '/v1/auth/login', { body: { org, username, password } });
    if (r.status !== 200) throw new Error(`login ${key}: ${r.status} ${r.text}`);
    tokens.set(key, r.json.token as string);
    return r.json.token as string;
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<(number | null)[]> => {
    const codes = await Promise.all(nodes.map((n) => kill(n.org, signal)));
    rmSync(root, { recursive: true, force: true });
    return codes;
  };

  const urls: Record<string, string> = {};
  const present = nodes.filter((n) => !(opts.absent ?? []).includes(n.org));
  try {
    // A port picked free can be taken by someone else before our node binds it: then start over on other ports.
    for (let attempt = 1; ; attempt++) {
      await assignPorts();
      try {
        await Promise.all(present.map((n) => start(n.org)));
        break;
      } catch (e) {
        await Promise.all(nodes.map((n) => kill(n.org)));
        if (attempt >= 3 || !/EADDRINUSE/.test(String(e))) throw e;
      }
    }
    for (const n of present) urls[n.org] = n.url;
    for (const [org, line] of Object.entries(opts.ready ?? {})) {
      await until(`${org}: ${String(line)}`, () => line.test(node(org).output), READY_MS_MAX);
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => kill(n.org)));
    rmSync(root, { recursive: true, force: true });
    throw e;
  }

  const orgKey = (org: string): Signer => signerFromJwk(JSON.parse(readFileSync(join(node(org).dir, 'org-key.json'), 'utf8')) as Ed25519Jwk);
  return {
    root, genesis, nodes, node, urls, start, kill, alive, call, login, until, stop, orgKey,
    height: async (org) => (await call(org, 'GET', '/v1/health')).json.height as number,
    notaryTxs(org, count) {
      const signer = orgKey(org);
      return Array.from({ length: count }, () => signTx({
        chainId: genesis.chainId,
        type: 'notary.record',
        payload: { hash: createHash('sha256').update(randomBytes(16)).digest('hex'), label: `${org} record` },
        signer: signer.publicKey,
        nonce: randomBytes(16).toString('hex'),
        time: Date.now(),
      }, signer.sign));
    },
  };
}
