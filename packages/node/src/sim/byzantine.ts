/**
 * Byzantine validators: each runs the real node and driver (to keep time and see the chain) behind a transport that
 * rewrites what it sends. Profiles: equivocating proposals (a second, valid block to half of the peers, and a flood of
 * FLOOD_PROPOSALS more, each signed, to every peer) and votes (a different value to half of the peers), invalid
 * proposals (a block whose header does not match its execution, with a prevote for it, and now and then a vote with a
 * bad signature) with gossip of invalid transactions, withholding (compact proposals whose transactions it neither
 * gossips nor serves: honest nodes cannot get the bodies and must not prevote for them), or silence. It signs only with
 * its own key.
 */
import { blockHash, proposalSignBytes, voteSignBytes, type Proposal, type Signer, type Vote } from '@machi/core';
import type { Prng } from '@machi/core/sim';
import type { MachiNode, PreparedBlock } from '../node/node.js';
import type { CompactBlock, WireMessage } from '../consensus/transport.js';
import { randomHex } from './keys.js';
import type { SimTransport } from './network.js';

/** Extra distinct signed proposals an equivocating proposer floods every peer with, per round it proposes in. */
export const FLOOD_PROPOSALS = 6;
/** Invalid transactions an 'invalid' adversary gossips per round it proposes in: two rounds pass PEER_INVALID_TXS_MAX. */
export const GARBAGE_TXS = 40;

export type ByzantineProfile = 'equivocate' | 'invalid' | 'withhold' | 'silent' | 'collude';

/**
 * Colluding equivocators (only with more than f of them, to show the checkers catch a broken assumption): the
 * proposer among them shows block A to one half of the honest nodes and block B to the other, and every colluder
 * votes A to the first half and B to the second.
 */
export interface Collusion {
  /** honest nodes shown B */
  halfB: Set<number>;
  /** colluders: shown the truth */
  members: Set<number>;
  /** (height/round) → the two blocks */
  values: Map<string, { a: string; b: string }>;
}

export interface ByzantineCounts {
  'equivocating-proposal': number;
  'flooding-proposal': number;
  'invalid-tx': number;
  'equivocating-vote': number;
  'invalid-proposal': number;
  'invalid-vote': number;
  'bad-signature': number;
  /** gossip and missing-transaction answers a withholding proposer did not send */
  withheld: number;
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
  collusion?: Collusion;
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
    if (adv.profile === 'collude') return collude(adv, adv.collusion!, to, m, node, alternatives);
    if (adv.profile === 'withhold' && (m.t === 'txs' || m.t === 'block-txs')) {
      adv.counts.withheld++;
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
    if (m.t === 'vote' && m.vote.from === adv.signer.publicKey && adv.profile === 'invalid' && adv.rng.chance(0.1)) {
      // A forged signature now and then: honest peers must reject it (and drop the link for a while).
      adv.counts['bad-signature']++;
      return { t: 'vote', vote: { ...m.vote, sig: signVote(adv, { ...m.vote, round: m.vote.round + 1 }).sig } };
    }
    if (m.t === 'proposal' && m.proposal.from === adv.signer.publicKey) {
      lastProposed.set(m.proposal.height, m.proposal.blockHash);
      const key = `p/${m.proposal.height}/${m.proposal.round}`;
      if (adv.profile === 'equivocate' && !alternatives.has(`f/${key}`)) {
        // A flood of distinct valid blocks for this round, each signed, to every peer: honest nodes check one
        // proposal per proposer and round, and record the others as evidence (CONS-PROPOSAL-1).
        const n = node();
        if (m.proposal.height === n.head.height + 1) {
          alternatives.set(`f/${key}`, m);
          for (let i = 2; i < FLOOD_PROPOSALS + 2; i++) {
            const time = m.block.header.time + i;
            const prepared = n.prepare(n.takeForProposal(time), time, adv.signer.publicKey);
            const flood = signProposal(adv, { ...m.proposal, blockHash: prepared.hash }, compactOf(prepared));
            adv.counts['flooding-proposal']++;
            for (const peer of transport.peers) transport.sendRaw(peer, flood);
          }
        }
      }
      if (adv.profile === 'invalid' && !alternatives.has(`g/${key}`)) {
        // Garbage gossip: honest peers refuse each, and past the limit disconnect and back us off (CONS-PEER-1).
        alternatives.set(`g/${key}`, m);
        const txs = Array.from({ length: GARBAGE_TXS }, (_, i) => [null, 42, 'garbage', { signer: 'x', nonce: randomHex(adv.rng, 8) }][i % 4]);
        adv.counts['invalid-tx'] += GARBAGE_TXS;
        for (const peer of transport.peers) transport.sendRaw(peer, { t: 'txs', txs });
      }
      if (adv.profile === 'equivocate') {
        if (!adv.halfB.has(to)) return m;
        let alt = alternatives.get(key);
        if (alt === undefined) {
          const n = node();
          if (m.proposal.height !== n.head.height + 1) return m;
          // A second valid block: the same transactions a millisecond later (another time, another hash).
          const prepared = n.prepare(n.takeForProposal(m.block.header.time + 1), m.block.header.time + 1, adv.signer.publicKey);
          alt = signProposal(adv, { ...m.proposal, blockHash: prepared.hash }, compactOf(prepared));
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
          alt = signProposal(adv, { ...m.proposal, blockHash: hash }, { header, hashes: m.block.hashes });
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

function collude(adv: Adversary, c: Collusion, to: number, m: WireMessage, node: () => MachiNode, alternatives: Map<string, WireMessage>): WireMessage {
  if (c.members.has(to)) return m;
  const side = c.halfB.has(to) ? 'b' : 'a';
  if (m.t === 'proposal' && m.proposal.from === adv.signer.publicKey) {
    const key = `${m.proposal.height}/${m.proposal.round}`;
    let pair = c.values.get(key);
    if (pair === undefined) {
      const n = node();
      if (m.proposal.height !== n.head.height + 1) return m;
      const prepared = n.prepare(n.takeForProposal(m.block.header.time + 1), m.block.header.time + 1, adv.signer.publicKey);
      alternatives.set(`c/${key}`, signProposal(adv, { ...m.proposal, blockHash: prepared.hash }, compactOf(prepared)));
      pair = { a: m.proposal.blockHash, b: prepared.hash };
      c.values.set(key, pair);
      adv.counts['equivocating-proposal']++;
    }
    return side === 'a' ? m : (alternatives.get(`c/${key}`) ?? m);
  }
  if (m.t === 'vote' && m.vote.from === adv.signer.publicKey) {
    const pair = c.values.get(`${m.vote.height}/${m.vote.round}`);
    if (pair === undefined) return m;
    const key = `cv/${m.vote.type}/${m.vote.height}/${m.vote.round}/${side}`;
    let alt = alternatives.get(key);
    if (alt === undefined) {
      alt = { t: 'vote', vote: signVote(adv, { ...m.vote, blockHash: pair[side] }) };
      alternatives.set(key, alt);
      adv.counts['equivocating-vote']++;
    }
    return alt;
  }
  return m;
}

function signVote(adv: Adversary, v: Vote): Vote {
  return { ...v, sig: adv.signer.sign(voteSignBytes(adv.chainId, v.type, v.height, v.round, v.blockHash)) };
}

function compactOf(prepared: PreparedBlock): CompactBlock {
  return { header: prepared.header, hashes: prepared.txs.map((t) => t.hash) };
}

function signProposal(adv: Adversary, p: Proposal, block: CompactBlock): WireMessage {
  return { t: 'proposal', proposal: p, sig: adv.signer.sign(proposalSignBytes(adv.chainId, p)), block };
}
