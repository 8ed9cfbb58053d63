import { describe, expect, it } from 'vitest';
import {
  IDENTITY_SESSION_ATTEMPTS_MAX,
  IDENTITY_SESSION_MS_MAX,
  IDENTITY_STATUS_LIST_ENTRIES_MIN,
  credentialKey,
  credentialRecord,
  consentedSessions,
  identityConsent,
  identityConsentType,
  newChainRules,
  identityIssue,
  identitySession,
  identityStatus,
  identityVerify,
  privacyGrant,
  privacySubjectRegister,
  sessionComplete,
  sessionRecord,
  statusListValues,
  verificationsOfCredential,
  verificationsOfSession,
  type ConsentPayload,
  type ErrorCode,
  type Org,
  type TxType,
  type VerifyPayload,
} from '../../../src/index.js';
import { machiError } from '../helpers.js';
import { MemState, T0, actor, apply, applyOn, gr, hex32, hex64, sub } from '../privacy/fixtures.js';

const org = (id: string): Org => ({ id, name: id, publicKey: `key-${id}`, power: 1 });
const STREET = org('street-office');
const PROPERTY = org('property-company');
const POLICE = org('police');
const OFFICIAL = actor('zhou');
const RESIDENT = actor('resident1');
const ALICE = sub('alice');
const ses = (label: string) => `ses_${hex32(`session ${label}`)}`;
const ver = (label: string) => `ver_${hex32(`verification ${label}`)}`;
const cred = (label: string) => hex64(`credential ${label}`);
const YEAR_MS = 365 * 86_400_000;

/** Runs a handler that must refuse: checks the catalogue code and that nothing was written. */
function refused<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, code: ErrorCode, time = T0): string {
  const before = new Map(state.map);
  const e = machiError(() => apply(type, state, signer, payload, time));
  expect(e.code).toBe(code);
  expect(state.map).toEqual(before);
  return e.message;
}

const issue = (s: MemState, signer: Org, label: string, type: 'residence' | 'elderly' | 'vehicle' = 'residence', expiresAt = T0 + YEAR_MS) =>
  apply(identityIssue, s, signer, { credentialHash: cred(label), type, expiresAt, actor: OFFICIAL });

describe('identity.issue', () => {
  it('records hash, type, issuer, the next status index, expiry — and no claim', () => {
    const s = new MemState();
    issue(s, STREET, 'a');
    issue(s, STREET, 'b', 'elderly');
    issue(s, PROPERTY, 'c');
    expect(credentialRecord(s.read, cred('b'))).toMatchObject({ type: 'elderly', issuer: 'street-office', statusIndex: 1, status: 'valid', expiresAt: T0 + YEAR_MS, issuedAt: T0 });
    expect(credentialRecord(s.read, cred('c'))?.statusIndex).toBe(0); // each issuer has its own list
    expect(Object.keys(credentialRecord(s.read, cred('a'))!).sort()).toEqual(['actor', 'credentialHash', 'expiresAt', 'history', 'issuedAt', 'issuer', 'status', 'statusIndex', 'txHash', 'type']);
  });

  it('refuses a type the signer may not issue with ISSUER_NOT_AUTHORISED', () => {
    const s = new MemState();
    expect(refused(identityIssue, s, STREET, { credentialHash: cred('v'), type: 'vehicle', expiresAt: T0 + YEAR_MS, actor: OFFICIAL }, 'ISSUER_NOT_AUTHORISED')).toMatch(/street-office may not issue vehicle/);
    refused(identityIssue, s, PROPERTY, { credentialHash: cred('e'), type: 'elderly', expiresAt: T0 + YEAR_MS, actor: OFFICIAL }, 'ISSUER_NOT_AUTHORISED');
    issue(s, POLICE, 'v', 'vehicle');
  });

  it('refuses a known hash, an expiry not after the block, and one beyond the longest validity', () => {
    const s = new MemState();
    issue(s, STREET, 'a');
    refused(identityIssue, s, STREET, { credentialHash: cred('a'), type: 'residence', expiresAt: T0 + YEAR_MS, actor: OFFICIAL }, 'CREDENTIAL_INVALID');
    refused(identityIssue, s, STREET, { credentialHash: cred('b'), type: 'residence', expiresAt: T0, actor: OFFICIAL }, 'CREDENTIAL_INVALID');
    refused(identityIssue, s, STREET, { credentialHash: cred('b'), type: 'residence', expiresAt: T0 + 11 * YEAR_MS, actor: OFFICIAL }, 'CREDENTIAL_INVALID');
  });
});

describe('identity.status and the status list', () => {
  it('suspends, reinstates and revokes (final), only by the issuer, and the list follows', () => {
    const s = new MemState();
    issue(s, STREET, 'a');
    issue(s, STREET, 'b');
    const change = (status: 'valid' | 'suspended' | 'revoked', reason: 'under-review' | 'reinstated' | 'moved-away') => ({ credentialHash: cred('b'), status, reason, actor: OFFICIAL });
    expect(refused(identityStatus, s, PROPERTY, change('revoked', 'moved-away'), 'STATUS_CHANGE_FORBIDDEN')).toMatch(/issued by street-office/);
    refused(identityStatus, s, STREET, change('valid', 'reinstated'), 'STATUS_CHANGE_INVALID'); // already valid
    apply(identityStatus, s, STREET, change('suspended', 'under-review'));
    expect(statusListValues(s.read, s.scan, 'street-office').slice(0, 3)).toEqual([0, 2, 0]);
    apply(identityStatus, s, STREET, change('valid', 'reinstated'));
    expect(statusListValues(s.read, s.scan, 'street-office')[1]).toBe(0);
    apply(identityStatus, s, STREET, change('revoked', 'moved-away'));
    expect(statusListValues(s.read, s.scan, 'street-office')[1]).toBe(1);
    refused(identityStatus, s, STREET, change('valid', 'reinstated'), 'STATUS_CHANGE_INVALID');
    expect(credentialRecord(s.read, cred('b'))?.history.map((h) => h.status)).toEqual(['suspended', 'valid', 'revoked']);
    refused(identityStatus, s, STREET, { ...change('revoked', 'moved-away'), credentialHash: cred('nope') }, 'CREDENTIAL_NOT_FOUND');
  });

  it('pads a short list to the minimum size', () => {
    const s = new MemState();
    expect(statusListValues(s.read, s.scan, 'street-office')).toHaveLength(IDENTITY_STATUS_LIST_ENTRIES_MIN);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

const NONCE_HASH = hex64('nonce 1');

function openSession(s: MemState, desk = STREET, label = '1', service: 'elderly-subsidy' | 'parking-permit' = 'elderly-subsidy') {
  apply(identitySession, s, desk, { session: ses(label), service, nonceHash: NONCE_HASH, expiresAt: T0 + 10 * 60_000, actor: OFFICIAL });
}

/** Alice held by `holder`, with residence and elderly credentials from the street office, and a session at its desk. */
function world(holder = STREET): MemState {
  const s = new MemState();
  apply(privacySubjectRegister, s, holder, { subject: ALICE, commitment: hex64('c'), classes: ['identity', 'address'], actor: actor('staff') });
  issue(s, STREET, 'res');
  issue(s, STREET, 'old', 'elderly');
  openSession(s);
  return s;
}

const consent = (over: Partial<ConsentPayload> = {}): ConsentPayload => ({
  session: ses('1'), subject: ALICE, service: 'elderly-subsidy', deskOrg: 'street-office', types: ['residence', 'elderly'], nonceHash: NONCE_HASH, actor: RESIDENT, ...over,
});

const verify = (label: string, over: Partial<VerifyPayload> = {}): VerifyPayload => ({
  verification: ver(label), session: ses('1'), credentialHash: cred('res'), type: 'residence', issuer: 'street-office', result: 'valid', reason: 'ok', actor: OFFICIAL, at: T0, ...over,
});

describe('identity.session', () => {
  it('opens a session at a desk of the service, with the types it needs', () => {
    const s = world();
    expect(sessionRecord(s.read, ses('1'))).toMatchObject({ deskOrg: 'street-office', types: ['residence', 'elderly'], consent: null, verified: [], attempts: 0 });
  });

  it('refuses a service the desk does not offer, a known id and a too long life', () => {
    const s = world();
    refused(identitySession, s, STREET, { session: ses('2'), service: 'parking-permit', nonceHash: NONCE_HASH, expiresAt: T0 + 60_000, actor: OFFICIAL }, 'SESSION_INVALID');
    refused(identitySession, s, STREET, { session: ses('1'), service: 'elderly-subsidy', nonceHash: NONCE_HASH, expiresAt: T0 + 60_000, actor: OFFICIAL }, 'SESSION_INVALID');
    refused(identitySession, s, STREET, { session: ses('3'), service: 'elderly-subsidy', nonceHash: NONCE_HASH, expiresAt: T0 + IDENTITY_SESSION_MS_MAX + 1, actor: OFFICIAL }, 'SESSION_INVALID');
  });
});

describe('identity.consent', () => {
  it('records the consent once, for exactly what the session asks', () => {
    const s = world();
    refused(identityConsent, s, STREET, consent({ types: ['residence'] }), 'CONSENT_INVALID');
    refused(identityConsent, s, STREET, consent({ nonceHash: hex64('other nonce') }), 'CONSENT_INVALID');
    refused(identityConsent, s, STREET, consent({ service: 'low-income-subsidy' }), 'CONSENT_INVALID');
    apply(identityConsent, s, STREET, consent());
    expect(sessionRecord(s.read, ses('1'))?.consent).toMatchObject({ subject: ALICE, holderOrg: 'street-office', actor: RESIDENT });
    expect(consentedSessions(s.read, s.scan, ALICE).map((x) => x.session)).toEqual([ses('1')]);
    refused(identityConsent, s, STREET, consent(), 'CONSENT_INVALID'); // once only
  });

  it('is given by the holder of the subject; another desk needs the holder\'s live grant to it', () => {
    const s = world(PROPERTY);
    refused(identityConsent, s, STREET, consent(), 'CONSENT_INVALID'); // street office does not hold alice
    refused(identityConsent, s, PROPERTY, consent(), 'CONSENT_INVALID'); // no grant
    apply(privacyGrant, s, PROPERTY, { grant: gr('c'), subjects: [ALICE], classes: ['address'], toOrg: 'street-office', toRole: 'official', purpose: 'identity-verification', from: T0, until: T0 + 60_000, actor: RESIDENT });
    refused(identityConsent, s, PROPERTY, consent({ grant: gr('c') }), 'CONSENT_INVALID', T0 + 60_000); // grant ended
    apply(identityConsent, s, PROPERTY, consent({ grant: gr('c') }));
    expect(sessionRecord(s.read, ses('1'))?.consent).toMatchObject({ holderOrg: 'property-company', grant: gr('c') });
  });

  it('names the resident by a pseudonym for the session, and neither service nor grant, on a chain with ledger.context-pseudonyms (issue 11.1)', () => {
    const onNew = applyOn(newChainRules());
    const type = identityConsentType(newChainRules());
    const psn = `psn_${hex64('alice in session 1')}`;
    const { service: _service, ...unnamed } = consent({ subject: psn });
    const refusedNew = (payload: ConsentPayload): string => {
      const s = world(PROPERTY);
      const e = machiError(() => onNew(type, s, PROPERTY, payload));
      expect(e.code).toBe('CONSENT_INVALID');
      return e.message;
    };
    expect(refusedNew({ ...unnamed, subject: ALICE })).toMatch(/pseudonyms/);
    expect(refusedNew({ ...unnamed, service: 'elderly-subsidy' })).toMatch(/neither the service/);
    expect(refusedNew({ ...unnamed, grant: gr('c') })).toMatch(/neither the service/);
    expect(refusedNew({ ...unnamed, types: ['residence'] })).toMatch(/does not match/);
    // the holder signs for another organisation's desk without a grant on the ledger (its node checked the grant)
    const s = world(PROPERTY);
    onNew(type, s, PROPERTY, unnamed);
    expect(sessionRecord(s.read, ses('1'))?.consent).toMatchObject({ subject: psn, holderOrg: 'property-company' });
    expect(consentedSessions(s.read, s.scan, psn).map((x) => x.session)).toEqual([ses('1')]);
    // an older chain keeps its schema: a pseudonym, or a consent without its service, is refused as before
    expect(machiError(() => apply(identityConsent, world(), STREET, unnamed)).code).toBe('TX_PAYLOAD_INVALID');
  });

  it('refuses an unknown or expired session', () => {
    const s = world();
    refused(identityConsent, s, STREET, consent({ session: ses('nope') }), 'SESSION_NOT_FOUND');
    refused(identityConsent, s, STREET, consent(), 'SESSION_CLOSED', T0 + 10 * 60_000);
  });
});

describe('identity.verify', () => {
  it('records failed attempts always, with their reason, in the session and the credential', () => {
    const s = world();
    apply(identityVerify, s, STREET, verify('bad', { result: 'invalid', reason: 'wrong-audience' }));
    apply(identityVerify, s, STREET, verify('garbled', { result: 'invalid', reason: 'malformed', credentialHash: undefined, type: undefined, issuer: undefined } as never));
    expect(verificationsOfSession(s.read, s.scan, ses('1')).map((v) => v.reason).sort()).toEqual(['malformed', 'wrong-audience']);
    expect(verificationsOfCredential(s.read, s.scan, cred('res')).map((v) => v.reason)).toEqual(['wrong-audience']);
    expect(sessionRecord(s.read, ses('1'))?.attempts).toBe(2);
  });

  it('accepts a valid result only with consent, for a type asked, once per type; the session completes', () => {
    const s = world();
    refused(identityVerify, s, STREET, verify('v0'), 'CONSENT_MISSING');
    apply(identityConsent, s, STREET, consent());
    apply(identityVerify, s, STREET, verify('v1'));
    refused(identityVerify, s, STREET, verify('v2'), 'PRESENTATION_REPLAYED');
    expect(sessionComplete(sessionRecord(s.read, ses('1'))!)).toBe(false);
    apply(identityVerify, s, STREET, verify('v3', { credentialHash: cred('old'), type: 'elderly' }));
    expect(sessionComplete(sessionRecord(s.read, ses('1'))!)).toBe(true);
  });

  it('re-checks a valid result against the ledger: record, status, expiry, session', () => {
    const s = world();
    apply(identityConsent, s, STREET, consent());
    refused(identityVerify, s, STREET, verify('x', { credentialHash: cred('unknown') }), 'PRESENTATION_UNTRUSTED');
    refused(identityVerify, s, STREET, verify('x', { type: 'elderly' }), 'PRESENTATION_UNTRUSTED');
    apply(identityStatus, s, STREET, { credentialHash: cred('res'), status: 'suspended', reason: 'under-review', actor: OFFICIAL });
    refused(identityVerify, s, STREET, verify('x'), 'CREDENTIAL_SUSPENDED');
    apply(identityStatus, s, STREET, { credentialHash: cred('res'), status: 'revoked', reason: 'moved-away', actor: OFFICIAL });
    refused(identityVerify, s, STREET, verify('x'), 'CREDENTIAL_REVOKED');
    refused(identityVerify, s, STREET, verify('y', { credentialHash: cred('old'), type: 'elderly' }), 'SESSION_CLOSED', T0 + 10 * 60_000);
  });

  it('is recorded only by the session\'s desk, and at most IDENTITY_SESSION_ATTEMPTS_MAX times', () => {
    const s = world();
    refused(identityVerify, s, PROPERTY, verify('p', { result: 'invalid', reason: 'malformed' }), 'SESSION_NOT_FOUND');
    for (let i = 0; i < IDENTITY_SESSION_ATTEMPTS_MAX; i++) apply(identityVerify, s, STREET, verify(`n${i}`, { result: 'invalid', reason: 'wrong-nonce' }));
    refused(identityVerify, s, STREET, verify('last', { result: 'invalid', reason: 'wrong-nonce' }), 'SESSION_CLOSED');
  });

  it('schema: valid goes with ok and a named credential; invalid never says ok; no other property', () => {
    const s = world();
    apply(identityConsent, s, STREET, consent());
    expect(machiError(() => apply(identityVerify, s, STREET, verify('a', { result: 'invalid', reason: 'ok' }))).code).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => apply(identityVerify, s, STREET, verify('b', { reason: 'expired' }))).code).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => apply(identityVerify, s, STREET, { ...verify('c'), claims: { name: '王' } } as never)).code).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => apply(identityIssue, s, STREET, { credentialHash: cred('z'), type: 'residence', expiresAt: T0 + 1000, actor: OFFICIAL, name: '王' } as never)).code).toBe('TX_PAYLOAD_INVALID');
    expect(s.get(credentialKey(cred('z')))).toBeUndefined();
  });
});
