/**
 * The five `identity.*` transaction types: closed payload schemas (hashes, ids, enums, pseudonyms, times — no claim
 * value ever reaches the ledger) and deterministic handlers. A refusal throws a catalogue error, so the refused
 * transaction stays in its block and the log with that code: every attempt is recorded.
 * docs/spec/identity.md#transactions-module-identity
 */
import { MachiError, type ErrorCode } from '../../errors.js';
import { ID_CHARS_MAX } from '../../limits.js';
import type { StateAccess, TxType } from '../../state/registry.js';
import { ACTOR_PATTERN, ORG_ID_PATTERN, SUBJECT_ID_PATTERN } from '../../foundation/patterns.js';
import { RULE_LEDGER_CONTEXT_PSEUDONYMS, chainNamesRule, ruleHolds, type ChainRules } from '../../foundation/rules.js';
import { LEDGER_SUBJECT_PATTERN, checkLedgerSubject } from '../privacy/handlers.js';
import { subjectKey, grantKey, GRANT_ID_PATTERN, type GrantRecord, type SubjectRecord } from '../privacy/types.js';
import { CREDENTIAL_TYPE_IDS, SERVICES, SERVICE_IDS, mayIssue, serviceTypes } from './catalogue.js';
import {
  CREDENTIAL_HASH_PATTERN,
  CREDENTIAL_STATUSES,
  IDENTITY_CONSENT_COMMITMENTS_MAX,
  IDENTITY_CREDENTIAL_VALIDITY_MS_MAX,
  IDENTITY_SESSION_ATTEMPTS_MAX,
  IDENTITY_SESSION_MS_MAX,
  IDENTITY_STATUS_LIST_ENTRIES_MAX,
  IDENTITY_TIME_MS_MAX,
  NONCE_HASH_PATTERN,
  SESSION_ID_PATTERN,
  STATUS_REASONS,
  STATUS_VALUES,
  VERIFICATION_ID_PATTERN,
  VERIFY_REASONS,
  credentialKey,
  credentialVerificationKey,
  sessionKey,
  sessionVerificationKey,
  statusEntryKey,
  statusNextKey,
  subjectConsentKey,
  verificationKey,
  type ConsentPayload,
  type CredentialRecord,
  type IdentityPayload,
  type IssuePayload,
  type SessionPayload,
  type SessionRecord,
  type StatusPayload,
  type VerificationRecord,
  type VerifyPayload,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------------
// Schema pieces
// ---------------------------------------------------------------------------------------------------------------------

const id = (pattern: string) => ({ type: 'string', pattern });
const timeMs = { type: 'integer', minimum: 0, maximum: IDENTITY_TIME_MS_MAX };
const orgId = { type: 'string', pattern: ORG_ID_PATTERN, maxLength: ID_CHARS_MAX };
const typeId = { type: 'string', enum: [...CREDENTIAL_TYPE_IDS] };
const actor = id(ACTOR_PATTERN);

function objectSchema(properties: Record<string, unknown>, optional: readonly string[] = [], extra: Record<string, unknown> = {}) {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties).filter((k) => !optional.includes(k)), properties, ...extra };
}

function refuse(code: ErrorCode, why: string): never {
  throw new MachiError(code, why);
}

const readCredential = (state: StateAccess, hash: string) => state.get(credentialKey(hash)) as CredentialRecord | undefined;
const readSession = (state: StateAccess, session: string) => state.get(sessionKey(session)) as SessionRecord | undefined;

// ---------------------------------------------------------------------------------------------------------------------
// identity.issue
// ---------------------------------------------------------------------------------------------------------------------

export const identityIssue: TxType<IssuePayload> = {
  type: 'identity.issue',
  schema: objectSchema({ credentialHash: id(CREDENTIAL_HASH_PATTERN), type: typeId, expiresAt: timeMs, actor }),
  handle(ctx, p) {
    if (!mayIssue(ctx.org.id, p.type)) refuse('ISSUER_NOT_AUTHORISED', `${ctx.org.id} may not issue ${p.type} credentials`);
    if (readCredential(ctx.state, p.credentialHash) !== undefined) refuse('CREDENTIAL_INVALID', `credential ${p.credentialHash} is already recorded`);
    if (p.expiresAt <= ctx.time) refuse('CREDENTIAL_INVALID', 'the credential would expire before it is issued');
    if (p.expiresAt - ctx.time > IDENTITY_CREDENTIAL_VALIDITY_MS_MAX) refuse('CREDENTIAL_INVALID', `a credential is valid for at most ${IDENTITY_CREDENTIAL_VALIDITY_MS_MAX} ms`);
    const next = ctx.state.get(statusNextKey(ctx.org.id));
    const statusIndex = typeof next === 'number' ? next : 0;
    if (statusIndex >= IDENTITY_STATUS_LIST_ENTRIES_MAX) refuse('STATUS_LIST_FULL', `${ctx.org.id}'s status list has ${IDENTITY_STATUS_LIST_ENTRIES_MAX} entries`);
    const record: CredentialRecord = {
      credentialHash: p.credentialHash, type: p.type, issuer: ctx.org.id, statusIndex, status: 'valid', expiresAt: p.expiresAt,
      issuedAt: ctx.time, actor: p.actor, txHash: ctx.txHash, history: [],
    };
    ctx.state.set(credentialKey(p.credentialHash), record);
    ctx.state.set(statusNextKey(ctx.org.id), statusIndex + 1);
    ctx.state.set(statusEntryKey(ctx.org.id, statusIndex), STATUS_VALUES.valid);
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// identity.status
// ---------------------------------------------------------------------------------------------------------------------

/** Whether a credential may go from `from` to `to`: revocation is final; suspension is lifted by `valid`. */
export function statusChangeAllowed(from: CredentialRecord['status'], to: CredentialRecord['status']): boolean {
  return from !== 'revoked' && from !== to;
}

export const identityStatus: TxType<StatusPayload> = {
  type: 'identity.status',
  schema: objectSchema({
    credentialHash: id(CREDENTIAL_HASH_PATTERN),
    status: { type: 'string', enum: [...CREDENTIAL_STATUSES] },
    reason: { type: 'string', enum: [...STATUS_REASONS] },
    actor,
  }),
  handle(ctx, p) {
    const c = readCredential(ctx.state, p.credentialHash);
    if (c === undefined) return refuse('CREDENTIAL_NOT_FOUND', `no credential ${p.credentialHash}`);
    if (c.issuer !== ctx.org.id) refuse('STATUS_CHANGE_FORBIDDEN', `credential ${p.credentialHash} was issued by ${c.issuer}, not ${ctx.org.id}`);
    if (!statusChangeAllowed(c.status, p.status)) refuse('STATUS_CHANGE_INVALID', `credential ${p.credentialHash} is ${c.status}: it cannot become ${p.status}`);
    const history = [...c.history, { status: p.status, reason: p.reason, at: ctx.time, actor: p.actor, txHash: ctx.txHash }];
    ctx.state.set(credentialKey(p.credentialHash), { ...c, status: p.status, history });
    ctx.state.set(statusEntryKey(c.issuer, c.statusIndex), STATUS_VALUES[p.status]);
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// identity.session
// ---------------------------------------------------------------------------------------------------------------------

export const identitySession: TxType<SessionPayload> = {
  type: 'identity.session',
  schema: objectSchema({ session: id(SESSION_ID_PATTERN), service: { type: 'string', enum: [...SERVICE_IDS] }, nonceHash: id(NONCE_HASH_PATTERN), expiresAt: timeMs, actor }),
  handle(ctx, p) {
    if (!SERVICES[p.service].desks.includes(ctx.org.id)) refuse('SESSION_INVALID', `${p.service} is not a service of ${ctx.org.id}'s desk`);
    if (readSession(ctx.state, p.session) !== undefined) refuse('SESSION_INVALID', `session ${p.session} already exists`);
    if (p.expiresAt <= ctx.time || p.expiresAt - ctx.time > IDENTITY_SESSION_MS_MAX) refuse('SESSION_INVALID', `a session lasts at most ${IDENTITY_SESSION_MS_MAX} ms from its block`);
    const record: SessionRecord = {
      session: p.session, service: p.service, deskOrg: ctx.org.id, types: serviceTypes(p.service), nonceHash: p.nonceHash,
      openedAt: ctx.time, expiresAt: p.expiresAt, actor: p.actor, txHash: ctx.txHash, consent: null, verified: [], attempts: 0,
    };
    ctx.state.set(sessionKey(p.session), record);
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// identity.consent
// ---------------------------------------------------------------------------------------------------------------------

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * `identity.consent`. On chains with `ledger.context-pseudonyms` the consent names the resident by a pseudonym for this
 * session only (the holder derives it; docs/spec/privacy.md#how-the-linkages-are-closed) and carries neither the
 * service (the session names it: the service then stands next to no identifier of the person) nor the holder's grant
 * to another desk (whose subject list would link the consent to the person's record). Its signer is the holder: that
 * the subject is its own, not erased, and covered by a grant to a desk of another organisation, the holder's node
 * checks before signing, and the desk's read is decided and recorded as any other (`privacy.access`).
 */
export function identityConsentType(rules?: ChainRules): TxType<ConsentPayload> {
  // a chain that never names the rule keeps its schema exactly (refusal codes are part of the record)
  const named = chainNamesRule(rules, RULE_LEDGER_CONTEXT_PSEUDONYMS);
  return {
    type: 'identity.consent',
    schema: objectSchema(
      {
        session: id(SESSION_ID_PATTERN),
        subject: id(named ? LEDGER_SUBJECT_PATTERN : SUBJECT_ID_PATTERN),
        service: { type: 'string', enum: [...SERVICE_IDS] },
        deskOrg: orgId,
        types: { type: 'array', minItems: 1, maxItems: CREDENTIAL_TYPE_IDS.length, uniqueItems: true, items: typeId },
        nonceHash: id(NONCE_HASH_PATTERN),
        grant: id(GRANT_ID_PATTERN),
        commitments: { type: 'array', minItems: 1, maxItems: IDENTITY_CONSENT_COMMITMENTS_MAX, uniqueItems: true, items: id(CREDENTIAL_HASH_PATTERN) },
        actor,
      },
      named ? ['service', 'grant', 'commitments'] : ['grant', 'commitments'],
    ),
    handle(ctx, p) {
      const format = checkLedgerSubject(rules, ctx.height, p.subject);
      if (format !== null) refuse('CONSENT_INVALID', format);
      const pseudonymous = ruleHolds(rules, RULE_LEDGER_CONTEXT_PSEUDONYMS, ctx.height);
      if (pseudonymous && (p.service !== undefined || p.grant !== undefined)) refuse('CONSENT_INVALID', 'a consent names neither the service nor a grant on this chain: its session names the service');
      if (!pseudonymous && p.service === undefined) refuse('CONSENT_INVALID', 'a consent names its service');
      const s = readSession(ctx.state, p.session);
      if (s === undefined) return refuse('SESSION_NOT_FOUND', `no session ${p.session}`);
      if (ctx.time >= s.expiresAt) refuse('SESSION_CLOSED', `session ${p.session} expired`);
      if (s.consent !== null) refuse('CONSENT_INVALID', `session ${p.session} already has a consent`);
      // The resident consents to exactly what the desk asked: service, desk, types and nonce.
      if ((p.service !== undefined && p.service !== s.service) || p.deskOrg !== s.deskOrg || p.nonceHash !== s.nonceHash || !sameList(p.types, s.types)) {
        refuse('CONSENT_INVALID', `the consent does not match session ${p.session}`);
      }
      if (!pseudonymous) {
        const subject = ctx.state.get(subjectKey(p.subject)) as SubjectRecord | undefined;
        if (subject?.holder !== ctx.org.id) refuse('CONSENT_INVALID', `subject ${p.subject} is not held by ${ctx.org.id}`);
        if (subject.erased) refuse('CONSENT_INVALID', `subject ${p.subject} is erased`);
        if (s.deskOrg === ctx.org.id) {
          if (p.grant !== undefined) refuse('CONSENT_INVALID', 'the desk is the holder: no grant is needed');
        } else {
          const g = p.grant === undefined ? undefined : (ctx.state.get(grantKey(p.grant)) as GrantRecord | undefined);
          const covers = g !== undefined && !g.revoked && g.org === ctx.org.id && g.toOrg === s.deskOrg && g.toRole === 'official'
            && g.purpose === 'identity-verification' && g.subjects.includes(p.subject) && g.from <= ctx.time && ctx.time < g.until;
          if (!covers) refuse('CONSENT_INVALID', `the desk ${s.deskOrg} is another organisation: the consent needs the holder's grant to it for this subject`);
        }
      }
      const consent: SessionRecord['consent'] = {
        subject: p.subject, holderOrg: ctx.org.id, actor: p.actor, at: ctx.time, txHash: ctx.txHash, ...(p.grant === undefined ? {} : { grant: p.grant }),
        ...(p.commitments === undefined ? {} : { commitments: p.commitments }),
      };
      ctx.state.set(sessionKey(p.session), { ...s, consent });
      ctx.state.set(subjectConsentKey(p.subject, p.session), 1);
    },
  };
}

/** `identity.consent` in the older format (chains without `ledger.context-pseudonyms`). */
export const identityConsent: TxType<ConsentPayload> = identityConsentType();

// ---------------------------------------------------------------------------------------------------------------------
// identity.verify
// ---------------------------------------------------------------------------------------------------------------------

export const identityVerify: TxType<VerifyPayload> = {
  type: 'identity.verify',
  schema: objectSchema(
    {
      verification: id(VERIFICATION_ID_PATTERN),
      session: id(SESSION_ID_PATTERN),
      credentialHash: id(CREDENTIAL_HASH_PATTERN),
      type: typeId,
      issuer: orgId,
      result: { type: 'string', enum: ['valid', 'invalid'] },
      reason: { type: 'string', enum: [...VERIFY_REASONS] },
      actor,
      at: timeMs,
    },
    ['credentialHash', 'type', 'issuer'],
    {
      // valid exactly with reason ok, and a valid result names its credential
      if: { properties: { result: { const: 'valid' } } },
      then: { properties: { reason: { const: 'ok' }, credentialHash: id(CREDENTIAL_HASH_PATTERN), type: typeId, issuer: orgId }, required: ['credentialHash', 'type', 'issuer'] },
      else: { properties: { reason: { not: { const: 'ok' } } } },
    },
  ),
  handle(ctx, p) {
    const s = readSession(ctx.state, p.session);
    if (s === undefined) return refuse('SESSION_NOT_FOUND', `no session ${p.session}`);
    if (s.deskOrg !== ctx.org.id) refuse('SESSION_NOT_FOUND', `session ${p.session} belongs to ${s.deskOrg}: only its desk records verifications`);
    if (ctx.state.get(verificationKey(p.verification)) !== undefined) refuse('HANDLER_REJECTED', `verification ${p.verification} is already recorded`);
    if (s.attempts >= IDENTITY_SESSION_ATTEMPTS_MAX) refuse('SESSION_CLOSED', `session ${p.session} had ${IDENTITY_SESSION_ATTEMPTS_MAX} attempts`);
    let verified = s.verified;
    if (p.result === 'valid') {
      // The ledger re-checks what it can: the credential, its issuer, type and status now, the consent, the session.
      const c = readCredential(ctx.state, p.credentialHash!);
      if (c === undefined || c.issuer !== p.issuer || c.type !== p.type) refuse('PRESENTATION_UNTRUSTED', `credential ${String(p.credentialHash)} is not recorded as ${String(p.type)} by ${String(p.issuer)}`);
      if (c.status !== 'valid') refuse(c.status === 'revoked' ? 'CREDENTIAL_REVOKED' : 'CREDENTIAL_SUSPENDED', `credential ${c.credentialHash} is ${c.status}`);
      if (ctx.time >= c.expiresAt) refuse('CREDENTIAL_EXPIRED', `credential ${c.credentialHash} expired`);
      if (s.consent === null) refuse('CONSENT_MISSING', `session ${p.session} has no consent`);
      if (ctx.time >= s.expiresAt) refuse('SESSION_CLOSED', `session ${p.session} expired`);
      if (!s.types.includes(c.type)) refuse('PRESENTATION_UNTRUSTED', `session ${p.session} does not ask for ${c.type}`);
      if (s.verified.includes(c.type)) refuse('PRESENTATION_REPLAYED', `session ${p.session} already verified ${c.type}`);
      verified = [...s.verified, c.type];
    }
    const record: VerificationRecord = { ...p, verifierOrg: ctx.org.id, txHash: ctx.txHash, height: ctx.height };
    ctx.state.set(verificationKey(p.verification), record);
    ctx.state.set(sessionVerificationKey(p.session, p.verification), 1);
    if (p.credentialHash !== undefined) ctx.state.set(credentialVerificationKey(p.credentialHash, p.verification), 1);
    ctx.state.set(sessionKey(p.session), { ...s, verified, attempts: s.attempts + 1 });
  },
};

/** The module's transaction types, in the format of a chain with `rules`. */
export const createIdentityTypes = (rules?: ChainRules): readonly TxType<IdentityPayload>[] =>
  [identityIssue, identityStatus, identitySession, identityConsentType(rules), identityVerify] as readonly TxType<IdentityPayload>[];

/** The module's transaction types on a chain without newer rules. */
export const identityTypes: readonly TxType<IdentityPayload>[] = createIdentityTypes();
