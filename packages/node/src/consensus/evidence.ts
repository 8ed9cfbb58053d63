/**
 * Evidence of equivocation: two different votes one validator signed for one (height, round, type), as `step`
 * reports them. Each is checked (verifyEvidence), recorded once per (validator, height, round, type), kept (at most
 * EVIDENCE_MAX) in the store and served at GET /v1/evidence. docs/spec/consensus.md — CONS-EVIDENCE-1.
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
  type: string;
  blockHashes: [string | null, string | null];
  detectedAt: number;
}

/** Records `evidence` if it is genuine and new; returns the record, or undefined. */
export function recordEvidence(node: MachiNode, evidence: Evidence): EvidenceRecord | undefined {
  if (verifyEvidence(node.genesis.chainId, node.validators, evidence) !== null) return undefined;
  const record: EvidenceRecord = {
    org: node.orgs.get(evidence.validator)?.id ?? evidence.validator,
    validator: evidence.validator,
    height: evidence.voteA.height,
    round: evidence.voteA.round,
    type: evidence.voteA.type,
    blockHashes: [evidence.voteA.blockHash, evidence.voteB.blockHash],
    detectedAt: node.clock(),
  };
  const list = evidenceRecords(node);
  if (list.some((e) => e.validator === record.validator && e.height === record.height && e.round === record.round && e.type === record.type)) return undefined;
  list.push(record);
  node.store.setMeta(EVIDENCE_META_KEY, JSON.stringify(list.slice(-EVIDENCE_MAX)));
  return record;
}

export function evidenceRecords(node: MachiNode): EvidenceRecord[] {
  const raw = node.store.getMeta(EVIDENCE_META_KEY);
  return raw === undefined ? [] : (JSON.parse(raw) as EvidenceRecord[]);
}
