/**
 * `machi verify`: replays every stored block through the core's ChainVerifier — hash chain, transactions and
 * signatures, tx roots, log roots, app-hash chain by re-execution, commit certificates — and stops at the first bad
 * block. Also checks the stored index columns (tx hash, log nodes) against what is recomputed.
 */
import { ChainVerifier, createRegistry, isMachiError, toHex, txHashOfCanonical, MerkleLog, type Genesis } from '@machi/core';
import type { LedgerStore } from '../storage/store.js';

export type ChainReport = { ok: true; blocks: number; txs: number } | { ok: false; height: number; reason: string; blocks: number; txs: number };

export function verifyStore(store: LedgerStore, genesis: Genesis): ChainReport {
  const v = new ChainVerifier(genesis, createRegistry({ ...(genesis.rules === undefined ? {} : { rules: genesis.rules }) }));
  const top = store.height();
  for (let h = 1; h <= top; h++) {
    const fail = (reason: string): ChainReport => ({ ok: false, height: h, reason, blocks: h - 1, txs: v.txCount });
    const b = store.getBlock(h);
    if (b === undefined) return fail(`block ${h} is missing`);
    const txs = store.blockTxs(h);
    if (txs.length > 0 && txs[0]!.seq !== b.firstSeq) return fail(`block ${h}: its transactions start at log position ${txs[0]!.seq}, not ${b.firstSeq}`);
    try {
      v.verifyNext(b.header, b.commit, txs.map((t) => t.body));
    } catch (e) {
      if (isMachiError(e)) return fail(String(e.detail?.reason ?? e.message));
      throw e;
    }
    const badIndex = txs.findIndex((t) => txHashOfCanonical(t.body) !== t.hash);
    if (badIndex >= 0) return fail(`block ${h}: tx ${badIndex}'s stored hash does not match its body`);
    if (v.head.hash !== b.hash) return fail(`block ${h}: stored block hash does not match its header`);
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
  return { ok: true, blocks: top, txs: v.txCount };
}
