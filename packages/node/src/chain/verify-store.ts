/**
 * `machi verify`: replays every stored block through the core's ChainVerifier — hash chain, transactions and
 * signatures, tx roots, log roots, app-hash chain by re-execution, commit certificates — and stops at the first bad
 * block. Also checks the stored index columns (tx hash, log nodes) against what is recomputed, and each transaction's
 * stored handler result code (the column no hash covers; receipts show it) against the re-executed one —
 * except, on a node joined from a snapshot, the results it has not re-derived yet (history-results.ts), which it counts.
 */
import {
  ChainVerifier, MerkleLog, blockHash, createRegistry, isMachiError, setAtHeight, toHex, txHashOfCanonical, txRootOf, validatorsHash, validatorsOfOrgs,
  verifyCommit, verifySetChanges, type Genesis, type MemberSet, type TxResult,
} from '@machi/core';
import { HISTORY_META, type HistoryProgress } from '../node/history.js';
import { RESULTS_META, type ResultsProgress } from '../node/history-results.js';
import { SET_CHANGE_META } from '../node/node.js';
import type { LedgerStore, StoredBlock } from '../storage/store.js';
import { SCRATCH_PENDING_WRITES_MAX, type SqliteReplayStore } from './replay-scratch.js';

export type ChainReport =
  | {
    ok: true; blocks: number; txs: number;
    /** set when the history is partial: the lowest block held */ from?: number; snapshotHeight?: number;
    /** stored handler results not compared: a joined node's, not re-derived yet (stored as unknown) */ resultsSkipped?: number;
  }
  | { ok: false; height: number; reason: string; blocks: number; txs: number };

/**
 * `scratch`: an empty scratch store the re-executed state goes to (`machi verify` gives one in a temporary folder:
 * bounded memory on any chain length); default in memory.
 */
export function verifyStore(store: LedgerStore, genesis: Genesis, scratch?: SqliteReplayStore): ChainReport {
  const raw = store.getMeta(HISTORY_META);
  const progress = raw === undefined ? undefined : (JSON.parse(raw) as HistoryProgress);
  if (progress !== undefined && progress.lowestHeight > 1) return verifyPartial(store, genesis, progress);
  const v = new ChainVerifier(genesis, createRegistry({ ...(genesis.rules === undefined ? {} : { rules: genesis.rules }) }), scratch);
  // A joined node stores the results of the blocks up to its snapshot as unknown until it re-derives them from genesis.
  const rawResults = store.getMeta(RESULTS_META);
  const derived = rawResults === undefined ? 0 : (JSON.parse(rawResults) as ResultsProgress).height;
  const resultKnown = (h: number): boolean => progress === undefined || h > progress.snapshotHeight || h <= derived;
  let resultsSkipped = 0;
  const top = store.height();
  for (let h = 1; h <= top; h++) {
    const fail = (reason: string): ChainReport => ({ ok: false, height: h, reason, blocks: h - 1, txs: v.txCount });
    const b = store.getBlock(h);
    if (b === undefined) return fail(`block ${h} is missing`);
    const txs = store.blockTxs(h);
    if (txs.length > 0 && txs[0]!.seq !== b.firstSeq) return fail(`block ${h}: its transactions start at log position ${txs[0]!.seq}, not ${b.firstSeq}`);
    let results: TxResult[];
    try {
      results = v.verifyNext(b.header, b.commit, txs.map((t) => t.body));
    } catch (e) {
      if (isMachiError(e)) return fail(String(e.detail?.reason ?? e.message));
      throw e;
    }
    if (scratch !== undefined && scratch.pendingWrites >= SCRATCH_PENDING_WRITES_MAX) scratch.flush();
    const badIndex = txs.findIndex((t) => txHashOfCanonical(t.body) !== t.hash);
    if (badIndex >= 0) return fail(`block ${h}: tx ${badIndex}'s stored hash does not match its body`);
    if (v.head.hash !== b.hash) return fail(`block ${h}: stored block hash does not match its header`);
    if (!resultKnown(h)) {
      resultsSkipped += txs.length;
      continue;
    }
    // The code only: the app hash commits it (re-execution matched the header), not the message, whose wording a
    // later version may change.
    const bad = txs.findIndex((t, i) => t.code !== (results[i]!.code ?? null));
    if (bad >= 0) {
      const t = txs[bad]!;
      return fail(`block ${h}: tx ${bad} (${t.hash}): stored result code ${t.code ?? 'null (applied)'}, re-execution gives ${results[bad]!.code ?? 'null (applied)'}`);
    }
  }
  // The stored log nodes serve proofs: their root must be the head's log root.
  const head = store.getBlock(top);
  if (head !== undefined) {
    let root: string;
    try {
      root = toHex(MerkleLog.fromReader(store, head.header.logSize).root());
    } catch (e) {
      return { ok: false, height: top, reason: `stored log nodes are unreadable: ${(e as Error).message}`, blocks: top, txs: v.txCount };
    }
    if (root !== head.header.logRoot) return { ok: false, height: top, reason: 'stored log nodes do not match the log root (proofs would fail)', blocks: top, txs: v.txCount };
  }
  return { ok: true, blocks: top, txs: v.txCount, ...(resultsSkipped > 0 ? { resultsSkipped } : {}) };
}

/**
 * A node joined from a snapshot whose older history is not all fetched yet: the blocks it holds, from the lowest up,
 * are checked for what needs no earlier state — hash links, commit certificates by the set of each height (the
 * set changes are verified from the genesis), validators hash, tx roots, stored tx hashes and log positions, and the
 * stored log nodes against the head's log root. Re-executing them needs the state before the lowest block, which only
 * the blocks from genesis give: `machi verify` does that once the history is complete.
 */
function verifyPartial(store: LedgerStore, genesis: Genesis, progress: HistoryProgress): ChainReport {
  const top = store.height();
  let txs = 0;
  let prev: StoredBlock | undefined;
  const fail = (h: number, reason: string): ChainReport => ({ ok: false, height: h, reason, blocks: h - progress.lowestHeight, txs });
  const changes: unknown[] = [];
  for (let epoch = 1; ; epoch++) {
    const c = store.getMeta(`${SET_CHANGE_META}${epoch}`);
    if (c === undefined) break;
    changes.push(JSON.parse(c));
  }
  let sets: MemberSet[];
  try {
    sets = verifySetChanges(genesis, changes);
  } catch (e) {
    if (isMachiError(e)) return fail(progress.lowestHeight, `the stored validator-set changes do not verify: ${e.message}`);
    throw e;
  }
  for (let h = progress.lowestHeight; h <= top; h++) {
    const b = store.getBlock(h);
    if (b === undefined) return fail(h, `block ${h} is missing`);
    const hdr = b.header;
    if (hdr.height !== h || hdr.chainId !== genesis.chainId) return fail(h, `block ${h}: header is for height ${hdr.height} of chain ${hdr.chainId}`);
    if (blockHash(hdr) !== b.hash) return fail(h, `block ${h}: stored block hash does not match its header`);
    if (prev !== undefined && hdr.prevHash !== prev.hash) return fail(h, 'previous-hash link is broken (prevHash does not match the previous block)');
    if (prev !== undefined && hdr.time < prev.header.time) return fail(h, 'time goes backwards');
    const validators = validatorsOfOrgs(setAtHeight(sets, h).orgs);
    if (hdr.validatorsHash !== validatorsHash(validators)) return fail(h, 'validatorsHash does not match the validators of the member set at this height');
    try {
      verifyCommit(hdr, b.commit, validators);
    } catch (e) {
      if (isMachiError(e)) return fail(h, `commit certificate: ${e.message}`);
      throw e;
    }
    if (hdr.logSize - hdr.txCount !== b.firstSeq) return fail(h, `block ${h}: its log position ${b.firstSeq} does not match its header`);
    if (prev !== undefined && b.firstSeq !== prev.header.logSize) return fail(h, `block ${h}: its transactions do not follow the previous block's in the log`);
    const stored = store.blockTxs(h);
    if (stored.length !== hdr.txCount) return fail(h, `header counts ${hdr.txCount} txs, ${stored.length} are stored`);
    const hashes = stored.map((t) => txHashOfCanonical(t.body));
    if (hashes.some((x, i) => x !== stored[i]!.hash)) return fail(h, `block ${h}: a stored tx hash does not match its body`);
    if (txRootOf(hashes) !== hdr.txRoot) return fail(h, `block ${h}: transactions do not match the tx root`);
    txs += stored.length;
    prev = b;
  }
  if (prev !== undefined) {
    let root: string;
    try {
      root = toHex(MerkleLog.fromReader(store, prev.header.logSize).root());
    } catch (e) {
      return fail(top, `stored log nodes are unreadable: ${(e as Error).message}`);
    }
    if (root !== prev.header.logRoot) return fail(top, 'stored log nodes do not match the log root (proofs would fail)');
  }
  return { ok: true, blocks: top - progress.lowestHeight + 1, txs, from: progress.lowestHeight, snapshotHeight: progress.snapshotHeight };
}
