/**
 * Pure queries over the identity state, through a key reader and a prefix scan (the node's state store provides both).
 * Values are canonical JSON text, as stored.
 */
import { parseState as parse, type StateRead, type StateScan } from '../../foundation/state.js';
import {
  IDENTITY_QUERY_ITEMS_MAX,
  IDENTITY_STATUS_LIST_ENTRIES_MAX,
  IDENTITY_STATUS_LIST_ENTRIES_MIN,
  credentialKey,
  credentialVerificationsPrefix,
  sessionKey,
  sessionVerificationsPrefix,
  statusEntriesPrefix,
  statusNextKey,
  subjectConsentsPrefix,
  verificationKey,
  type CredentialRecord,
  type SessionRecord,
  type VerificationRecord,
} from './types.js';


export function credentialRecord(read: StateRead, hash: string): CredentialRecord | undefined {
  return parse<CredentialRecord>(read(credentialKey(hash)));
}

export function sessionRecord(read: StateRead, session: string): SessionRecord | undefined {
  return parse<SessionRecord>(read(sessionKey(session)));
}

export function verificationRecord(read: StateRead, verification: string): VerificationRecord | undefined {
  return parse<VerificationRecord>(read(verificationKey(verification)));
}

/**
 * An issuer's status list as Token Status List values (0 valid, 1 revoked, 2 suspended), one per index issued so far,
 * padded with 0 to at least IDENTITY_STATUS_LIST_ENTRIES_MIN entries.
 */
export function statusListValues(read: StateRead, scan: StateScan, org: string): number[] {
  const issued = parse<number>(read(statusNextKey(org))) ?? 0;
  const values = new Array<number>(Math.max(issued, IDENTITY_STATUS_LIST_ENTRIES_MIN)).fill(0);
  const prefix = statusEntriesPrefix(org);
  for (const [key, value] of scan(prefix, IDENTITY_STATUS_LIST_ENTRIES_MAX)) values[Number(key.slice(prefix.length))] = JSON.parse(value) as number;
  return values;
}

const byTimeThenId = (a: VerificationRecord, b: VerificationRecord): number =>
  a.height - b.height || a.at - b.at || (a.verification < b.verification ? -1 : a.verification > b.verification ? 1 : 0);

function verificationsUnder(read: StateRead, scan: StateScan, prefix: string, limit: number): VerificationRecord[] {
  return scan(prefix, limit)
    .map(([key]) => verificationRecord(read, key.slice(prefix.length)))
    .filter((v): v is VerificationRecord => v !== undefined)
    .sort(byTimeThenId);
}

/** Every verification attempt recorded in a session, oldest first. */
export function verificationsOfSession(read: StateRead, scan: StateScan, session: string, limit = IDENTITY_QUERY_ITEMS_MAX): VerificationRecord[] {
  return verificationsUnder(read, scan, sessionVerificationsPrefix(session), limit);
}

/** Every verification attempt that named a credential, oldest first. */
export function verificationsOfCredential(read: StateRead, scan: StateScan, hash: string, limit = IDENTITY_QUERY_ITEMS_MAX): VerificationRecord[] {
  return verificationsUnder(read, scan, credentialVerificationsPrefix(hash), limit);
}

/** The sessions a resident (privacy subject) consented to, oldest first. */
export function consentedSessions(read: StateRead, scan: StateScan, subject: string, limit = IDENTITY_QUERY_ITEMS_MAX): SessionRecord[] {
  const prefix = subjectConsentsPrefix(subject);
  return scan(prefix, limit)
    .map(([key]) => sessionRecord(read, key.slice(prefix.length)))
    .filter((s): s is SessionRecord => s !== undefined)
    .sort((a, b) => (a.consent?.at ?? 0) - (b.consent?.at ?? 0) || (a.session < b.session ? -1 : 1));
}

/** Whether every type the session asks for has been verified valid. */
export const sessionComplete = (s: SessionRecord): boolean => s.types.every((t) => s.verified.includes(t));
