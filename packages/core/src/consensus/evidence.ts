/**
 * Checking duplicate-vote evidence, for the driver before it stores or gossips evidence (the state machine reports
 * evidence from votes whose signatures the driver already verified; a peer's evidence must be checked in full).
 */
import { verifySignature } from '../crypto.js';
import type { Validator } from '../genesis.js';
import { voteSignBytes } from './sign.js';
import type { Evidence, Vote } from './types.js';

/** Null if `evidence` proves that a validator signed two conflicting votes; otherwise the reason it does not. */
export function verifyEvidence(chainId: string, validators: readonly Validator[], evidence: Evidence): string | null {
  const { validator, voteA: a, voteB: b } = evidence;
  if (evidence.type !== 'duplicate-vote') return 'unknown evidence type';
  if (!validators.some((v) => v.publicKey === validator)) return 'not a validator';
  if (a.from !== validator || b.from !== validator) return 'votes are not by the named validator';
  if (a.type !== b.type || a.height !== b.height || a.round !== b.round) return 'votes are not for the same type, height and round';
  if (a.blockHash === b.blockHash) return 'votes do not conflict';
  const signed = (v: Vote) => verifySignature(validator, voteSignBytes(chainId, v.type, v.height, v.round, v.blockHash), v.sig);
  if (!signed(a) || !signed(b)) return 'a signature does not verify';
  return null;
}
