/**
 * Proposed blocks kept durably: every block of the current height this node built or checked valid, with its
 * transactions' bodies and the signed proposal(s) it came in. They go into the double-sign guard record (guard.ts)
 * from the precommit that locks this node on a block on, so the block it is locked on is on disk before that
 * precommit leaves — at no extra write or fsync. Compact proposals carry hashes
 * only, and a restarted node has an empty mempool: without this a node locked on another's block would depend on
 * peers re-sending the bodies. docs/spec/consensus.md — CONS-RESTART-1.
 */
import type { Proposal } from '@machi/core';
import type { WireBlock } from '../node/node.js';

export interface KeptProposal {
  proposal: Proposal;
  sig: string;
}

/** What the guard record carries of them. */
export interface KeptRecord {
  /** full blocks (bodies included), by block hash */
  blocks: Record<string, WireBlock>;
  proposals: KeptProposal[];
}

export class KeptBlocks {
  /** each block's JSON, serialised once however often the guard record is rewritten */
  readonly #blocks = new Map<string, { block: WireBlock; json: string }>();
  readonly #proposals: KeptProposal[] = [];
  readonly #keys = new Set<string>();
  #fragment: string | undefined;

  /** Takes what a loaded guard record kept (a restart). */
  restore(record: Partial<KeptRecord>): KeptRecord {
    this.reset();
    for (const [hash, block] of Object.entries(record.blocks ?? {})) this.#blocks.set(hash, { block, json: JSON.stringify(block) });
    for (const p of record.proposals ?? []) this.#add(p);
    return { blocks: Object.fromEntries([...this.#blocks].map(([h, b]) => [h, b.block])), proposals: [...this.#proposals] };
  }

  has(proposal: Proposal): boolean {
    return this.#keys.has(key(proposal));
  }

  /** Adds a proposal and its full block: written with the next guard record (call before that record is written). */
  keep(proposal: Proposal, sig: string, block: WireBlock): void {
    if (this.has(proposal)) return;
    if (!this.#blocks.has(proposal.blockHash)) this.#blocks.set(proposal.blockHash, { block, json: JSON.stringify(block) });
    this.#add({ proposal, sig });
    this.#fragment = undefined;
  }

  /** The record's fields as JSON members (`"blocks":{…},"proposals":[…]`), for the guard to splice into its record. */
  fragment(): string {
    this.#fragment ??= `"blocks":{${[...this.#blocks].map(([h, b]) => `${JSON.stringify(h)}:${b.json}`).join(',')}},"proposals":${JSON.stringify(this.#proposals)}`;
    return this.#fragment;
  }

  #add(p: KeptProposal): void {
    if (this.#keys.has(key(p.proposal))) return;
    this.#keys.add(key(p.proposal));
    this.#proposals.push(p);
  }

  /** A new height: nothing kept for it yet. */
  reset(): void {
    this.#blocks.clear();
    this.#proposals.length = 0;
    this.#keys.clear();
    this.#fragment = undefined;
  }
}

function key(p: Proposal): string {
  return `${p.round}/${p.validRound}/${p.blockHash}`;
}
