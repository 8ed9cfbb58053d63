/**
 * The five `privacy.*` transaction types: strict payload schemas (ids, enums, bounded arrays — nothing that could
 * carry personal data in clear) and deterministic handlers. docs/spec/privacy.md#transactions-module-privacy
 */
import { MachiError } from '../../errors.js';
import { ID_CHARS_MAX } from '../../limits.js';
import type { HandlerContext, StateAccess, TxType } from '../../state/registry.js';
import { anomalyConfig, detectAnomalies, privacyDay, type AnomalyConfig } from './anomalies.js';
import { ROLES } from '../../foundation/roles.js';
import { ACTOR_PATTERN, ORG_ID_PATTERN, PSEUDONYM_PATTERN, SUBJECT_ID_PATTERN } from '../../foundation/patterns.js';
import { hasOrg, type OrgIds } from '../../foundation/state.js';
import type { CaseKind } from '../../foundation/module.js';
import { RULE_LEDGER_CONTEXT_PSEUDONYMS, RULE_PRIVACY_SELF_AT_HOLDER, chainNamesRule, ruleHolds, type ChainRules } from '../../foundation/rules.js';
import { DATA_CLASSES, FIELDS, FIELD_NAMES, GRANTEE_ROLES, PURPOSES, ROLE_PURPOSES, isField, roleMayUse } from './roles.js';
import {
  ACCESS_ID_PATTERN,
  ALLOWED_REASONS,
  CASE_REF_PATTERN,
  COMMITMENT_PATTERN,
  DENIED_REASONS,
  GRANT_ID_PATTERN,
  PRIVACY_CASE_REF_CHARS_MAX,
  PRIVACY_GRANT_SUBJECTS_MAX,
  PRIVACY_TIME_MS_MAX,
  accessKey,
  actorDayKey,
  actorDaySubjectKey,
  alertIndexKey,
  alertKey,
  grantKey,
  grantsByOrgKey,
  subjectKey,
  type AccessPayload,
  type AccessRecord,
  type Alert,
  type ErasePayload,
  type GrantPayload,
  type GrantRecord,
  type PrivacyPayload,
  type RevokePayload,
  type SubjectRecord,
  type SubjectRegisterPayload,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------------
// Schema pieces
// ---------------------------------------------------------------------------------------------------------------------

const id = (pattern: string) => ({ type: 'string', pattern });
const unanchored = (pattern: string): string => pattern.replace(/^\^/, '').replace(/\$$/, '');
/** A subject id (older chains) or a per-context pseudonym (chains with `ledger.context-pseudonyms`); the handler picks. */
export const LEDGER_SUBJECT_PATTERN = `^(?:${unanchored(SUBJECT_ID_PATTERN)}|${unanchored(PSEUDONYM_PATTERN)})$`;
const subjectIdRe = new RegExp(SUBJECT_ID_PATTERN);
/**
 * The person named in a payload, in the chain's format at this height: a per-context pseudonym where
 * `ledger.context-pseudonyms` holds, else the subject id (so that an older chain accepts exactly what it did).
 */
export function checkLedgerSubject(rules: ChainRules | undefined, height: number, subject: string): string | null {
  const pseudonyms = ruleHolds(rules, RULE_LEDGER_CONTEXT_PSEUDONYMS, height);
  if (pseudonyms && subjectIdRe.test(subject)) return 'this chain names people by per-context pseudonyms (psn_…), not by subject id';
  if (!pseudonyms && !subjectIdRe.test(subject)) return 'this chain names people by subject id (sub_…)';
  return null;
}
const timeMs = { type: 'integer', minimum: 0, maximum: PRIVACY_TIME_MS_MAX };
const orgId = { type: 'string', pattern: ORG_ID_PATTERN, maxLength: ID_CHARS_MAX };
const classes = {
  type: 'array',
  minItems: 1,
  maxItems: DATA_CLASSES.length,
  uniqueItems: true,
  items: { type: 'string', enum: [...DATA_CLASSES] },
};

function objectSchema(properties: Record<string, unknown>, optional: readonly string[] = [], extra: Record<string, unknown> = {}) {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Stateless grant check (the API calls it first and answers 400 GRANT_INVALID; the handler re-checks)
// ---------------------------------------------------------------------------------------------------------------------


/**
 * The grant rules the schema cannot express or that need the genesis: `from < until`, `toOrg` an organisation of the
 * chain, the purpose one that `toRole` may use (else the grant could never apply), `"*"` only alone.
 * Returns why the grant is invalid, or null.
 */
export function checkGrantPayload(payload: GrantPayload, orgIds: OrgIds): string | null {
  const { from, until, toOrg, toRole, purpose, subjects, fields } = payload;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(until) || from < 0 || until > PRIVACY_TIME_MS_MAX) {
    return `from and until must be integers (ms) in 0..${PRIVACY_TIME_MS_MAX}`;
  }
  if (from >= until) return 'from must be before until';
  if (typeof toOrg !== 'string' || !hasOrg(orgIds, toOrg)) return `toOrg ${String(toOrg)} is not an organisation of this chain`;
  if (!(GRANTEE_ROLES as readonly unknown[]).includes(toRole)) return `toRole ${String(toRole)} cannot be granted access`;
  if (!roleMayUse(toRole, purpose)) return `role ${toRole} does not use purpose ${String(purpose)}`;
  if (!Array.isArray(subjects) || subjects.length === 0) return 'subjects must name at least one subject';
  if (subjects.includes('*') && subjects.length !== 1) return 'subjects "*" must stand alone';
  if (fields !== undefined) {
    if (!Array.isArray(fields) || fields.length === 0 || new Set(fields).size !== fields.length) return 'fields, when given, must name at least one field, without repeats';
    for (const f of fields) {
      if (!isField(f)) return `unknown field ${String(f)}`;
      if (!payload.classes.includes(FIELDS[f])) return `field ${f} is not of a granted class`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------------------------------

function reject(why: string): never {
  throw new MachiError('HANDLER_REJECTED', why);
}

const readSubject = (state: StateAccess, subject: string): SubjectRecord | undefined => state.get(subjectKey(subject)) as SubjectRecord | undefined;

export const privacySubjectRegister: TxType<SubjectRegisterPayload> = {
  type: 'privacy.subject_register',
  schema: objectSchema({
    subject: id(SUBJECT_ID_PATTERN),
    commitment: id(COMMITMENT_PATTERN),
    classes,
    actor: id(ACTOR_PATTERN),
  }),
  handle(ctx, p) {
    if (readSubject(ctx.state, p.subject) !== undefined) reject(`subject ${p.subject} already exists`);
    const record: SubjectRecord = { holder: ctx.org.id, commitment: p.commitment, classes: p.classes, erased: false, registeredAt: ctx.time };
    ctx.state.set(subjectKey(p.subject), record);
  },
};

export const privacyGrant: TxType<GrantPayload> = {
  type: 'privacy.grant',
  schema: objectSchema(
    {
      grant: id(GRANT_ID_PATTERN),
      subjects: {
        type: 'array',
        minItems: 1,
        maxItems: PRIVACY_GRANT_SUBJECTS_MAX,
        uniqueItems: true,
        items: { type: 'string', pattern: '^(sub_[0-9a-f]{32}|\\*)$' },
        // "*" (every subject of the signer) only alone
        anyOf: [{ items: id(SUBJECT_ID_PATTERN) }, { maxItems: 1 }],
      },
      classes,
      fields: { type: 'array', minItems: 1, maxItems: FIELD_NAMES.length, uniqueItems: true, items: { type: 'string', enum: FIELD_NAMES } },
      toOrg: orgId,
      toRole: { type: 'string', enum: [...GRANTEE_ROLES] },
      purpose: { type: 'string', enum: [...PURPOSES] },
      from: timeMs,
      until: timeMs,
      actor: id(ACTOR_PATTERN),
    },
    ['fields'],
    // the purpose must be one the grantee role may use, else the grant could never apply
    { allOf: GRANTEE_ROLES.map((r) => ({ if: { properties: { toRole: { const: r } } }, then: { properties: { purpose: { enum: [...ROLE_PURPOSES[r]] } } } })) },
  ),
  handle(ctx, p) {
    const invalid = checkGrantPayload(p, ctx.orgsById);
    if (invalid !== null) reject(invalid);
    if (ctx.state.get(grantKey(p.grant)) !== undefined) reject(`grant ${p.grant} already exists`);
    for (const s of p.subjects) {
      if (s === '*') continue;
      if (readSubject(ctx.state, s)?.holder !== ctx.org.id) reject(`subject ${s} is not held by ${ctx.org.id}`);
    }
    const record: GrantRecord = { ...p, org: ctx.org.id, revoked: false };
    ctx.state.set(grantKey(p.grant), record);
    ctx.state.set(grantsByOrgKey(p.toOrg, p.grant), ctx.org.id);
  },
};

export const privacyRevoke: TxType<RevokePayload> = {
  type: 'privacy.revoke',
  schema: objectSchema({ grant: id(GRANT_ID_PATTERN), actor: id(ACTOR_PATTERN) }),
  handle(ctx, p) {
    const grant = ctx.state.get(grantKey(p.grant)) as GrantRecord | undefined;
    if (grant === undefined) return reject(`grant ${p.grant} does not exist`);
    if (grant.org !== ctx.org.id) reject(`grant ${p.grant} was not granted by ${ctx.org.id}`);
    if (grant.revoked) reject(`grant ${p.grant} is already revoked`);
    ctx.state.set(grantKey(p.grant), { ...grant, revoked: true });
  },
};

export const privacyErase: TxType<ErasePayload> = {
  type: 'privacy.erase',
  schema: objectSchema({ subject: id(SUBJECT_ID_PATTERN), actor: id(ACTOR_PATTERN) }),
  handle(ctx, p) {
    const record = readSubject(ctx.state, p.subject);
    if (record === undefined) return reject(`subject ${p.subject} does not exist`);
    if (record.holder !== ctx.org.id) reject(`subject ${p.subject} is not held by ${ctx.org.id}`);
    if (record.erased) reject(`subject ${p.subject} is already erased`);
    ctx.state.set(subjectKey(p.subject), { ...record, erased: true });
  },
};

/**
 * The access schema. A case reference is either the older `<kind>:<id>` form (no run of 7 digits, so that a phone or
 * ID number cannot ride along: kept so that existing chains replay) or exactly a registered case kind's id — whose own
 * pattern is precise, so its ids may hold any digits (a request id's 32 hex often has a run of 7).
 */
const accessSchemaFor = (caseKinds: readonly CaseKind[], rules?: ChainRules) => objectSchema(
  {
    access: id(ACCESS_ID_PATTERN),
    // a chain that never names the rule keeps its schema exactly (refusal codes are part of the record)
    subject: id(chainNamesRule(rules, RULE_LEDGER_CONTEXT_PSEUDONYMS) ? LEDGER_SUBJECT_PATTERN : SUBJECT_ID_PATTERN),
    org: orgId,
    role: { type: 'string', enum: [...ROLES] },
    purpose: { type: 'string', enum: [...PURPOSES] },
    fields: { type: 'array', minItems: 0, maxItems: FIELD_NAMES.length, uniqueItems: true, items: { type: 'string', enum: FIELD_NAMES } },
    decision: { type: 'string', enum: ['allowed', 'denied'] },
    reason: { type: 'string', enum: [...ALLOWED_REASONS, ...DENIED_REASONS] },
    caseRef: { type: 'string', minLength: 1, maxLength: PRIVACY_CASE_REF_CHARS_MAX, pattern: caseRefPattern(caseKinds) },
    grant: id(GRANT_ID_PATTERN),
    actor: id(ACTOR_PATTERN),
    at: timeMs,
  },
  ['caseRef', 'grant'],
  {
    allOf: [
      // an allowed access has an allowing reason, a denied one a denying reason
      {
        if: { properties: { decision: { const: 'allowed' } } },
        then: { properties: { reason: { enum: [...ALLOWED_REASONS] } } },
        else: { properties: { reason: { enum: [...DENIED_REASONS] } } },
      },
      // the grant id is there exactly when a grant allowed the access
      {
        if: { properties: { reason: { const: 'grant' } } },
        then: { properties: { grant: id(GRANT_ID_PATTERN) }, required: ['grant'] },
        else: { not: { properties: { grant: id(GRANT_ID_PATTERN) }, required: ['grant'] } },
      },
    ],
  },
);


/** The schema pattern of a case reference: the older form, or `<kind>:<id>` of a registered kind. */
export function caseRefPattern(caseKinds: readonly CaseKind[]): string {
  return caseKinds.length === 0 ? CASE_REF_PATTERN : `^(?:${unanchored(CASE_REF_PATTERN)}|${caseKinds.map((k) => `${k.kind}:(?:${unanchored(k.idPattern)})`).join('|')})$`;
}

/** Reads a counter written by this module (absent = 0). */
const count = (state: StateAccess, key: string): number => {
  const v = state.get(key);
  return typeof v === 'number' ? v : 0;
};

/**
 * Counts the subject for the accessor's day (once per subject and day) and returns the anomaly rules' inputs.
 * The accessor is the org plus the actor pseudonym, so no org can move another org's counters.
 */
function countAccess(ctx: HandlerContext, p: AccessPayload, config: AnomalyConfig) {
  const day = privacyDay(ctx.time, config);
  const seenKey = actorDaySubjectKey(p.org, p.actor, day, p.subject);
  const newSubject = ctx.state.get(seenKey) === undefined;
  const dayKey = actorDayKey(p.org, p.actor, day);
  let subjectsToday = count(ctx.state, dayKey);
  if (newSubject) {
    subjectsToday++;
    ctx.state.set(seenKey, 1);
    ctx.state.set(dayKey, subjectsToday);
  }
  const subjectsPreviousDays: number[] = [];
  for (let back = 1; back <= config.volumeHistoryDays; back++) {
    subjectsPreviousDays.push(count(ctx.state, actorDayKey(p.org, p.actor, privacyDay(ctx.time, config, back))));
  }
  return { subjectsToday, newSubject, subjectsPreviousDays };
}

/** `privacy.access` with the anomaly rules parameterised by `config`. */
export function privacyAccessType(config: AnomalyConfig = anomalyConfig(), caseKinds: readonly CaseKind[] = [], rules?: ChainRules): TxType<AccessPayload> {
  return {
    type: 'privacy.access',
    schema: accessSchemaFor(caseKinds, rules),
    handle(ctx, p) {
      if (p.org !== ctx.org.id) reject(`org ${p.org} is not the signer ${ctx.org.id}: a node records only its own users' accesses`);
      const format = checkLedgerSubject(rules, ctx.height, p.subject);
      if (format !== null) reject(format);
      const key = accessKey(p.subject, p.access);
      if (ctx.state.get(key) !== undefined) reject(`access ${p.access} is already recorded`);
      // `self` skips the anomaly rules: only a resident reading their own record, recorded by the holder, is that
      // (a rule by height: older chains hold blocks that did otherwise, foundation/rules.ts). Where the ledger names
      // the person by a pseudonym only the holder can link, the handler checks the role; a member that labels another
      // holder's subject `self` gets nothing for it, since that holder decides again before releasing (and finds
      // another reason).
      const selfAtHolder = ruleHolds(rules, RULE_PRIVACY_SELF_AT_HOLDER, ctx.height);
      const pseudonymous = ruleHolds(rules, RULE_LEDGER_CONTEXT_PSEUDONYMS, ctx.height);
      if (selfAtHolder && p.reason === 'self' && (p.role !== 'resident' || (!pseudonymous && readSubject(ctx.state, p.subject)?.holder !== p.org))) {
        reject('reason self is for a resident reading their own record at the holding organisation');
      }
      const record: AccessRecord = { ...p, txHash: ctx.txHash, height: ctx.height };
      ctx.state.set(key, record);
      // A person reading their own record is not a use of their data by someone else: no counters, no alerts.
      if (p.reason === 'self') return;
      const counts = countAccess(ctx, p, config);
      const findings = detectAnomalies({ role: p.role, purpose: p.purpose, caseRef: p.caseRef, time: ctx.time, ...counts }, config);
      for (const { rule, detail } of findings) {
        const alert: Alert = { access: p.access, subject: p.subject, rule, detail, org: p.org, role: p.role, actor: p.actor, at: ctx.time };
        ctx.state.set(alertKey(p.subject, p.access, rule), alert);
        ctx.state.set(alertIndexKey(p.access, rule), p.subject);
      }
    },
  };
}

export const privacyAccess: TxType<AccessPayload> = privacyAccessType();

/** The module's transaction types, with the anomaly rules parameterised by `overrides` of DEFAULT_ANOMALY_CONFIG. */
export function createPrivacyTypes(overrides: Partial<AnomalyConfig> = {}, caseKinds: readonly CaseKind[] = [], rules?: ChainRules): readonly TxType<PrivacyPayload>[] {
  return [privacySubjectRegister, privacyGrant, privacyRevoke, privacyAccessType(anomalyConfig(overrides), caseKinds, rules), privacyErase];
}

/** The module's transaction types with DEFAULT_ANOMALY_CONFIG. */
export const privacyTypes: readonly TxType<PrivacyPayload>[] = [privacySubjectRegister, privacyGrant, privacyRevoke, privacyAccess, privacyErase];
