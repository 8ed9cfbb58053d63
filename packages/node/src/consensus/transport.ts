/** What the consensus driver sends and receives, and what it needs from the peer-to-peer layer. docs/spec/consensus.md */
import type { Commit, Evidence, Proposal, Vote } from '@machi/core';
import type { WireBlock } from '../node/node.js';

/** What the driver needs from the peer-to-peer layer (P2PNetwork implements it; so does the simulator's network). */
export interface PeerTransport {
  broadcast(message: unknown): number;
  send(peerKey: string, message: unknown): boolean;
  disconnect(peerKey: string, reason: string): void;
  on(event: 'message', listener: (peer: { publicKey: string; orgId: string }, message: unknown) => void): unknown;
  on(event: 'peer-up', listener: (peer: { publicKey: string; orgId: string }) => void): unknown;
}

/** The consensus messages between nodes (as received they are unchecked: see checks.ts). */
export type WireMessage =
  | { t: 'txs'; txs: unknown[] }
  | { t: 'proposal'; proposal: Proposal; sig: string; block: WireBlock }
  | { t: 'vote'; vote: Vote }
  | { t: 'status'; height: number }
  | { t: 'get-blocks'; from: number; to: number }
  | { t: 'blocks'; blocks: { block: WireBlock; commit: Commit }[] }
  | { t: 'evidence'; evidence: Evidence };
