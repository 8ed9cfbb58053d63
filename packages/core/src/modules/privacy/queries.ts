/**
 * Pure queries over the privacy state, through a key reader and a prefix scan (the node's state store provides both).
 * Values are canonical JSON text, as stored.
 */
import {
  ALERT_INDEX_PREFIX,
  GRANT_PREFIX,
  PRIVACY_GRANTS_SCAN_MAX,
  PRIVACY_QUERY_ITEMS_MAX,
  accessPrefix,
  alertKey,
  alertPrefix,
  grantKey,
  grantsByOrgPrefix,
  subjectKey,
  type AccessRecord,
  type Alert,
  type AnomalyRule,
  type GrantRecord,
  type SubjectRecord,
} from './types.js';

import { parseState as parse, type StateRead, type StateScan } from '../../foundation/state.js';

export function subjectRecord(read: StateRead, subject: string): SubjectRecord | undefined {
  return parse<SubjectRecord>(read(subjectKey(subject)));
}

export function grantRecord(read: StateRead, grant: string): GrantRecord | undefined {
  return parse<GrantRecord>(read(grantKey(grant)));
}

/**
 * Every grant (revoked and expired ones included) that names `subject` or `*` of its holder, sorted by grant id.
 * With `toOrg`, only grants to that organisation (read through the `grants-by-org` index); without it, all grants are
 * scanned (at most PRIVACY_GRANTS_SCAN_MAX). Empty for an unknown subject.
 */
export function grantsForSubject(read: StateRead, scan: StateScan, subject: string, toOrg?: string): GrantRecord[] {
  const record = subjectRecord(read, subject);
  if (record === undefined) return [];
  const candidates: GrantRecord[] = [];
  if (toOrg === undefined) {
    for (const [, value] of scan(GRANT_PREFIX, PRIVACY_GRANTS_SCAN_MAX)) candidates.push(JSON.parse(value) as GrantRecord);
  } else {
    const prefix = grantsByOrgPrefix(toOrg);
    for (const [key, value] of scan(prefix, PRIVACY_GRANTS_SCAN_MAX)) {
      if (JSON.parse(value) !== record.holder) continue; // the index value is the granting org
      const g = grantRecord(read, key.slice(prefix.length));
      if (g !== undefined) candidates.push(g);
    }
  }
  return candidates
    .filter((g) => g.org === record.holder && (g.subjects.includes(subject) || g.subjects[0] === '*'))
    .sort((a, b) => (a.grant < b.grant ? -1 : a.grant > b.grant ? 1 : 0));
}

const byTime = <T extends { at: number; access: string }>(a: T, b: T): number => a.at - b.at || (a.access < b.access ? -1 : a.access > b.access ? 1 : 0);

/** The subject's list of uses: every access record (allowed and denied), oldest first (at most `limit`). */
export function accessesOfSubject(scan: StateScan, subject: string, limit = PRIVACY_QUERY_ITEMS_MAX): AccessRecord[] {
  return scan(accessPrefix(subject), limit)
    .map(([, v]) => JSON.parse(v) as AccessRecord)
    .sort((a, b) => a.height - b.height || byTime(a, b));
}

/** The alerts about accesses to the subject's record, oldest first (at most `limit`). */
export function alertsOfSubject(scan: StateScan, subject: string, limit = PRIVACY_QUERY_ITEMS_MAX): Alert[] {
  return scan(alertPrefix(subject), limit)
    .map(([, v]) => JSON.parse(v) as Alert)
    .sort(byAlert);
}

/**
 * The uses of a person named on the ledger by several names (their subject id on older chains, a pseudonym per context
 * on chains with `ledger.context-pseudonyms`; the holder knows which), oldest first, at most `limit` in all.
 */
export function accessesOfNames(scan: StateScan, names: readonly string[], limit = PRIVACY_QUERY_ITEMS_MAX): AccessRecord[] {
  const out: AccessRecord[] = [];
  for (const n of names) if (out.length < limit) out.push(...accessesOfSubject(scan, n, limit - out.length));
  return out.sort((a, b) => a.height - b.height || byTime(a, b));
}

/** The alerts about the uses of a person named by several names (as accessesOfNames), oldest first. */
export function alertsOfNames(scan: StateScan, names: readonly string[], limit = PRIVACY_QUERY_ITEMS_MAX): Alert[] {
  const out: Alert[] = [];
  for (const n of names) if (out.length < limit) out.push(...alertsOfSubject(scan, n, limit - out.length));
  return out.sort(byAlert);
}

const byAlert = (a: Alert, b: Alert): number => byTime(a, b) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);

/** Every alert (the regulator's view), through the `privacy/alerts/` index, oldest first (at most `limit`). */
export function allAlerts(read: StateRead, scan: StateScan, limit = PRIVACY_QUERY_ITEMS_MAX): Alert[] {
  const out: Alert[] = [];
  for (const [key, value] of scan(ALERT_INDEX_PREFIX, limit)) {
    const [access, rule] = key.slice(ALERT_INDEX_PREFIX.length).split('/');
    const subject = JSON.parse(value) as string;
    const alert = parse<Alert>(read(alertKey(subject, access ?? '', rule as AnomalyRule)));
    if (alert !== undefined) out.push(alert);
  }
  return out.sort(byAlert);
}
