/**
 * Commitments to a subject's personal data, per field, so that whoever is allowed to see some fields can check
 * exactly those against the ledger without learning the others:
 *   digest(f) = SHA-256(salt_f ‖ UTF-8(value_f)) hex, with a random 32-byte salt per field (kept by the holder);
 *   commitment = SHA-256(JCS({f: digest(f), …})) hex — what `privacy.subject_register` puts on the ledger.
 * A reader gets, for the fields it may see, their values and salts, and for the others only their digests.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../encoding.js';

export function fieldDigest(salt: Uint8Array, value: string): string {
  return createHash('sha256').update(salt).update(value, 'utf8').digest('hex');
}

export function commitmentOfDigests(digests: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(canonicalJson(digests)).digest('hex');
}

/** What a reader receives to check its fields: salts of the fields it sees, digests of the rest. */
export interface FieldOpening {
  salts: Record<string, string>;
  digests: Record<string, string>;
}

/** True if `fields` (with their salts, base64url) and the other fields' digests recompute `commitment`. */
export function checkFieldCommitment(commitment: string, fields: Readonly<Record<string, string>>, opening: FieldOpening): boolean {
  const digests: Record<string, string> = { ...opening.digests };
  for (const [f, value] of Object.entries(fields)) {
    const salt = opening.salts[f];
    if (salt === undefined || f in opening.digests) return false;
    digests[f] = fieldDigest(Buffer.from(salt, 'base64url'), value);
  }
  return commitmentOfDigests(digests) === commitment;
}
