/**
 * Evidence of equivocation: two different votes one validator signed for one (height, round, type), as `step`
 * reports them, or two different proposals one proposer signed for one (height, round), as the driver finds them
 * (CONS-PROPOSAL-1). Each is checked (verifyEvidence), recorded once per (validator, height, round, type), kept (at
 * most EVIDENCE_MAX) in the store and served at GET /v1/evidence with both signed messages, so anyone holding the
 * genesis can check it again; new evidence is gossiped to every peer, which checks and records it in turn.
 * docs/spec/consensus.md — CONS-EVIDENCE-1, CONS-EVIDENCE-2, CONS-EVIDENCE-3.
 */
import { EVIDENCE_MAX, verifyEvidence, type Evidence } from '@machi/core';
import type { MachiNode } from '../node/node.js';

/** The store key of the evidence list. */
export const EVIDENCE_META_KEY = 'evidence';

export interface EvidenceRecord {
  org: string;
  validator: string;
  height: number;
  round: number;
  /** what was signed twice: 'prevote', 'precommit' or 'proposal' */
  type: string;
  blockHashes: [string | null, string | null];
  detectedAt: number;
  /** both signed messages (verifyEvidence accepts it); absent in records kept before it was added */
  evidence?: Evidence;
}

/** Records `evidence` if it is genuine and new; returns the record, or undefined. */
export function recordEvidence(node: MachiNode, evidence: Evidence): EvidenceRecord | undefined {
  if (verifyEvidence(node.genesis.chainId, node.validators, evidence) !== null) return undefined;
  const [a, b] = evidence.type === 'duplicate-vote' ? [evidence.voteA, evidence.voteB] : [evidence.proposalA, evidence.proposalB];
  const record: EvidenceRecord = {
    org: node.orgs.get(evidence.validator)?.id ?? evidence.validator,
    validator: evidence.validator,
    height: a.height,
    round: a.round,
    type: a.type,
    blockHashes: [a.blockHash, b.blockHash],
    detectedAt: node.clock(),
    evidence,
  };
  const list = evidenceRecords(node);
  if (list.some((e) => e.validator === record.validator && e.height === record.height && e.round === record.round && e.type === record.type)) return undefined;
  list.push(record);
  node.store.setMeta(EVIDENCE_META_KEY, JSON.stringify(list.slice(-EVIDENCE_MAX)));
  return record;
}

/** Whether evidence of the same equivocation (validator, height, round, type) is already recorded. */
export function hasEvidence(node: MachiNode, evidence: Evidence): boolean {
  const a = evidence.type === 'duplicate-vote' ? evidence.voteA : evidence.proposalA;
  return evidenceRecords(node).some((e) => e.validator === evidence.validator && e.height === a.height && e.round === a.round && e.type === a.type);
}

export function evidenceRecords(node: MachiNode): EvidenceRecord[] {
  const raw = node.store.getMeta(EVIDENCE_META_KEY);
  return raw === undefined ? [] : (JSON.parse(raw) as EvidenceRecord[]);
}
