/**
 * Byzantine validators: each runs the real node and driver (to keep time and see the chain) behind a transport that
 * rewrites what it sends. Profiles: equivocating proposals (a second, valid block to half of the peers) and votes
 * (a different value to half of the peers), invalid proposals (a block whose header does not match its execution,
 * with a prevote for it), or silence. It signs only with its own key.
 */
import { blockHash, proposalSignBytes, voteSignBytes, type Proposal, type Signer, type Vote } from '@machi/core';
import type { Prng } from '@machi/core/sim';
import type { MachiNode, WireBlock } from '../node/node.js';
import type { WireMessage } from '../consensus/transport.js';
import { randomHex } from './keys.js';
import type { SimTransport } from './network.js';

export type ByzantineProfile = 'equivocate' | 'invalid' | 'silent';

export interface ByzantineCounts {
  'equivocating-proposal': number;
  'equivocating-vote': number;
  'invalid-proposal': number;
  'invalid-vote': number;
  silent: number;
}

export interface Adversary {
  profile: ByzantineProfile;
  signer: Signer;
  chainId: string;
  rng: Prng;
  /** peers (indices) shown the "other" value */
  halfB: Set<number>;
  counts: ByzantineCounts;
  /** block hashes the adversary made invalid on purpose: the validity checker's ground truth */
  invalid: Set<string>;
}

/** Installs the adversary on a Byzantine node's transport (for its current incarnation). */
export function corrupt(adv: Adversary, transport: SimTransport, node: () => MachiNode): void {
  // What the adversary sends instead, per (message, peer half), so that re-sends stay consistent.
  const alternatives = new Map<string, WireMessage>();
  const lastProposed = new Map<number, string>();
  transport.outgoing = (to, raw) => {
    const m = raw as WireMessage;
    if (adv.profile === 'silent') {
      adv.counts.silent++;
      return null;
    }
    if (m.t === 'vote' && m.vote.from === adv.signer.publicKey && adv.profile === 'equivocate') {
      if (!adv.halfB.has(to)) return m;
      const key = `v/${m.vote.type}/${m.vote.height}/${m.vote.round}`;
      let alt = alternatives.get(key);
      if (alt === undefined) {
        const other = m.vote.blockHash === null ? (lastProposed.get(m.vote.height) ?? randomHex(adv.rng, 64)) : null;
        alt = { t: 'vote', vote: signVote(adv, { ...m.vote, blockHash: other }) };
        alternatives.set(key, alt);
        adv.counts['equivocating-vote']++;
      }
      return alt;
    }
    if (m.t === 'proposal' && m.proposal.from === adv.signer.publicKey) {
      lastProposed.set(m.proposal.height, m.proposal.blockHash);
      const key = `p/${m.proposal.height}/${m.proposal.round}`;
      if (adv.profile === 'equivocate') {
        if (!adv.halfB.has(to)) return m;
        let alt = alternatives.get(key);
        if (alt === undefined) {
          const n = node();
          if (m.proposal.height !== n.head.height + 1) return m;
          // A second valid block: the same transactions a millisecond later (another time, another hash).
          const prepared = n.prepare(n.takeForProposal(m.block.header.time + 1), m.block.header.time + 1, adv.signer.publicKey);
          const block: WireBlock = { header: prepared.header, txs: prepared.txs.map((t) => t.canonical) };
          alt = signProposal(adv, { ...m.proposal, blockHash: prepared.hash }, block);
          alternatives.set(key, alt);
          adv.counts['equivocating-proposal']++;
        }
        return alt;
      }
      if (adv.profile === 'invalid') {
        let alt = alternatives.get(key);
        if (alt === undefined) {
          // A block whose header does not match its execution: honest validators must find it invalid.
          const header = { ...m.block.header, appHash: randomHex(adv.rng, 64) };
          const hash = blockHash(header);
          adv.invalid.add(hash);
          alt = signProposal(adv, { ...m.proposal, blockHash: hash }, { header, txs: m.block.txs });
          alternatives.set(key, alt);
          adv.counts['invalid-proposal']++;
          // ... and a prevote for it, to everyone.
          const vote = signVote(adv, { type: 'prevote', height: m.proposal.height, round: m.proposal.round, blockHash: hash, from: adv.signer.publicKey, sig: '' });
          adv.counts['invalid-vote']++;
          for (const peer of transport.peers) transport.sendRaw(peer, { t: 'vote', vote });
        }
        return alt;
      }
    }
    return m;
  };
}

function signVote(adv: Adversary, v: Vote): Vote {
  return { ...v, sig: adv.signer.sign(voteSignBytes(adv.chainId, v.type, v.height, v.round, v.blockHash)) };
}

function signProposal(adv: Adversary, p: Proposal, block: WireBlock): WireMessage {
  return { t: 'proposal', proposal: p, sig: adv.signer.sign(proposalSignBytes(adv.chainId, p)), block };
}
