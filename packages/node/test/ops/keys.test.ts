/**
 * Key rotation on the node and of a member it hosts (`machi key rotate [--member]`), and the restored node's
 * double-sign check with what /v1/health, /v1/consensus and /metrics show of it, in one process: four real nodes and
 * consensus drivers (wireNode, as `machi start` wires them) on in-memory stores over an in-memory mesh, each
 * organisation's key files in a temp data directory (v0 hosting a power-0 member). docs/spec/membership.md#key-rotation,
 * docs/spec/membership.md#hosted-members-keys, docs/spec/storage.md#backup-and-restore
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair, signTx, signerFromJwk, type Ed25519Jwk, type Genesis, type SignedTx, type Signer } from '@machi/core';
import type { PeerTransport } from '../../src/consensus/transport.js';
import { InlineChecker } from '../../src/node/checker.js';
import { KEY_FILE, createConsortium, hostedKeyDir, loadHostedSigners, openDataDir, writeKeyFile } from '../../src/node/datadir.js';
import { KeyRing, NEXT_KEY_FILE, RETIRED_KEYS_FILE, genesisOrgOf, retiredKeys } from '../../src/node/keys.js';
import { HostedKeys } from '../../src/node/hosted-keys.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import { commands } from '../../src/cli/commands.js';
import { consortiumNodeModule } from '../../src/modules/consortium/index.js';
import type { ModuleContext } from '../../src/modules/contract.js';
import { RESTORED_FILE, RestoreCheck, ownSignaturesAbove, restoreMarker, votingView, writeRestoreMarker } from '../../src/node/restore-check.js';
import { buildServer } from '../../src/api/server.js';
import { wireNode, type Wired } from '../../src/node/start.js';
import { MemoryDisk, MemoryStore } from '../../src/storage/memory.js';

const ORGS = ['v0', 'v1', 'v2', 'v3'];
const TIMEOUTS = { proposeMs: 300, proposeDeltaMs: 100, prevoteMs: 150, prevoteDeltaMs: 50, precommitMs: 150, precommitDeltaMs: 50 };

type Listener = (peer: { publicKey: string; orgId: string }, message?: unknown) => void;

/** A full mesh in memory: each message delivered to every other member on a later turn, as a copy. */
class Mesh {
  readonly members = new Map<string, { message: Listener[]; up: Listener[] }>();
  join(org: string): PeerTransport {
    const me = { message: [] as Listener[], up: [] as Listener[] };
    this.members.set(org, me);
    const deliver = (to: string, message: unknown): boolean => {
      const m = this.members.get(to);
      if (m === undefined || this.members.get(org) !== me) return false;
      const copy = JSON.parse(JSON.stringify(message)) as unknown;
      setImmediate(() => { for (const l of m.message) l({ publicKey: org, orgId: org }, copy); });
      return true;
    };
    const t = {
      broadcast: (message: unknown) => [...this.members.keys()].filter((k) => k !== org).filter((k) => deliver(k, message)).length,
      send: (peer: string, message: unknown) => deliver(peer, message),
      disconnect: () => {},
      on: (event: 'message' | 'peer-up', l: Listener) => {
        (event === 'message' ? me.message : me.up).push(l);
        return t;
      },
    };
    // the others learn of the newcomer (and it of them) as links come up
    setImmediate(() => {
      for (const [k, m] of this.members) {
        if (k === org) continue;
        for (const l of m.up) l({ publicKey: org, orgId: org });
        for (const l of me.up) l({ publicKey: k, orgId: k });
      }
    });
    return t as PeerTransport;
  }
}

let root: string;
let genesis: Genesis;
const mesh = new Mesh();
const disks = new Map<string, MemoryDisk>();
const nodes = new Map<string, Wired & { ring: KeyRing; log: string[]; hosted: HostedKeys }>();
/** the member whose key v0's node hosts (power 0, docs/decisions/0001-hosted-departments.md) */
const HOSTED = 'housing-bureau';

/** Starts (or restarts, on the same disk and data directory) an organisation's node, as startNode wires it. */
function start(org: string): void {
  nodes.get(org)?.consensus.close();
  nodes.get(org)?.hosted.close();
  const dir = join(root, org);
  const dd = openDataDir(dir);
  const ring = new KeyRing(dd.signer, dir);
  const found = genesisOrgOf(genesis, dir, dd.signer.publicKey);
  const disk = disks.get(org) ?? new MemoryDisk();
  disks.set(org, disk);
  const log: string[] = [];
  const w = wireNode({
    genesis, signer: ring, store: new MemoryStore(disk), checker: new InlineChecker(genesis), net: mesh.join(org), timeouts: TIMEOUTS,
    log: (l) => log.push(l), ...(found?.rotated === true ? { orgId: found.org.id } : {}),
  });
  // as startNode does: the hosted members' keys, loaded once, following their rotations (v0 hosts one)
  const hosted = new HostedKeys(w.node, dir, (l) => log.push(l));
  nodes.set(org, { ...w, ring, log, hosted });
}

const node = (org: string) => nodes.get(org)!.node;
const keyOf = (org: string): Signer => signerFromJwk(JSON.parse(readFileSync(join(root, org, KEY_FILE), 'utf8')) as Ed25519Jwk);
const sign = (s: Signer, type: string, payload: Record<string, unknown>): SignedTx =>
  signTx({ chainId: genesis.chainId, type, payload, signer: s.publicKey, nonce: randomBytes(16).toString('hex'), time: Date.now() }, s.sign);

async function commit(tx: SignedTx, at = 'v0'): Promise<{ height: number; code?: string; hash: string }> {
  const [o] = await node(at).submit([tx]);
  if (!o!.ok) throw new Error(`${o!.code}: ${o!.message}`);
  const r = await node(at).waitCommitted(o!.hash, 20_000);
  return { height: r.height!, hash: r.hash, ...(r.code === undefined ? {} : { code: r.code }) };
}

const note = (s: Signer) => sign(s, 'notary.record', { hash: randomBytes(32).toString('hex'), label: 'test record' });

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'machi-keys-'));
  genesis = createConsortium(root, ORGS, { chainId: 'keys-test', hosted: { host: 'v0', orgs: [HOSTED] } });
  for (const o of ORGS) start(o);
});

afterAll(async () => {
  for (const n of nodes.values()) {
    n.hosted.close();
    n.consensus.close();
    await n.node.close();
  }
  rmSync(root, { recursive: true, force: true });
});

describe('key rotation on the node', () => {
  let oldKey: Signer;
  let nextKey: string;

  it('the pending key waits in the data directory; a node restarted before the decision keeps signing with the old key', async () => {
    await commit(note(keyOf('v0')));
    oldKey = keyOf('v2');
    // what `machi key rotate` does: the next key pair as pending, then the proposal signed with the current key
    const kp = generateKeyPair();
    writeKeyFile(join(root, 'v2', NEXT_KEY_FILE), kp.jwk);
    nextKey = kp.publicKey;
    const p = await commit(sign(oldKey, 'consortium.propose', { epoch: 0, change: { op: 'rotate-key', org: 'v2', publicKey: nextKey } }), 'v2');
    expect(p.code).toBeUndefined();
    start('v2');
    expect(node('v2').signingKey).toBe(oldKey.publicKey);
    expect(nodes.get('v2')!.ring.publicKey).toBe(oldKey.publicKey);
    // the others approve: > 2/3 of the power with the proposer's
    for (const o of ['v0', 'v1']) expect((await commit(sign(keyOf(o), 'consortium.approve', { proposal: p.hash }))).code).toBeUndefined();
  }, 60_000);

  it('at the height the change takes effect the node signs with the new key: its precommits count, the files are promoted', async () => {
    await until('the rotation in force on every node', async () => {
      if (ORGS.every((o) => node(o).orgs.get(nextKey)?.id === 'v2')) return true;
      await commit(note(keyOf('v0')));
      return false;
    });
    expect(node('v2').signingKey).toBe(nextKey);
    expect(nodes.get('v2')!.ring.publicKey).toBe(nextKey);
    expect(keyOf('v2').publicKey).toBe(nextKey);
    expect(existsSync(join(root, 'v2', NEXT_KEY_FILE))).toBe(false);
    expect(retiredKeys(join(root, 'v2'))).toEqual([oldKey.publicKey]);
    // v2 keeps voting: its precommit under the new key is in a later commit certificate
    await until('a commit with v2\'s new key', async () => {
      const c = await commit(note(keyOf('v0')));
      return node('v0').store.getBlock(c.height)!.commit.signatures.some((s) => s.validator === nextKey);
    });
    expect(nodes.get('v2')!.log.join('\n')).toMatch(/key rotation: v2 signs with its new key/);
    // transactions signed with the old key are refused; the node's own (the ring) go through
    const [refused] = await node('v0').submit([note(oldKey)]);
    expect(refused).toMatchObject({ ok: false, code: 'TX_UNKNOWN_SIGNER' });
    expect((await commit(note(nodes.get('v2')!.ring), 'v2')).code).toBeUndefined();
  }, 90_000);

  it('restarted after the switch, the node finds its organisation by its retired key and votes with the new one', async () => {
    start('v2');
    expect(node('v2').self).toMatchObject({ id: 'v2', publicKey: nextKey, power: 1 });
    const before = node('v0').head.height;
    await until('a commit after the restart with v2\'s new key', async () => {
      const c = await commit(note(keyOf('v1')));
      return c.height > before && node('v0').store.getBlock(c.height)!.commit.signatures.some((s) => s.validator === nextKey);
    });
    expect(existsSync(join(root, 'v2', RETIRED_KEYS_FILE))).toBe(true);
  }, 60_000);
});

describe("a restored node's double-sign check", () => {
  const check = (org: string, signedUpTo: number, opts: { ignore?: boolean; peers?: Map<string, number>; alone?: boolean } = {}) => {
    const dir = join(root, org);
    writeRestoreMarker(dir, { restored: new Date().toISOString(), backupHeight: signedUpTo, signedUpTo });
    const allowed: number[] = [];
    const log: string[] = [];
    const c = new RestoreCheck({
      dir, marker: restoreMarker(dir)!, node: node(org), ownKeys: () => [keyOf(org).publicKey],
      consensus: { peerHeights: opts.peers ?? new Map([['x', node(org).head.height]]), votingAllowed: () => allowed.push(node(org).head.height) },
      log: (l) => log.push(l), ignore: opts.ignore === true, alone: opts.alone === true,
    });
    return { c, allowed, log, dir };
  };

  it('finds its own signatures above what the backup had signed in the newest commits', () => {
    const head = node('v3').head.height;
    expect(head).toBeGreaterThan(4);
    const found = ownSignaturesAbove(node('v3'), [keyOf('v3').publicKey], head - 4, 10);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((h) => h > head - 4)).toBe(true);
    expect(ownSignaturesAbove(node('v3'), [keyOf('v3').publicKey], head, 10)).toEqual([]);
    expect(ownSignaturesAbove(node('v3'), [generateKeyPair().publicKey], 0, 10)).toEqual([]);
  });

  it('refuses to vote when its key signed after the backup (its original runs), until told to ignore it', () => {
    const signedUpTo = Math.max(...ownSignaturesAbove(node('v3'), [keyOf('v3').publicKey], 0, 10)) - 1;
    const r = check('v3', signedUpTo);
    expect(r.c.mayVote(node('v3').head.height + 1)).toBe(false);
    r.c.poll();
    expect(r.c.state).toBe('refused');
    expect(r.c.mayVote(node('v3').head.height + 1)).toBe(false);
    expect(r.allowed).toEqual([]);
    expect(r.log.join('\n')).toMatch(/DOUBLE-SIGN CHECK FAILED: v3's key signed block/);
    const forced = check('v3', signedUpTo, { ignore: true });
    forced.c.poll();
    expect(forced.c.state).toBe('passed');
    expect(forced.log.join('\n')).toMatch(/voting anyway/);
  });

  it('shows operators whether it votes: /v1/health (degraded when refused), /v1/consensus and the machi_voting_state gauge', async () => {
    const ownHeights = ownSignaturesAbove(node('v3'), [keyOf('v3').publicKey], 0, 10);
    const signedUpTo = Math.min(...ownHeights) - 1;
    const head = node('v3').head.height;
    const peers = new Map([['x', head + 3]]);
    const r = check('v3', signedUpTo, { peers });
    const app = await buildServer(node('v3'), { consensus: nodes.get('v3')!.consensus, peers: () => [], voting: () => votingView(r.c), docs: false });
    const metric = async (state: string): Promise<number> => {
      const text = (await app.inject('/metrics')).body;
      const line = text.split('\n').find((l) => l.startsWith(`machi_voting_state{state="${state}"} `));
      return Number(line?.split(' ')[1]);
    };
    try {
      // behind its peers: checking, health still ok (it clears by itself)
      r.c.poll();
      let health = (await app.inject('/v1/health')).json();
      expect(health).toMatchObject({ status: 'ok', voting: 'checking', doubleSignCheck: { state: 'checking', signedUpTo, foundHeights: [], ignored: false } });
      expect(health.doubleSignCheck.reason).toMatch(new RegExp(`syncing \\(height ${head} of ${head + 3}\\)`));
      expect(await metric('checking')).toBe(1);
      expect(await metric('refused')).toBe(0);
      // caught up: its signatures above the backup are found, it refuses, health says degraded
      peers.set('x', head);
      r.c.poll();
      health = (await app.inject('/v1/health')).json();
      expect(health.status).toBe('degraded');
      expect(health.voting).toBe('refused');
      expect(health.doubleSignCheck.foundHeights).toEqual(ownSignaturesAbove(node('v3'), [keyOf('v3').publicKey], signedUpTo, 10));
      expect(health.doubleSignCheck.foundHeights.length).toBeGreaterThan(0);
      expect(health.doubleSignCheck.reason).toMatch(/v3's key signed blocks? .* after this backup/);
      expect(health.doubleSignCheck).not.toHaveProperty('voteFrom');
      const consensus = (await app.inject('/v1/consensus')).json();
      expect(consensus).toMatchObject({ voting: 'refused', doubleSignCheck: { state: 'refused', foundHeights: health.doubleSignCheck.foundHeights } });
      expect(await metric('refused')).toBe(1);
      expect(await metric('checking')).toBe(0);
      expect(await metric('allowed')).toBe(0);
      // with the flag: allowed, the heights found still shown
      const forced = check('v3', signedUpTo, { ignore: true });
      forced.c.poll();
      expect(votingView(forced.c)).toMatchObject({ voting: 'allowed', doubleSignCheck: { ignored: true, voteFrom: head + 1 } });
      expect(votingView(forced.c).doubleSignCheck!.foundHeights.length).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
    // a node not restored: allowed, no check shown
    const plain = await buildServer(node('v0'), { consensus: nodes.get('v0')!.consensus, peers: () => [], docs: false });
    try {
      const health = (await plain.inject('/v1/health')).json();
      expect(health).toMatchObject({ status: 'ok', voting: 'allowed' });
      expect(health).not.toHaveProperty('doubleSignCheck');
      expect((await plain.inject('/metrics')).body).toMatch(/^machi_voting_state\{state="allowed"\} 1$/m);
    } finally {
      await plain.close();
    }
  });

  it('waits for a peer and for the sync; then votes only above the head it saw, and drops the marker once past it', async () => {
    const head = node('v1').head.height;
    const none = check('v1', head, { peers: new Map() });
    none.c.poll();
    expect(none.c.state).toBe('checking');
    // a node without peers (a one-validator chain) has nobody to wait for
    const alone = check('v1', head, { peers: new Map(), alone: true });
    alone.c.poll();
    expect(alone.c.state).toBe('passed');
    const behind = check('v1', head, { peers: new Map([['x', head + 5]]) });
    behind.c.poll();
    expect(behind.c.state).toBe('checking');
    const r = check('v1', head);
    r.c.poll();
    expect(r.c.state).toBe('passed');
    expect(r.allowed).toEqual([head]);
    expect(r.c.mayVote(head)).toBe(false);
    expect(r.c.mayVote(head + 1)).toBe(true);
    expect(restoreMarker(r.dir)?.voteFrom).toBe(head + 1);
    await until('a block past the start-up head', async () => (await commit(note(keyOf('v0')))).height > head);
    r.c.poll();
    expect(existsSync(join(r.dir, RESTORED_FILE))).toBe(false);
  }, 30_000);
});

describe("a hosted member's key rotation on its host's node", () => {
  const hostDir = () => join(root, 'v0');
  const memberDir = () => hostedKeyDir(hostDir(), HOSTED);
  const hostedSigner = () => nodes.get('v0')!.hosted.signers.get(HOSTED)!;
  let genesisKey: string;
  let oldSigner: Signer;
  let nextKey: string;
  let proposal: string;

  it('`machi key rotate --member` makes the next key in the hosted folder and proposes it, signed by the host; restarted before the decision, the host still signs for the member with the old key', async () => {
    genesisKey = genesis.orgs.find((o) => o.id === HOSTED)!.publicKey;
    oldSigner = signerFromJwk(JSON.parse(readFileSync(join(memberDir(), KEY_FILE), 'utf8')) as Ed25519Jwk);
    expect(oldSigner.publicKey).toBe(genesisKey);
    expect(hostedSigner().publicKey).toBe(genesisKey);
    // the member signs here before the rotation (its staff's steps go through an OrgSubmitter like this one)
    expect((await new OrgSubmitter(node('v0'), hostedSigner()).submit('notary.record', { hash: randomBytes(32).toString('hex'), label: 'before' })).code).toBeUndefined();
    // the CLI against v0's API (the consortium module's routes and /v1/txs), as an operator runs it
    const consortium = await consortiumNodeModule.open({ node: node('v0'), submitter: new OrgSubmitter(node('v0'), nodes.get('v0')!.ring), dir: hostDir(), net: null, log: () => {} } as unknown as ModuleContext);
    const app = await buildServer(node('v0'), { docs: false, plugins: [consortium.plugin!] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { out.push(String(chunk)); return true; });
    let code: number;
    try {
      code = await commands.key!.run({ data: hostDir(), node: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, member: HOSTED }, ['rotate']);
    } finally {
      write.mockRestore();
      await app.close();
    }
    expect(code, out.join('')).toBe(0);
    const pending = JSON.parse(readFileSync(join(memberDir(), NEXT_KEY_FILE), 'utf8')) as Ed25519Jwk;
    nextKey = signerFromJwk(pending).publicKey;
    expect(out.join('')).toContain(`next key of ${HOSTED}: ${nextKey}`);
    proposal = /proposal ([0-9a-f]{64}) committed/.exec(out.join(''))![1]!;
    // the proposal is the host's (a power-0 member cannot propose), for the member's key
    const tx = node('v0').store.getTx(proposal)!;
    const body = JSON.parse(tx.body) as SignedTx;
    expect(body.signer).toBe(nodes.get('v0')!.ring.publicKey);
    expect(body.payload).toMatchObject({ change: { op: 'rotate-key', org: HOSTED, publicKey: nextKey } });
    // the host's own key is untouched
    expect(existsSync(join(hostDir(), NEXT_KEY_FILE))).toBe(false);
    start('v0');
    expect(hostedSigner().publicKey).toBe(genesisKey);
  }, 60_000);

  it("approved, the host switches the member's signer at the height it takes effect and promotes the files; the old key is refused", async () => {
    for (const o of ['v1', 'v3']) expect((await commit(sign(keyOf(o), 'consortium.approve', { proposal }), o)).code).toBeUndefined();
    await until('the rotation in force on every node', async () => {
      if (ORGS.every((o) => node(o).orgs.get(nextKey)?.id === HOSTED)) return true;
      await commit(note(keyOf('v1')), 'v1');
      return false;
    });
    expect(hostedSigner().publicKey).toBe(nextKey);
    expect(signerFromJwk(JSON.parse(readFileSync(join(memberDir(), KEY_FILE), 'utf8')) as Ed25519Jwk).publicKey).toBe(nextKey);
    expect(existsSync(join(memberDir(), NEXT_KEY_FILE))).toBe(false);
    expect(retiredKeys(memberDir())).toEqual([genesisKey]);
    expect(nodes.get('v0')!.log.join('\n')).toMatch(new RegExp(`key rotation: hosted member ${HOSTED} signs with its new key`));
    // the same signer object the modules hold now signs with the new key: its transactions commit
    const r = await new OrgSubmitter(node('v0'), hostedSigner()).submit('notary.record', { hash: randomBytes(32).toString('hex'), label: 'after' });
    expect(r.code).toBeUndefined();
    expect((JSON.parse(node('v0').store.getTx(r.hash)!.body) as SignedTx).signer).toBe(nextKey);
    // the old key signs nothing more
    const [refused] = await node('v0').submit([note(oldSigner)]);
    expect(refused).toMatchObject({ ok: false, code: 'TX_UNKNOWN_SIGNER' });
    // the host's own key did not move
    expect(nodes.get('v0')!.ring.publicKey).toBe(keyOf('v0').publicKey);
  }, 90_000);

  it("restarted after the switch, the host loads the member's new key (its genesis key retired) and signs with it", async () => {
    expect(loadHostedSigners(hostDir(), genesis).get(HOSTED)!.publicKey).toBe(nextKey);
    start('v0');
    expect(hostedSigner().publicKey).toBe(nextKey);
    expect((await new OrgSubmitter(node('v0'), hostedSigner()).submit('notary.record', { hash: randomBytes(32).toString('hex'), label: 'restarted' })).code).toBeUndefined();
  }, 60_000);

  it('a crash between retiring the old key and renaming the new file: the next start promotes again; a key in force it does not hold is said once; a foreign key is refused', () => {
    const out = mkdtempSync(join(tmpdir(), 'machi-hosted-'));
    try {
      const g = createConsortium(out, ['host'], { chainId: 'hosted-crash', hosted: { host: 'host', orgs: [HOSTED] } });
      const dir = join(out, 'host');
      const member = hostedKeyDir(dir, HOSTED);
      const k0 = g.orgs.find((o) => o.id === HOSTED)!.publicKey;
      const k1 = generateKeyPair();
      writeKeyFile(join(member, NEXT_KEY_FILE), k1.jwk);
      // as if the node had died inside promotePendingKey: the old key listed as retired, org-key.json not yet replaced
      writeFileSync(join(member, RETIRED_KEYS_FILE), JSON.stringify([k0]));
      // a node whose member set of the next height names k1 for the member (all HostedKeys reads of MachiNode)
      const orgs = new Map(g.orgs.map((o) => [o.id === HOSTED ? k1.publicKey : o.publicKey, o.id === HOSTED ? { ...o, publicKey: k1.publicKey } : o]));
      const fake = { genesis: g, orgs, head: { height: 7 }, on: () => fake, off: () => fake } as unknown as Wired['node'];
      const log: string[] = [];
      const hosted = new HostedKeys(fake, dir, (l) => log.push(l));
      expect(hosted.signers.get(HOSTED)!.publicKey).toBe(k1.publicKey);
      expect(signerFromJwk(JSON.parse(readFileSync(join(member, KEY_FILE), 'utf8')) as Ed25519Jwk).publicKey).toBe(k1.publicKey);
      expect(existsSync(join(member, NEXT_KEY_FILE))).toBe(false);
      expect(retiredKeys(member)).toEqual([k0]);
      // the set names a key this node does not hold: it keeps the one it has and says so, once
      const k2 = generateKeyPair().publicKey;
      orgs.clear();
      for (const o of g.orgs) orgs.set(o.id === HOSTED ? k2 : o.publicKey, o.id === HOSTED ? { ...o, publicKey: k2 } : o);
      hosted.follow();
      hosted.follow();
      expect(hosted.signers.get(HOSTED)!.publicKey).toBe(k1.publicKey);
      expect(log.filter((l) => l.includes('a key this node does not hold'))).toHaveLength(1);
      // a key that is neither the genesis key nor a rotation of it (no retired list naming the genesis key)
      rmSync(join(member, RETIRED_KEYS_FILE));
      expect(() => loadHostedSigners(dir, g)).toThrow(/not housing-bureau's key in the genesis/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
