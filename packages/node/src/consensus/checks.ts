/**
 * Checks of peer messages, one function per message type, before anything reaches the state machine (CometBFT's
 * reactor: decode and check, then enqueue). Each answers `{ok: true, value}`, `ignore` (harmless: stale, too far
 * ahead) or `reject` with a reason (the peer broke the protocol: the driver disconnects it). Pure functions of the
 * message and the driver's view; cheap checks first, so that nobody can make us verify or execute blocks for free.
 * docs/spec/consensus.md — CONS-CHECK-1 (votes), CONS-CHECK-2 (proposals), CONS-CHECK-3 (sync and status).
 */
import {
  BLOCK_TXS_MAX,
  EVIDENCE_GOSSIP_HEIGHTS_MAX,
  TX_BYTES_MAX,
  GOSSIP_TXS_MAX,
  ROUNDS_AHEAD_MAX,
  SYNC_BLOCKS_MAX,
  blockHash,
  checkHeaderShape,
  proposalSignBytes,
  proposer as proposerAt,
  verifyEvidence,
  verifySignature,
  voteSignBytes,
  type BlockHeader,
  type Commit,
  type Evidence,
  type Proposal,
  type Validator,
  type Vote,
} from '@machi/core';
import type { WireBlock } from '../node/node.js';
import type { CompactBlock } from './transport.js';

const HASH_RE = /^[0-9a-f]{64}$/;

/** A list of at most `max` transaction hashes (64 lowercase hex characters each). */
function isHashList(x: unknown, max: number): x is string[] {
  return Array.isArray(x) && x.length <= max && x.every((h) => typeof h === 'string' && HASH_RE.test(h));
}

export type Verdict<T> = { ok: true; value: T } | { ok: false; action: 'ignore' } | { ok: false; action: 'reject'; reason: string };

const IGNORE = { ok: false, action: 'ignore' } as const;
const reject = (reason: string): Verdict<never> => ({ ok: false, action: 'reject', reason });
const ok = <T>(value: T): Verdict<T> => ({ ok: true, value });

/** What the checks need to know of the driver. */
export interface CheckView {
  chainId: string;
  validators: readonly Validator[];
  /** the height and round the state machine is at */
  height: number;
  round: number;
  /** verifies an Ed25519 signature (injected so tests can count calls; production: the core's verifySignature) */
  verify?: (publicKey: string, message: Uint8Array, sig: string) => boolean;
}

/** The highest round worth accepting a message for at `height` (the state machine keeps ROUNDS_AHEAD_MAX ahead). */
function roundCeiling(view: CheckView, height: number): number {
  return (height === view.height ? view.round : 0) + ROUNDS_AHEAD_MAX;
}

export function checkVote(view: CheckView, raw: unknown): Verdict<Vote> {
  const v = raw as Vote;
  if (typeof v !== 'object' || v === null || (v.type !== 'prevote' && v.type !== 'precommit') || !Number.isSafeInteger(v.height) || !Number.isSafeInteger(v.round)
    || v.round < 0 || (v.blockHash !== null && typeof v.blockHash !== 'string') || typeof v.from !== 'string' || typeof v.sig !== 'string') {
    return reject('malformed vote');
  }
  if (v.height < view.height) return IGNORE; // stale
  // A later height may have another validator set (membership changes: docs/spec/consensus.md#membership), so only a
  // vote for our height is refused for its sender; one for a later height is only ignored (gossip re-sends it).
  if (!view.validators.some((x) => x.publicKey === v.from)) return v.height > view.height ? IGNORE : reject('vote from a non-validator');
  if (v.round > roundCeiling(view, v.height)) return IGNORE; // too far ahead to matter (step would drop it too)
  const verify = view.verify ?? verifySignature;
  if (!verify(v.from, voteSignBytes(view.chainId, v.type, v.height, v.round, v.blockHash), v.sig)) return reject('vote with a bad signature');
  return ok({ type: v.type, height: v.height, round: v.round, blockHash: v.blockHash, from: v.from, sig: v.sig });
}

export interface CheckedProposal {
  proposal: Proposal;
  sig: string;
  header: BlockHeader;
  /** the transactions' hashes, in block order (their bodies are found or fetched, then checked by the node) */
  hashes: string[];
}

export function checkProposal(view: CheckView, m: { proposal?: unknown; sig?: unknown; block?: unknown }): Verdict<CheckedProposal> {
  const p = m.proposal as Proposal;
  const block = m.block as CompactBlock;
  if (typeof p !== 'object' || p === null || !Number.isSafeInteger(p.height) || !Number.isSafeInteger(p.round) || !Number.isSafeInteger(p.validRound)
    || typeof p.blockHash !== 'string' || typeof p.from !== 'string' || typeof m.sig !== 'string' || typeof block !== 'object' || block === null) {
    return reject('malformed proposal');
  }
  if (p.height < view.height) return IGNORE; // stale
  // The sender must be the round's proposer, the round near enough, the validRound sane, the signature good, the block
  // its blockHash.
  if (p.from !== proposerAt(view.validators, p.height, p.round)) return p.height > view.height ? IGNORE : reject("proposal from a validator that is not the round's proposer");
  if (p.round > roundCeiling(view, p.height) || p.round < 0 || p.validRound < -1 || p.validRound >= p.round) return IGNORE;
  const verify = view.verify ?? verifySignature;
  if (!verify(p.from, proposalSignBytes(view.chainId, p), m.sig)) return reject('proposal with a bad signature');
  let header: BlockHeader;
  try {
    header = checkHeaderShape(block.header);
  } catch {
    return reject('proposal with a malformed header');
  }
  if (blockHash(header) !== p.blockHash) return reject('proposal whose block does not hash to its blockHash');
  if (header.proposer !== p.from && p.validRound < 0) return reject('proposal whose header names another proposer');
  if (!isHashList(block.hashes, BLOCK_TXS_MAX) || block.hashes.length !== header.txCount) return reject('proposal whose transaction hashes do not match its header');
  const proposal: Proposal = { type: 'proposal', height: p.height, round: p.round, validRound: p.validRound, blockHash: p.blockHash, from: p.from };
  return ok({ proposal, sig: m.sig, header, hashes: block.hashes });
}

/** A request for transaction bodies of a proposed block: served only at our current height. */
export function checkGetTxs(view: CheckView, m: { height?: unknown; blockHash?: unknown; hashes?: unknown }): Verdict<{ blockHash: string; hashes: string[] }> {
  if (!Number.isSafeInteger(m.height) || typeof m.blockHash !== 'string' || !HASH_RE.test(m.blockHash) || !isHashList(m.hashes, BLOCK_TXS_MAX)) return reject('malformed get-txs');
  if (m.height !== view.height) return IGNORE;
  return ok({ blockHash: m.blockHash, hashes: m.hashes });
}

/** An answer with transaction bodies: each is matched against the hashes we asked for (others are dropped). */
export function checkBlockTxs(view: CheckView, m: { height?: unknown; blockHash?: unknown; txs?: unknown }): Verdict<{ blockHash: string; txs: string[] }> {
  if (!Number.isSafeInteger(m.height) || typeof m.blockHash !== 'string' || !Array.isArray(m.txs) || m.txs.length > BLOCK_TXS_MAX
    || !m.txs.every((t) => typeof t === 'string' && t.length <= TX_BYTES_MAX)) {
    return reject('malformed block-txs');
  }
  if (m.height !== view.height) return IGNORE;
  return ok({ blockHash: m.blockHash, txs: m.txs as string[] });
}

export function checkStatus(m: { height?: unknown }): Verdict<number> {
  return Number.isSafeInteger(m.height) ? ok(m.height as number) : reject('malformed status');
}

export function checkGetBlocks(m: { from?: unknown; to?: unknown }): Verdict<{ from: number; to: number }> {
  const { from, to } = m;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || (from as number) < 1 || (to as number) < (from as number)) return reject('malformed get-blocks');
  return ok({ from: from as number, to: to as number });
}

/** The outer shape of a sync answer; each block and commit is checked as it is applied (node.applySynced). */
export function checkBlocks(m: { blocks?: unknown }): Verdict<{ block: WireBlock; commit: Commit }[]> {
  if (!Array.isArray(m.blocks) || m.blocks.length > SYNC_BLOCKS_MAX) return reject('malformed blocks');
  return ok(m.blocks as { block: WireBlock; commit: Commit }[]);
}

/** Gossiped transactions: each is checked on admission (node.submit). */
export function checkTxs(m: { txs?: unknown }): Verdict<unknown[]> {
  if (!Array.isArray(m.txs) || m.txs.length > GOSSIP_TXS_MAX) return reject('malformed txs message');
  return ok(m.txs);
}

/**
 * Gossiped evidence (CONS-EVIDENCE-3): ignored unless about a height near ours (from EVIDENCE_GOSSIP_HEIGHTS_MAX below
 * to one above), so that a validator cannot make us verify and keep evidence it signs against itself for any height;
 * otherwise it must verify (both messages signed by the named validator and conflicting): evidence that does not is
 * something no honest node sends. `known` answers whether it is already recorded (checked before any signature).
 */
export function checkEvidence(view: CheckView, m: { evidence?: unknown }, known: (e: Evidence) => boolean): Verdict<Evidence> {
  const e = m.evidence as Evidence | undefined;
  if (typeof e !== 'object' || e === null || typeof e.validator !== 'string') return reject('malformed evidence');
  const first = e.type === 'duplicate-vote' ? e.voteA : e.type === 'duplicate-proposal' ? e.proposalA : undefined;
  if (typeof first !== 'object' || first === null || !Number.isSafeInteger(first.height)) return reject('malformed evidence');
  if (first.height > view.height + 1 || first.height < view.height - EVIDENCE_GOSSIP_HEIGHTS_MAX) return IGNORE;
  if (known(e)) return IGNORE;
  // about a validator of another set (before or after a membership change): an honest peer may still hold it
  if (!view.validators.some((v) => v.publicKey === e.validator)) return IGNORE;
  const why = verifyEvidence(view.chainId, view.validators, e);
  return why === null ? ok(e) : reject(`invalid evidence: ${why}`);
}
