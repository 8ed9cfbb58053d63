/**
 * Proposed blocks kept durably: every block of the current height this node built or checked valid, with its
 * transactions' bodies and the signed proposal(s) it came in, written before the node prevotes for it (or proposes
 * it). Compact proposals carry hashes only, and a restarted node has an empty mempool: without this record a node
 * locked on another's block would depend on peers re-sending the bodies. docs/spec/consensus.md — CONS-RESTART-1.
 */
import type { Proposal } from '@machi/core';
import type { WireBlock } from '../node/node.js';
import type { LedgerStore } from '../storage/store.js';

/** The store key of the record (one record: the current height's). */
export const KEPT_META_KEY = 'consensus_blocks';

export interface KeptProposal {
  proposal: Proposal;
  sig: string;
}

interface KeptRecord {
  height: number;
  /** full blocks (bodies included), by block hash */
  blocks: Record<string, WireBlock>;
  proposals: KeptProposal[];
}

export class KeptBlocks {
  readonly #store: Pick<LedgerStore, 'getMeta' | 'setMeta'>;
  #height = 0;
  /** each block's JSON, serialised once however often the record is rewritten */
  readonly #blocks = new Map<string, { block: WireBlock; json: string }>();
  readonly #proposals: KeptProposal[] = [];
  readonly #keys = new Set<string>();

  constructor(store: Pick<LedgerStore, 'getMeta' | 'setMeta'>) {
    this.#store = store;
  }

  /** The record if it is for `height` (older ones are stale: that height is stored). */
  load(height: number): { blocks: Map<string, WireBlock>; proposals: KeptProposal[] } {
    this.reset();
    const saved = this.#store.getMeta(KEPT_META_KEY);
    const record = saved === undefined ? undefined : (JSON.parse(saved) as KeptRecord);
    if (record?.height !== height) return { blocks: new Map(), proposals: [] };
    this.#height = height;
    for (const [hash, block] of Object.entries(record.blocks)) this.#blocks.set(hash, { block, json: JSON.stringify(block) });
    for (const p of record.proposals) this.#add(p);
    return { blocks: new Map([...this.#blocks].map(([h, b]) => [h, b.block])), proposals: [...this.#proposals] };
  }

  has(proposal: Proposal): boolean {
    return this.#keys.has(key(proposal));
  }

  /** Adds a proposal and its full block and writes the record durably (a no-op for one already kept). */
  keep(proposal: Proposal, sig: string, block: WireBlock): void {
    if (this.has(proposal)) return;
    if (proposal.height !== this.#height) this.reset();
    this.#height = proposal.height;
    if (!this.#blocks.has(proposal.blockHash)) this.#blocks.set(proposal.blockHash, { block, json: JSON.stringify(block) });
    this.#add({ proposal, sig });
    const blocks = [...this.#blocks].map(([h, b]) => `${JSON.stringify(h)}:${b.json}`).join(',');
    this.#store.setMeta(KEPT_META_KEY, `{"height":${this.#height},"blocks":{${blocks}},"proposals":${JSON.stringify(this.#proposals)}}`);
  }

  #add(p: KeptProposal): void {
    if (this.#keys.has(key(p.proposal))) return;
    this.#keys.add(key(p.proposal));
    this.#proposals.push(p);
  }

  /** A new height: nothing kept for it yet (the stored record is superseded by the next write). */
  reset(): void {
    this.#height = 0;
    this.#blocks.clear();
    this.#proposals.length = 0;
    this.#keys.clear();
  }
}

function key(p: Proposal): string {
  return `${p.round}/${p.validRound}/${p.blockHash}`;
}
