/**
 * Snapshots for nodes that join late (docs/spec/consensus.md#snapshots). At every multiple of the snapshot interval a
 * node writes its state (every key and value, in key order) to `DIR/snapshots/<height>.jsonl` as the block commits,
 * with its digest; a validator's node signs a `consortium.checkpoint` naming (height, block hash, digest). A snapshot
 * is served (`GET /v1/snapshot`, `GET /v1/snapshot/state`) once validators with more than 2/3 of the power have
 * checkpointed it. `installSnapshot` is the joining side: verify the manifest with the genesis alone, read the state
 * checking its digest, and write the recent blocks and the state into an empty store.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  MerkleLog,
  NONCE_WINDOW_MS,
  SNAPSHOT_FORMAT,
  SNAPSHOT_INTERVAL_HEIGHTS,
  StateDigest,
  blockHash,
  consortiumCheckpointKey,
  fromHex,
  hashLeaf,
  memberSetAt,
  toHex,
  txHashOfCanonical,
  validatorsOfOrgs,
  verifySnapshot,
  type Genesis,
  type MerkleNode,
  type ProofBundle,
  type SnapshotBlock,
  type SnapshotManifest,
  type SnapshotVerdict,
} from '@machi/core';
import { SET_CHANGE_META, type MachiNode } from '../../node/node.js';
import { HISTORY_META, historyLogNodes, type HistoryProgress } from '../../node/history.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import type { LedgerStore, StateSnapshotReader, StoredBlock, StoredTx } from '../../storage/store.js';

/** Snapshots kept on disk (the newest ones); older files are deleted. */
export const SNAPSHOTS_KEPT = 2;
/** State entries read at once by the synchronous path (all of them). */
const SCAN_PAGE = 1 << 30;
/** State entries read per page from a state view, between which the node handles other work. */
export const SNAPSHOT_PAGE_ENTRIES = 2_000;

export interface TakenSnapshot {
  height: number;
  blockHash: string;
  stateDigest: string;
  entries: number;
}

/** MACHI_SNAPSHOT_INTERVAL: heights between snapshots (default SNAPSHOT_INTERVAL_HEIGHTS); every node of a chain uses the same. */
export function snapshotInterval(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.MACHI_SNAPSHOT_INTERVAL;
  if (v === undefined || v === '') return SNAPSHOT_INTERVAL_HEIGHTS;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error('MACHI_SNAPSHOT_INTERVAL must be a whole number of heights, 1 or more');
  return n;
}

export class Snapshots {
  readonly #dir: string;
  #taken: TakenSnapshot[] = [];

  constructor(
    private readonly node: MachiNode,
    private readonly submitter: OrgSubmitter | undefined,
    dataDir: string,
    private readonly interval: number,
    private readonly log: (line: string) => void,
  ) {
    this.#dir = join(dataDir, 'snapshots');
    mkdirSync(this.#dir, { recursive: true });
    for (const f of readdirSync(this.#dir)) {
      const m = /^(\d+)\.json$/.exec(f);
      if (m !== null && existsSync(join(this.#dir, `${m[1]}.jsonl`))) this.#taken.push(JSON.parse(readFileSync(join(this.#dir, f), 'utf8')) as TakenSnapshot);
    }
    this.#taken.sort((a, b) => a.height - b.height);
    node.on('block', (b) => this.#onBlock(b));
  }

  get taken(): readonly TakenSnapshot[] {
    return this.#taken;
  }

  #onBlock(b: StoredBlock): void {
    if (b.header.height % this.interval !== 0) return;
    // Where the store can hold a view of the state while later blocks commit, the snapshot is written from it in
    // pages between which the node goes on (a city's state takes seconds to read); else all at once, here.
    const reader = this.node.store.stateSnapshot?.();
    const taken = reader === undefined ? Promise.resolve(this.take(b)) : this.#takeInPages(b, reader);
    void taken.then((t) => {
      if (this.submitter !== undefined && this.node.validators.some((v) => v.publicKey === this.node.self.publicKey)) {
        return this.submitter.submit('consortium.checkpoint', { height: t.height, blockHash: t.blockHash, stateDigest: t.stateDigest });
      }
      return undefined;
    }).catch((e: unknown) => this.log(`snapshot at height ${b.header.height} not taken or not checkpointed: ${(e as Error).message}`));
  }

  /** Writes the state as of the block just committed (called synchronously from its 'block' event). */
  take(b: StoredBlock): TakenSnapshot {
    const w = this.#writer(b);
    try {
      w.add(this.node.store.scan('', SCAN_PAGE));
    } catch (e) {
      w.abort();
      throw e;
    }
    return w.finish();
  }

  /** The same from a state view opened as the block committed, SNAPSHOT_PAGE_ENTRIES at a time, yielding between pages. */
  async #takeInPages(b: StoredBlock, reader: StateSnapshotReader): Promise<TakenSnapshot> {
    const w = this.#writer(b);
    try {
      let after: string | undefined;
      for (;;) {
        const page = reader.page(after, SNAPSHOT_PAGE_ENTRIES);
        w.add(page);
        if (page.length < SNAPSHOT_PAGE_ENTRIES) break;
        after = page[page.length - 1]![0];
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      w.abort();
      throw e;
    } finally {
      reader.close();
    }
    return w.finish();
  }

  /** A snapshot file being written: entries in key order, then `finish` (or `abort`). */
  #writer(b: StoredBlock): { add(entries: readonly [string, string][]): void; finish(): TakenSnapshot; abort(): void } {
    const digest = new StateDigest();
    const tmp = join(this.#dir, `${b.header.height}.jsonl.tmp`);
    const fd = openSync(tmp, 'w');
    let open = true;
    const close = (): void => {
      if (open) closeSync(fd);
      open = false;
    };
    return {
      add: (entries) => {
        const buf: string[] = [];
        for (const [k, v] of entries) {
          digest.add(k, v);
          buf.push(JSON.stringify([k, v]));
          if (buf.length >= 4096) writeSync(fd, `${buf.splice(0).join('\n')}\n`);
        }
        if (buf.length > 0) writeSync(fd, `${buf.join('\n')}\n`);
      },
      abort: () => {
        close();
        rmSync(tmp, { force: true });
      },
      finish: () => {
        close();
        renameSync(tmp, join(this.#dir, `${b.header.height}.jsonl`));
        const t: TakenSnapshot = { height: b.header.height, blockHash: b.hash, stateDigest: digest.digest(), entries: digest.count };
        writeFileSync(join(this.#dir, `${t.height}.json`), JSON.stringify(t));
        this.#taken.push(t);
        this.#taken.sort((x, y) => x.height - y.height);
        while (this.#taken.length > SNAPSHOTS_KEPT) {
          const old = this.#taken.shift()!;
          rmSync(join(this.#dir, `${old.height}.jsonl`), { force: true });
          rmSync(join(this.#dir, `${old.height}.json`), { force: true });
        }
        return t;
      },
    };
  }

  /** The newest snapshot whose checkpoints carry more than 2/3 of its set's power, as a manifest; undefined if none. */
  manifest(): SnapshotManifest | undefined {
    const node = this.node;
    for (const t of [...this.#taken].reverse()) {
      const block = node.store.getBlock(t.height);
      if (block === undefined) continue;
      const prefix = consortiumCheckpointKey(t.height, '');
      const set = memberSetAt(node.genesis.orgs, (k) => node.store.read(k), t.height);
      const validators = validatorsOfOrgs(set.orgs);
      const total = validators.reduce((s, v) => s + v.power, 0);
      const power = new Map(set.orgs.map((o) => [o.id, o.power]));
      const checkpoints: ProofBundle[] = [];
      let signed = 0;
      for (const [key, value] of node.store.scan(prefix, 1000)) {
        const c = JSON.parse(value) as { blockHash: string; stateDigest: string; txHash: string };
        if (c.blockHash !== t.blockHash || c.stateDigest !== t.stateDigest) continue;
        const proof = node.proof(c.txHash);
        if (proof === undefined) continue;
        checkpoints.push(proof);
        signed += power.get(key.slice(prefix.length)) ?? 0;
      }
      if (3 * signed <= 2 * total) continue;
      return {
        format: SNAPSHOT_FORMAT,
        height: t.height,
        header: block.header,
        commit: block.commit,
        frontier: MerkleLog.fromReader(node.store, block.header.logSize).frontier().map(toHex),
        stateDigest: t.stateDigest,
        entries: t.entries,
        setChanges: node.setChanges.filter((c) => c.set.from <= node.head.height),
        checkpoints,
        recent: recentBlocks(node.store, t.height),
      };
    }
    return undefined;
  }

  /** The state file of a snapshot (JSON lines `[key, value]`, in key order). */
  statePath(height: number): string | undefined {
    const p = join(this.#dir, `${height}.jsonl`);
    return this.#taken.some((t) => t.height === height) && existsSync(p) ? p : undefined;
  }
}

/**
 * The blocks up to `height` a joining node needs: back to the first one older than the replay window
 * (NONCE_WINDOW_MS before the snapshot block), and at least back to the last block with a transaction (the log's last
 * leaf, which the frontier may need), or to height 1.
 */
export function recentBlocks(store: LedgerStore, height: number): SnapshotBlock[] {
  const top = store.getBlock(height)!;
  const out: SnapshotBlock[] = [];
  let sawTx = top.header.logSize === 0;
  for (let h = height; h >= 1; h--) {
    const b = store.getBlock(h);
    if (b === undefined) break;
    out.push({ header: b.header, commit: b.commit, txs: store.blockTxs(h).map((t) => t.body) });
    if (b.header.txCount > 0) sawTx = true;
    if (b.header.time < top.header.time - NONCE_WINDOW_MS && sawTx) break;
  }
  return out.reverse();
}

/** The complete-subtree nodes of a frontier (largest first) of a log of `size` leaves, as the store keeps them. */
export function frontierNodes(size: number, frontier: readonly string[]): MerkleNode[] {
  const nodes: MerkleNode[] = [];
  let start = 0;
  let i = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      nodes.push({ level, index: start / width, hash: fromHex(frontier[i++]!) });
      start += width;
    }
  }
  return nodes;
}

/**
 * Installs a verified snapshot into an empty store: the recent blocks (their transactions, with no handler results:
 * `code` null until re-derived, node/history-results.ts), then the snapshot block with every state entry and the log frontier. `entries` yields the state in key
 * order; its digest must be the manifest's. Returns what the manifest proved.
 */
export async function installSnapshot(store: LedgerStore, genesis: Genesis, manifest: SnapshotManifest, entries: AsyncIterable<[string, string]>): Promise<SnapshotVerdict & { entries: number }> {
  if (store.height() !== 0 || store.logSize() !== 0) throw new Error('the store is not empty: a snapshot installs into a new data directory only');
  const verdict = verifySnapshot(manifest, genesis);
  const digest = new StateDigest();
  const writes: [string, string][] = [];
  for await (const [k, v] of entries) {
    digest.add(k, v);
    writes.push([k, v]);
  }
  if (digest.digest() !== manifest.stateDigest) throw new Error(`the state read does not match the snapshot's digest (${digest.count} entries)`);
  const recent = manifest.recent;
  // The log nodes of the window's leaves (the frontier alone proves nothing below it), checked against the frontier:
  // with them the history fetched later extends a complete part of the log (node/history.ts).
  const size = manifest.header.logSize;
  const windowFrom = recent[0]!.header.logSize - recent[0]!.header.txCount;
  const leaves = recent.flatMap((r) => r.txs.map((t) => hashLeaf(fromHex(txHashOfCanonical(t)))));
  const frontier = new Map(frontierNodes(size, manifest.frontier).map((n) => [`${n.level}/${n.index}`, n.hash]));
  const windowNodes = historyLogNodes(windowFrom, size, size, (i) => leaves[i - windowFrom]!, (l, i) => {
    const h = frontier.get(`${l}/${i}`);
    if (h === undefined) throw new Error(`snapshot: log node ${l}/${i} is neither in the window nor in the frontier`);
    return h;
  });
  recent.forEach((r, i) => {
    const firstSeq = r.header.logSize - r.header.txCount;
    const txs: StoredTx[] = r.txs.map((body, j) => {
      const t = JSON.parse(body) as { signer: string; nonce: string };
      return { hash: txHashOfCanonical(body), seq: firstSeq + j, height: r.header.height, body, signer: t.signer, nonce: t.nonce, code: null, message: null };
    });
    const last = i === recent.length - 1;
    store.commitBlock({
      block: { header: r.header, commit: r.commit, hash: blockHash(r.header), firstSeq },
      txs,
      logNodes: last ? [...frontierNodes(size, manifest.frontier), ...windowNodes] : [],
      writes: last ? writes : [],
    });
  });
  store.setMeta('snapshot_base', JSON.stringify({ height: manifest.height, blockHash: verdict.blockHash, firstHeight: recent[0]!.header.height }));
  // the set changes the manifest proved: proof bundles of later blocks carry them (node.ts #loadSetChanges)
  manifest.setChanges.forEach((c, i) => store.setMeta(`${SET_CHANGE_META}${i + 1}`, JSON.stringify(c)));
  const progress: HistoryProgress = { snapshotHeight: manifest.height, snapshotLogSize: size, lowestHeight: recent[0]!.header.height, lowestSeq: windowFrom };
  store.setMeta(HISTORY_META, JSON.stringify(progress));
  return { ...verdict, entries: digest.count };
}

/** Reads a state file or HTTP body of JSON lines `[key, value]`. */
export async function* readStateLines(input: NodeJS.ReadableStream | AsyncIterable<string>): AsyncGenerator<[string, string]> {
  const lines = Symbol.asyncIterator in input && !('pipe' in input) ? (input as AsyncIterable<string>) : createInterface({ input: input as NodeJS.ReadableStream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const e = JSON.parse(line) as unknown;
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string') throw new Error('a state line is not [key, value]');
    yield [e[0], e[1]];
  }
}
