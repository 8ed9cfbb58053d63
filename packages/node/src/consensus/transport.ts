/** What the consensus driver sends and receives, and what it needs from the peer-to-peer layer. docs/spec/consensus.md */
import type { BlockHeader, Commit, Evidence, Proposal, Vote } from '@machi/core';
import type { WireBlock } from '../node/node.js';

/** What the driver needs from the peer-to-peer layer (P2PNetwork implements it; so does the simulator's network). */
export interface PeerTransport {
  broadcast(message: unknown): number;
  send(peerKey: string, message: unknown): boolean;
  disconnect(peerKey: string, reason: string): void;
  on(event: 'message', listener: (peer: { publicKey: string; orgId: string }, message: unknown) => void): unknown;
  on(event: 'peer-up', listener: (peer: { publicKey: string; orgId: string }) => void): unknown;
}

/**
 * A proposal's block on the wire (compact): the header and its transactions' hashes in block order. Validators take
 * the bodies from their mempool and fetch the others (`get-txs` → `block-txs`); the block hash is the header's, so
 * nothing a verifier sees changes. Committed blocks (sync, the store, proof bundles) always carry the bodies.
 */
export interface CompactBlock {
  header: BlockHeader;
  hashes: string[];
}

/** The consensus messages between nodes (as received they are unchecked: see checks.ts). */
export type WireMessage =
  | { t: 'txs'; txs: unknown[] }
  | { t: 'proposal'; proposal: Proposal; sig: string; block: CompactBlock }
  /** the bodies of some transactions of a proposed block at `height` (asked of the sender, then of every peer) */
  | { t: 'get-txs'; height: number; blockHash: string; hashes: string[] }
  /** the answer: the canonical texts the peer holds of those asked (any subset; each checked against its hash) */
  | { t: 'block-txs'; height: number; blockHash: string; txs: string[] }
  | { t: 'vote'; vote: Vote }
  | { t: 'status'; height: number }
  | { t: 'get-blocks'; from: number; to: number }
  | { t: 'blocks'; blocks: { block: WireBlock; commit: Commit }[] }
  /** older blocks for a node joined from a snapshot (history-fetch.ts); the answer lists them newest first */
  | { t: 'get-history'; from: number; to: number }
  | { t: 'history'; blocks: { block: WireBlock; commit: Commit }[] }
  | { t: 'evidence'; evidence: Evidence };
