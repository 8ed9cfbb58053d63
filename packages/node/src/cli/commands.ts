/** The commands of `machi`. Names and options are an interface: scripts rely on them (docs/cli.md). */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { generateKeyPair, isMachiError, memberSetAt, parseGenesis, signTx, verifyBundle, verifySnapshot, type Genesis, type SignedTx, type SnapshotManifest } from '@machi/core';
import { DEFAULT_CONSORTIUM, DEPARTMENT_HOST, GENESIS_FILE, HOSTED_DIR, KEY_FILE, LEDGER_FILE, createConsortium, hostedKeyDir, initDataDir, loadHostedSigners, openDataDir, readJsonFile, writeKeyFile } from '../node/datadir.js';
import { installSnapshot, readStateLines } from '../modules/consortium/snapshots.js';
import { runConsortium } from './up.js';
import { STORE_URL_FILE, openLedgerStore, redact, storeLocation, type StoreLocation } from '../storage/open.js';
import type { LedgerStore } from '../storage/store.js';
import { parsePgUrl } from '../storage/postgres.js';
import { verifyStore } from '../chain/verify-store.js';
import { REPLAY_SCRATCH_FILE, SqliteReplayStore } from '../chain/replay-scratch.js';
import { backupNode, restoreNode } from '../storage/backup.js';
import { startNode } from '../node/start.js';
import { NEXT_KEY_FILE, pendingKeyOrNew, retiredKeys } from '../node/keys.js';
import { DOUBLE_SIGN_CHECK_HEIGHTS, RESTORED_FILE } from '../node/restore-check.js';
import { parseTrustProxy, parseTxRateLimit } from '../api/server.js';
import { TXS_PER_ADDRESS_PER_MINUTE_DEFAULT } from '../auth/rate-limit.js';
import { devicesCommand } from './devices.js';
import { propertyCommand } from './property.js';

export const DEFAULT_PORT = 7070;
/** A node's peer-to-peer port defaults to its API port plus this. */
export const P2P_PORT_OFFSET = 100;
export const DEFAULT_DATA_DIR = './data';
const DEFAULT_NODE = process.env.MACHI_NODE ?? `http://127.0.0.1:${DEFAULT_PORT}`;

type Values = Record<string, string | boolean | undefined>;

export interface Command {
  usage: string;
  summary: string;
  help: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  longRunning?: boolean;
  run(values: Values, positionals: string[]): Promise<number>;
}

class CliError extends Error {}

function str(v: Values, k: string, fallback: string): string {
  const x = v[k];
  return typeof x === 'string' ? x : fallback;
}

function port(v: Values, fallback: number): number {
  const p = Number(str(v, 'port', String(fallback)));
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new CliError(`--port must be a port number, got "${String(v.port)}"`);
  return p;
}

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch (e) {
    throw new CliError(`cannot reach the node at ${new URL(url).origin} (${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}); is it running? (--node URL)`);
  }
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CliError(`node answered ${res.status} with a body that is not JSON`);
  }
  if (res.status >= 400) throw new CliError(`node refused (${res.status}): ${String(json.code)}: ${String(json.message)}`);
  return { status: res.status, json };
}

const HASH_RE = /^[0-9a-f]{64}$/;

/** `raw` once `parse` accepts it; else its error as a one-line CliError. */
/** An MQTT broker address: mqtt:// or mqtts:// with a host. */
function mqttUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`mqtt must be an mqtt://host:port address, got "${raw}"`);
  }
  if ((u.protocol !== 'mqtt:' && u.protocol !== 'mqtts:') || u.hostname === '') throw new Error(`mqtt must be an mqtt://host:port address, got "${raw}"`);
  return raw;
}

function checked(parse: () => unknown, raw: string): string {
  try {
    parse();
  } catch (e) {
    throw new CliError(`--${(e as Error).message}`);
  }
  return raw;
}

/** An http(s) URL with no path beyond "/", or a one-line error naming the option. */
function httpUrl(s: string, option: string): string {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new CliError(`${option} must be an http(s) URL, not ${JSON.stringify(s)}`);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.search !== '' || u.hash !== '' || u.username !== '') {
    throw new CliError(`${option} must be an http(s) URL without query, fragment or credentials`);
  }
  return u.toString().replace(/\/+$/, '');
}

export const commands: Record<string, Command> = {
  start: {
    usage: 'start [--data DIR] [--port N] [--genesis FILE] [--peers H:P,…]',
    summary: 'run a node (creates DIR with a key and a one-org genesis if empty)',
    help: `Runs one node on embedded storage (SQLite in DIR/ledger.db) and serves the HTTP API.
If DIR (default ${DEFAULT_DATA_DIR}) has no key and genesis, creates an org key (DIR/org-key.json, mode 600) and a
single-organisation genesis (DIR/genesis.json).

Options:
  --data DIR      data directory (default ${DEFAULT_DATA_DIR})
  --port N        API port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H        listen address (default 127.0.0.1; 0.0.0.0 for all interfaces)
  --genesis FILE  use this genesis file instead of DIR/genesis.json
  --listen H:P    peer-to-peer address (default: --host and API port + ${P2P_PORT_OFFSET})
  --peers H:P,…   the other organisations' peer-to-peer addresses (a consortium node)
  --public-url U  the address others reach this API at (https://…); credentials name their status list under it
                  (default: the listening address; set it when listening on 0.0.0.0 behind a name or a proxy)
  --check-threads N  worker threads verifying signatures (default: one per core)
  --trust-proxy P take the client address from X-Forwarded-For when the connection comes from P: true (any), or a
                  comma-separated list of addresses/CIDRs (e.g. 10.0.0.0/8,loopback); default off (header ignored).
                  Per-address limits (sign-in, submitted transactions) key on that address. Also MACHI_TRUST_PROXY
  --tx-rate-limit N  transactions one client address may submit per minute
                  (default ${TXS_PER_ADDRESS_PER_MINUTE_DEFAULT}; 0: no limit). Also MACHI_TX_RATE_LIMIT
  --demo          on first start, create demo accounts (and a fictitious community on the property company's node)
  --mqtt URL      devices: be a client of this MQTT broker (mqtt://host:1883) instead of running the embedded one
                  (whose address is printed; MACHI_MQTT_PORT fixes its port). Also MACHI_MQTT
  --store URL     keep the ledger in PostgreSQL: postgres://user@host:port/database[?schema=NAME] (default schema
                  machi_<org>, so several nodes share one server); recorded in DIR/store-url on first start. Default:
                  SQLite in DIR/ledger.db. Also MACHI_STORE
  --log FORMAT    text (default) or json: every log line a JSON object (pino) on stderr, with one line per API request
                  carrying its id (reqId; the X-Request-Id a client sent, else a fresh one). Also MACHI_LOG

A node restored from a backup (DIR/${RESTORED_FILE}, left by "machi restore") votes only once synced with its peers,
if the newest commits show no signature of its organisation made after the backup, and only above the head it saw:
  --double-sign-check-heights N  how many of the newest commits to search (default ${DOUBLE_SIGN_CHECK_HEIGHTS})
  --ignore-double-sign-check     vote even if they show one (only once the original node is stopped for good)`,
    options: {
      'double-sign-check-heights': { type: 'string' }, 'ignore-double-sign-check': { type: 'boolean' },
      data: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, genesis: { type: 'string' },
      listen: { type: 'string' }, peers: { type: 'string' }, 'check-threads': { type: 'string' }, demo: { type: 'boolean' }, 'public-url': { type: 'string' },
      'trust-proxy': { type: 'string' }, 'tx-rate-limit': { type: 'string' }, mqtt: { type: 'string' }, store: { type: 'string' }, log: { type: 'string' },
    },
    longRunning: true,
    async run(v) {
      const dir = str(v, 'data', DEFAULT_DATA_DIR);
      // every option checked before anything is written: a refused command leaves no data directory behind
      const apiPort = port(v, DEFAULT_PORT);
      const host = str(v, 'host', '127.0.0.1');
      const listen = parseHostPort(str(v, 'listen', `${host}:${apiPort === 0 ? 0 : apiPort + P2P_PORT_OFFSET}`), '--listen');
      const peers = v.peers === undefined ? [] : String(v.peers).split(',').filter(Boolean).map((p) => { parseHostPort(p, '--peers'); return p; });
      const threads = v['check-threads'] === undefined ? {} : { checkThreads: positiveInt(String(v['check-threads']), '--check-threads') };
      const publicUrl = v['public-url'] === undefined ? {} : { publicUrl: httpUrl(String(v['public-url']), '--public-url') };
      // the API reads these when it is built (startNode passes no API options through)
      if (v['trust-proxy'] !== undefined) process.env.MACHI_TRUST_PROXY = checked(() => parseTrustProxy(String(v['trust-proxy'])), String(v['trust-proxy']));
      if (v['tx-rate-limit'] !== undefined) process.env.MACHI_TX_RATE_LIMIT = checked(() => parseTxRateLimit(String(v['tx-rate-limit'])), String(v['tx-rate-limit']));
      if (v.mqtt !== undefined) process.env.MACHI_MQTT = checked(() => mqttUrl(String(v.mqtt)), String(v.mqtt));
      const logFormat = str(v, 'log', process.env.MACHI_LOG ?? 'text');
      if (logFormat !== 'text' && logFormat !== 'json') throw new CliError(`--log must be text or json, got "${logFormat}"`);
      const store = typeof v.store === 'string' ? v.store : process.env.MACHI_STORE;
      if (store !== undefined && store !== '' && store !== 'sqlite') {
        try {
          parsePgUrl(store, 'machi');
        } catch (e) {
          throw new CliError((e as Error).message);
        }
      }
      if (v.genesis === undefined) initDataDir(dir);
      const running = await startNode({
        dir,
        genesisFile: v.genesis as string | undefined,
        port: apiPort,
        host,
        listen,
        peers,
        ...threads,
        ...publicUrl,
        demo: v.demo === true,
        store,
        logFormat,
        ...(v['double-sign-check-heights'] === undefined ? {} : { doubleSignCheckHeights: positiveInt(String(v['double-sign-check-heights']), '--double-sign-check-heights') }),
        ignoreDoubleSignCheck: v['ignore-double-sign-check'] === true,
      });
      process.stdout.write(`machi node "${running.node.self.id}" of chain ${running.node.genesis.chainId} at height ${running.node.head.height}\n`);
      process.stdout.write(`API: ${running.url}   (data: ${dir})\n`);
      if (running.p2pAddress !== undefined) process.stdout.write(`P2P: ${running.p2pAddress}\n`);
      const stop = (): void => {
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return 0;
    },
  },

  genesis: {
    usage: 'genesis --orgs ID,ID,… --out DIR [--chain-id ID] [--hosted ID,… [--host ID]]',
    summary: 'create keys for each organisation and the shared genesis file',
    help: `Creates a consortium: for each organisation id, a key in DIR/<id>/${KEY_FILE} (mode 600; give each org its own
directory and nothing else) and the shared genesis file in DIR/genesis.json (copied into every org directory). Every
organisation is a validator with voting power 1; edit the genesis before any node starts to change that.

Options:
  --orgs ID,…     organisation ids, e.g. street-office,property-company,power-company,auditor
  --out DIR       where to write (must not hold a genesis yet)
  --chain-id ID   the chain id (default: machi-<random>)
  --hosted ID,…   member organisations without voting power whose keys another organisation's node holds
                  (DIR/<host>/hosted/<id>/${KEY_FILE}): departments that run no node of their own
  --host ID       the organisation whose node holds them (default ${DEPARTMENT_HOST}; one of --orgs)`,
    options: { orgs: { type: 'string' }, out: { type: 'string' }, 'chain-id': { type: 'string' }, hosted: { type: 'string' }, host: { type: 'string' } },
    async run(v, pos) {
      const ids = [...String(v.orgs ?? '').split(','), ...pos].map((s) => s.trim()).filter(Boolean);
      if (ids.length === 0 || typeof v.out !== 'string') throw new CliError('usage: machi genesis --orgs ID,ID,… --out DIR');
      let genesis;
      try {
        const hostedIds = String(v.hosted ?? '').split(',').map((x) => x.trim()).filter(Boolean);
        const hosted = hostedIds.length === 0 ? undefined : { host: typeof v.host === 'string' ? v.host : DEPARTMENT_HOST, orgs: hostedIds };
        genesis = createConsortium(v.out, ids, { ...(typeof v['chain-id'] === 'string' ? { chainId: v['chain-id'] } : {}), hosted });
      } catch (e) {
        throw new CliError(isMachiError(e) ? e.message : (e as Error).message);
      }
      process.stdout.write(`genesis of chain ${genesis.chainId} with ${ids.length} organisations in ${join(v.out, GENESIS_FILE)}\n`);
      for (const o of genesis.orgs) {
        const where = o.power === 0 ? `${join(v.out, typeof v.host === 'string' ? v.host : DEPARTMENT_HOST, HOSTED_DIR, o.id)}/ (hosted, no vote)` : `${join(v.out, o.id)}/`;
        process.stdout.write(`  ${o.id.padEnd(24)} ${where}  key ${o.publicKey}\n`);
      }
      return 0;
    },
  },

  up: {
    usage: 'up [--orgs N] [--data DIR] [--port P]',
    summary: 'run a local consortium: N organisations, one node process each',
    help: `Runs a local consortium of N organisations (default 4) on this machine, one node process per organisation,
each with its own key and data directory DIR/<org> (default DIR ${DEFAULT_DATA_DIR}), talking over loopback.
Node i serves its API on port P+i (default P ${DEFAULT_PORT}) and its peer link on P+${P2P_PORT_OFFSET}+i. Creates the
consortium on first run. Ctrl-C stops all nodes.

Options:
  --orgs N     number of organisations (1-${DEFAULT_CONSORTIUM.length}; only on first run)
  --data DIR   consortium directory (default ${DEFAULT_DATA_DIR})
  --port P     first API port (default ${DEFAULT_PORT})
  --no-demo    no demo accounts and community (they are created on first run otherwise)
  --store URL  keep every node's ledger in this PostgreSQL database (postgres://user@host:port/database), each
               node in its own schema machi_<org>; only on first run. Default: SQLite per node`,
    options: { orgs: { type: 'string' }, data: { type: 'string' }, port: { type: 'string' }, 'no-demo': { type: 'boolean' }, store: { type: 'string' } },
    longRunning: true,
    async run(v) {
      const n = Number(str(v, 'orgs', '4'));
      if (!Number.isInteger(n) || n < 1 || n > DEFAULT_CONSORTIUM.length) throw new CliError(`--orgs must be 1..${DEFAULT_CONSORTIUM.length}`);
      const store = typeof v.store === 'string' ? v.store : undefined;
      if (store !== undefined && /[?&]schema=/.test(store)) throw new CliError('--store of machi up takes no schema: each node uses its own (machi_<org>)');
      await runConsortium({ dir: str(v, 'data', DEFAULT_DATA_DIR), orgs: n, port: port(v, DEFAULT_PORT), p2pOffset: P2P_PORT_OFFSET, demo: v['no-demo'] !== true, store });
      return 0;
    },
  },

  submit: {
    usage: 'submit <type> <payload.json | -> [--data DIR] [--node URL]',
    summary: "sign a transaction with DIR's org key, submit it, wait for the commit",
    help: `Signs a transaction of <type> (e.g. notary.record) whose payload is read from a JSON file or stdin ("-"),
with the org key in DIR, submits it to the node and waits until it is committed. Prints the tx hash and height.

Options:
  --data DIR   data directory holding org-key.json and genesis.json (default ${DEFAULT_DATA_DIR})
  --node URL   node API (default ${DEFAULT_NODE}; env MACHI_NODE)
  --json       print the receipt as JSON`,
    options: { data: { type: 'string' }, node: { type: 'string' }, json: { type: 'boolean' } },
    async run(v, pos) {
      const [type, payloadArg] = pos;
      if (type === undefined || payloadArg === undefined || pos.length > 2) throw new CliError('usage: machi submit <type> <payload.json | -> (see --help)');
      const text = payloadArg === '-' ? readFileSync(0, 'utf8') : readTextFile(payloadArg, 'payload file');
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        throw new CliError(`payload ${payloadArg === '-' ? '(stdin)' : payloadArg} is not valid JSON`);
      }
      const dd = openDataDir(str(v, 'data', DEFAULT_DATA_DIR));
      const tx: SignedTx = signTx(
        { chainId: dd.genesis.chainId, type, payload: payload as Record<string, unknown>, signer: dd.signer.publicKey, nonce: randomBytes(16).toString('hex'), time: Date.now() },
        dd.signer.sign,
      );
      const { json } = await http('POST', `${str(v, 'node', DEFAULT_NODE)}/v1/txs?wait=true`, tx);
      if (v.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      else process.stdout.write(`tx ${String(json.hash)} committed at height ${String(json.height)}\n`);
      if (json.code !== undefined) {
        process.stderr.write(`machi: the transaction is on the ledger but its handler rejected it: ${String(json.code)}: ${String(json.message)}\n`);
        return 1;
      }
      return 0;
    },
  },

  join: {
    usage: 'join --from <peer-url> [--data DIR] [--genesis FILE] [--store URL] [--key-only]',
    summary: "start a new organisation's node from a peer's snapshot instead of replaying every block",
    help: `Makes DIR a new organisation's node of an existing chain (docs/spec/membership.md#snapshots). Copies the genesis
file (--genesis) into DIR and creates the organisation's key there if absent (its public key is printed: the
validators admit it with consortium.propose / consortium.approve). Then fetches the newest snapshot the peer serves
(GET /v1/snapshot), verifies it with the genesis alone — the validator-set changes since genesis, each certified by
the set before it; the commit of the snapshot's block; the validators' checkpoints of more than 2/3 of the power
naming the block and the state digest; the log frontier against the header's log root — reads the state from the
peer checking its digest, and writes it with the replay window's blocks into DIR/ledger.db (or the PostgreSQL
schema of --store). Then start the node as usual ("machi start --data DIR --peers …"): it syncs the blocks after the
snapshot from its peers, and fetches the blocks before the snapshot's window in the background, newest first, each
verified against the chain of hashes leading to the snapshot's block (docs/spec/membership.md#history). Until that
is done, older receipts, blocks and proofs answer HISTORY_INCOMPLETE (503) and "machi verify" reports a partial
history; /v1/health shows how far back it reaches.

Options:
  --from URL     a node of the chain (its API)
  --data DIR     the new organisation's data directory (default ${DEFAULT_DATA_DIR}); its ledger must not exist yet
  --genesis FILE the chain's genesis file (copied into DIR; default DIR/genesis.json)
  --store URL    keep the ledger in PostgreSQL (postgres://user@host:port/database[?schema=NAME], as for "machi start";
                 recorded in DIR/store-url; the schema must hold no ledger yet)
  --key-only     create the key and print it; fetch nothing`,
    options: { from: { type: 'string' }, data: { type: 'string' }, genesis: { type: 'string' }, store: { type: 'string' }, 'key-only': { type: 'boolean' } },
    async run(v) {
      const dir = str(v, 'data', DEFAULT_DATA_DIR);
      mkdirSync(dir, { recursive: true });
      if (typeof v.genesis === 'string' && v.genesis !== join(dir, GENESIS_FILE)) copyFileSync(v.genesis, join(dir, GENESIS_FILE));
      if (!existsSync(join(dir, KEY_FILE))) writeKeyFile(join(dir, KEY_FILE), generateKeyPair().jwk);
      const dd = openDataDir(dir);
      process.stdout.write(`organisation key: ${dd.signer.publicKey}\n`);
      if (v['key-only'] === true) return 0;
      if (typeof v.from !== 'string') throw new CliError('--from <peer-url> is required');
      if (existsSync(join(dir, LEDGER_FILE))) throw new CliError(`${join(dir, LEDGER_FILE)} exists: a snapshot installs into a new data directory only`);
      const from = v.from.replace(/\/+$/, '');
      const started = Date.now();
      const { status, json } = await http('GET', `${from}/v1/snapshot`);
      if (status !== 200) throw new CliError(`the peer serves no snapshot (${status}: ${String(json.message ?? '')})`);
      const manifest = json as unknown as SnapshotManifest;
      // the organisation's id names its default PostgreSQL schema: from the member sets the snapshot proves
      let orgId = 'node';
      try {
        orgId = verifySnapshot(manifest, dd.genesis).sets.flatMap((s) => s.orgs).find((o) => o.publicKey === dd.signer.publicKey)?.id ?? 'node';
      } catch (e) {
        throw new CliError(`the snapshot does not verify: ${(e as Error).message}`);
      }
      let where: StoreLocation;
      let store: LedgerStore;
      try {
        where = storeLocation(dir, orgId, typeof v.store === 'string' ? v.store : undefined);
        store = openLedgerStore(where, { dir });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      if (store.height() !== 0 || store.logSize() !== 0) {
        store.close();
        throw new CliError(`${where.kind === 'postgres' ? `PostgreSQL schema ${where.schema}` : where.file} already holds a ledger: a snapshot installs into a new one only`);
      }
      let res: Response;
      try {
        res = await fetch(`${from}/v1/snapshot/state?height=${manifest.height}`);
      } catch (e) {
        store.close();
        throw new CliError(`cannot fetch the snapshot's state: ${(e as Error).message}`);
      }
      if (!res.ok || res.body === null) {
        store.close();
        throw new CliError(`cannot fetch the snapshot's state (${res.status})`);
      }
      const { Readable } = await import('node:stream');
      if (where.kind === 'postgres') process.stdout.write(`store: PostgreSQL ${redact(where.connectionString)} schema ${where.schema}\n`);
      try {
        const r = await installSnapshot(store, dd.genesis, manifest, readStateLines(Readable.fromWeb(res.body as never)));
        store.setMeta('genesis_hash', (await import('@machi/core')).genesisHash(dd.genesis));
        const set = memberSetAt(dd.genesis.orgs, (k) => store.read(k), r.height + 1);
        const me = set.orgs.find((o) => o.publicKey === dd.signer.publicKey);
        process.stdout.write(`snapshot at height ${r.height} (block ${r.blockHash.slice(0, 12)}…, ${r.entries} state entries, epoch ${set.epoch}) verified: checkpoints by ${r.attestedBy.join(', ')}; installed in ${Date.now() - started} ms\n`);
        process.stdout.write(me === undefined
          ? 'this organisation is not a member yet: the validators must admit its key before its node can start\n'
          : `this organisation is ${me.id} (power ${me.power}): start it with "machi start --data ${dir} --peers …"\n`);
      } catch (e) {
        store.close();
        const { rmSync } = await import('node:fs');
        if (where.kind === 'sqlite') {
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${where.file}${suffix}`, { force: true });
        } else if (where.unrecorded === true) {
          rmSync(join(dir, STORE_URL_FILE), { force: true });
        }
        await res.body.cancel().catch(() => {});
        const left = where.kind === 'postgres' && store.height() > 0 ? ` (PostgreSQL schema ${where.schema} holds part of it: drop it before trying again)` : '';
        throw new CliError(`the snapshot does not install: ${(e as Error).message}${left}`);
      }
      store.close();
      return 0;
    },
  },

  verify: {
    usage: 'verify <DIR> [--genesis FILE]',
    summary: 're-check every stored block; exit 1 at the first bad one',
    help: `Re-checks every block in DIR's ledger (DIR/ledger.db, or the PostgreSQL schema recorded in DIR/store-url)
against DIR/genesis.json: hash chain, transaction signatures, tx Merkle roots, log roots, the app-state hash chain
(by re-executing every transaction), commit signatures, and each transaction's stored result code (what its receipt
says) against the re-executed one.
Prints "ok: N blocks, M txs", or the first bad block and why and exits 1. Safe while the node runs. A joined node
that has not re-derived its older transactions' results yet: those are not compared ("K results not re-derived yet").
A node joined from a snapshot ("machi join") that has not fetched all the older blocks yet: prints "partial: …"
with the lowest block it holds, checks what needs no earlier state (hash links, commit certificates, tx roots, log
nodes) and exits 3; once the history is complete it re-executes the whole chain like any node.`,
    options: { genesis: { type: 'string' } },
    async run(v, pos) {
      const [dir] = pos;
      if (dir === undefined || pos.length > 1) throw new CliError('usage: machi verify <DIR>');
      const genesisFile = str(v, 'genesis', join(dir, GENESIS_FILE));
      const { genesis } = openGenesisOnly(genesisFile);
      const where = storeLocation(dir, orgIdOf(dir, genesis));
      if (where.kind === 'sqlite' && !existsSync(where.file)) throw new CliError(`no ledger in ${dir} (${where.file} does not exist)`);
      let store;
      try {
        store = openLedgerStore(where, { readonly: true });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      // the re-executed state goes to a scratch file, not memory (a chain of any length), deleted after
      const scratchDir = mkdtempSync(join(tmpdir(), 'machi-verify-'));
      const scratch = new SqliteReplayStore(join(scratchDir, REPLAY_SCRATCH_FILE));
      try {
        const r = verifyStore(store, genesis, scratch);
        if (r.ok && r.from !== undefined) {
          process.stdout.write(`partial: ${r.blocks} blocks (${r.from} to ${r.from + r.blocks - 1}), ${r.txs} txs: hash links, commits, tx roots and log nodes check; `
            + `history reaches back to block ${r.from} (joined from a snapshot at ${r.snapshotHeight}; the node fetches the older blocks while it runs), so nothing was re-executed\n`);
          return 3;
        }
        if (r.ok) {
          const skipped = r.resultsSkipped === undefined ? '' : ` (${r.resultsSkipped} results not re-derived yet, not compared)`;
          process.stdout.write(`ok: ${r.blocks} blocks, ${r.txs} txs${skipped}\n`);
          return 0;
        }
        process.stdout.write(`bad block ${r.height}: ${r.reason}\n`);
        process.stderr.write(`machi: verification failed at block ${r.height} (${r.blocks} blocks before it are good)\n`);
        return 1;
      } finally {
        store.close();
        scratch.close();
        rmSync(scratchDir, { recursive: true, force: true });
      }
    },
  },

  proof: {
    usage: 'proof <txhash> [--node URL]',
    summary: 'print the proof bundle of a committed transaction',
    help: `Fetches the proof bundle of a committed transaction from the node and prints it as JSON. Check it offline with
"machi verify-proof <bundle.json> --genesis <genesis.json>".

Options:
  --node URL   node API (default ${DEFAULT_NODE}; env MACHI_NODE)`,
    options: { node: { type: 'string' } },
    async run(v, pos) {
      const [hash] = pos;
      if (hash === undefined || pos.length > 1) throw new CliError('usage: machi proof <txhash>');
      if (!HASH_RE.test(hash)) throw new CliError(`"${hash}" is not a transaction hash (64 lowercase hex characters)`);
      const { json } = await http('GET', `${str(v, 'node', DEFAULT_NODE)}/v1/txs/${hash}/proof`);
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return 0;
    },
  },

  'verify-proof': {
    usage: 'verify-proof <bundle.json> --genesis <genesis.json>',
    summary: 'check a proof bundle offline; prints "valid" or the reason',
    help: `Checks a proof bundle with nothing but the genesis file: the transaction and its signature, its RFC 9162
inclusion proof against the block header's log root, and the commit signatures of more than 2/3 of the validators.
Exit 0 and "valid: ..." only if everything checks; otherwise "invalid: <field>: <reason>" and exit 1.`,
    options: { genesis: { type: 'string' } },
    async run(v, pos) {
      const [file] = pos;
      if (file === undefined || pos.length > 1) throw new CliError('usage: machi verify-proof <bundle.json> --genesis <genesis.json>');
      if (typeof v.genesis !== 'string') throw new CliError('--genesis <genesis.json> is required');
      const bundle = file === '-' ? parseJsonText(readFileSync(0, 'utf8'), 'bundle (stdin)') : readJsonFile(file, 'bundle');
      const { genesis } = openGenesisOnly(v.genesis);
      try {
        const r = verifyBundle(bundle, genesis);
        process.stdout.write(`valid: tx ${r.txHash} is at log position ${r.leafIndex} in block ${r.height}, certified by ${r.signedBy.join(', ')}\n`);
        return 0;
      } catch (e) {
        if (isMachiError(e) && e.code === 'BUNDLE_INVALID') {
          process.stdout.write(`invalid: ${e.message}\n`);
          return 1;
        }
        throw e;
      }
    },
  },
  key: {
    usage: 'key rotate [--data DIR] [--node URL] [--member ORG]',
    summary: "rotate the organisation's key (or a hosted member's) by the consortium's decision",
    help: `Rotates the key of DIR's organisation (docs/spec/membership.md#key-rotation): makes the next key pair in
DIR/${NEXT_KEY_FILE} (mode 600; kept if it is there already, e.g. after a refused attempt), then submits the
consortium.propose of a rotate-key change, signed with the current key, to the node (its own node, --node) and waits
for the commit. The other validators approve it ("machi submit consortium.approve" with {"proposal":"<id>"}). Once
validators with more than 2/3 of the power approved it in block h, the new key is in force from block h + 2: the
node switches to it by itself at that height (votes, transactions and peer links from then on; no restart) and
promotes the file to ${KEY_FILE}; the old public key is listed in DIR/retired-keys.json, its private key dropped.
A node stopped meanwhile does the same when it starts. Back up DIR again after the switch.

With --member ORG, rotates the key of ORG, a member organisation whose key DIR's node hosts
(DIR/${HOSTED_DIR}/ORG/${KEY_FILE}; docs/decisions/0001-hosted-departments.md): the next key goes to
DIR/${HOSTED_DIR}/ORG/${NEXT_KEY_FILE} and the proposal is signed with DIR's organisation's key (a hosted member has
no voting power and cannot propose); the host's node switches ORG's signer at the height the change takes effect and
promotes the files in DIR/${HOSTED_DIR}/ORG/ the same way.

Options:
  --data DIR     the organisation's data directory (default ${DEFAULT_DATA_DIR}); with --member, the host's
  --node URL     node API (default ${DEFAULT_NODE}; env MACHI_NODE)
  --member ORG   rotate the key of the hosted member ORG instead of DIR's organisation's`,
    options: { data: { type: 'string' }, node: { type: 'string' }, member: { type: 'string' } },
    async run(v, pos) {
      if (pos.length !== 1 || pos[0] !== 'rotate') throw new CliError('usage: machi key rotate [--data DIR] [--node URL] [--member ORG]');
      const dir = str(v, 'data', DEFAULT_DATA_DIR);
      const node = str(v, 'node', DEFAULT_NODE);
      const member = typeof v.member === 'string' ? v.member : undefined;
      const dd = openDataDir(dir);
      // the key folder rotated: DIR's own, or the hosted member's in it
      const keyDir = member === undefined ? dir : hostedKeyDir(dir, member);
      let current: string;
      if (member === undefined) current = dd.signer.publicKey;
      else {
        const hosted = loadHostedSigners(dir, dd.genesis).get(member);
        if (hosted === undefined) throw new CliError(`${dir} hosts no key of ${member} (${join(keyDir, KEY_FILE)})`);
        current = hosted.publicKey;
      }
      const { json: set } = await http('GET', `${node}/v1/consortium`);
      const org = (set.orgs as { id: string; publicKey: string; power: number }[]).find((o) => o.publicKey === current);
      if (org === undefined) throw new CliError(`the key in ${join(keyDir, KEY_FILE)} is not a member of the chain's current set (has it been rotated already?)`);
      const next = pendingKeyOrNew(keyDir);
      const epoch = set.epoch as number;
      const tx = signTx({
        chainId: dd.genesis.chainId, type: 'consortium.propose', payload: { epoch, change: { op: 'rotate-key', org: org.id, publicKey: next.publicKey } },
        signer: dd.signer.publicKey, nonce: randomBytes(16).toString('hex'), time: Date.now(),
      }, dd.signer.sign);
      process.stdout.write(`next key of ${org.id}: ${next.publicKey} (${join(keyDir, NEXT_KEY_FILE)})\n`);
      const { json } = await http('POST', `${node}/v1/txs?wait=true`, tx);
      if (json.code !== undefined) {
        process.stderr.write(`machi: the proposal is on the ledger but was refused: ${String(json.code)}: ${String(json.message)}\n`);
        return 1;
      }
      process.stdout.write(`proposal ${String(json.hash)} committed at height ${String(json.height)} (epoch ${epoch}); the other validators approve it with\n`);
      process.stdout.write(`  echo '{"proposal":"${String(json.hash)}"}' | machi submit consortium.approve - --data THEIR_DIR --node THEIR_NODE\n`);
      return 0;
    },
  },

  backup: {
    usage: 'backup <DIR> <OUT>',
    summary: "online backup of a node's data directory into the new folder OUT",
    help: `Backs up the node whose data directory is DIR into OUT (a new or empty folder), while it runs: the SQLite
files (ledger.db, private.db) with SQLite's online backup API, a PostgreSQL ledger with pg_dump (one consistent
snapshot of the node's schema), and every other file of DIR (genesis, keys, kek.key, auth secret) as is. OUT is as
secret as DIR. Prints the height of the ledger in the backup. Restore with "machi restore OUT NEWDIR".`,
    options: {},
    async run(_v, pos) {
      const [dir, out] = pos;
      if (dir === undefined || out === undefined || pos.length > 2) throw new CliError('usage: machi backup <DIR> <OUT>');
      const { genesis } = openGenesisOnly(join(dir, GENESIS_FILE));
      let m;
      try {
        m = await backupNode(dir, out, orgIdOf(dir, genesis));
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      process.stdout.write(`backup of ${dir} in ${out}: ${m.store} ledger at height ${m.height}, ${m.databases.length} SQLite file(s), ${m.files.length} other file(s)\n`);
      return 0;
    },
  },

  restore: {
    usage: 'restore <BACKUP> <DIR> [--store URL]',
    summary: 'restore a backup into the new data directory DIR',
    help: `Restores a backup made by "machi backup" into DIR (a new or empty folder). A PostgreSQL ledger is loaded with
psql into the schema of --store (postgres://user@host:port/database?schema=NAME; default: the database and schema it
was taken from), which must hold no ledger yet. Then check it with "machi verify DIR" and start the node with
"machi start --data DIR …": it catches up from its peers. It votes only once the newest commits show no signature of
its organisation made after the backup (DIR/${RESTORED_FILE}; see "machi start --help"): a running original makes it
refuse to vote. Stop the original before you restore.

Options:
  --store URL   where a PostgreSQL ledger goes (see above)`,
    options: { store: { type: 'string' } },
    async run(v, pos) {
      const [from, dir] = pos;
      if (from === undefined || dir === undefined || pos.length > 2) throw new CliError('usage: machi restore <BACKUP> <DIR> [--store URL]');
      const { genesis } = openGenesisOnly(join(from, GENESIS_FILE));
      try {
        const m = restoreNode(from, dir, orgIdOf(from, genesis), typeof v.store === 'string' ? v.store : undefined);
        process.stdout.write(`restored ${from} into ${dir}: ${m.store} ledger at height ${m.height} (backup of ${m.time})\n`);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      return 0;
    },
  },
  devices: devicesCommand,
  property: propertyCommand,
};

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} wants a positive integer, got "${text}"`);
  return n;
}

function parseHostPort(text: string, flag: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const host = text.slice(0, i);
  const p = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(p) || p < 0 || p > 65535) throw new CliError(`${flag} wants host:port, got "${text}"`);
  return { host, port: p };
}

function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`cannot read ${what} ${path}`);
  }
}

function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${what} is not valid JSON`);
  }
}

/** The organisation whose key DIR holds (for its default PostgreSQL schema); "node" when DIR has no key. */
function orgIdOf(dir: string, genesis: Genesis): string {
  const keyFile = join(dir, KEY_FILE);
  if (!existsSync(keyFile)) return 'node';
  const pub = (readJsonFile(keyFile, 'org key') as { x?: string }).x;
  // a rotated organisation: its genesis key is among the retired ones
  const keys = [pub, ...retiredKeys(dir)];
  return genesis.orgs.find((o) => keys.includes(o.publicKey))?.id ?? 'node';
}

function openGenesisOnly(path: string) {
  const raw = readJsonFile(path, 'genesis file');
  try {
    return { genesis: parseGenesis(raw) };
  } catch (e) {
    if (isMachiError(e)) throw new CliError(`${path}: ${e.message}`);
    throw e;
  }
}
