/**
 * A desk's verification of one presentation, check by check in the order of docs/spec/identity.md#verification: the
 * first failing check is the reason. Decoding, digests and the final signature/key-binding/sd_hash check are the
 * `@sd-jwt` libraries'; the ledger answers what only it knows (the credential's record and status, the session).
 */
import { SDJwtInstance } from '@sd-jwt/core';
import { createHashMapping, decodeSdJwt, getClaims, splitSdJwt, type DecodedSDJwt } from '@sd-jwt/decode';
import {
  CREDENTIAL_TYPES,
  credentialRecord,
  credentialTypeOfVct,
  IDENTITY_SESSION_ATTEMPTS_MAX,
  issuerKeyCandidates,
  mayIssue,
  meetsRequirement,
  parseOrgDid,
  retiredBefore,
  requiredClaims,
  sha256Hex,
  SERVICES,
  type CredentialRecord,
  type CredentialTypeId,
  type Genesis,
  type IssuerKey,
  type SessionRecord,
  type StateRead,
  type VerifyReason,
} from '@machi/core';
import { ed25519Verifier, hasher, holderVerify, kbVerifier } from './sdjwt.js';

/** A key-binding JWT must be this fresh (its `iat` within this of the desk's clock). */
export const KB_JWT_AGE_MS_MAX = 5 * 60_000;
/** Clock skew allowed on a credential's `iat`/`nbf`. */
export const CREDENTIAL_SKEW_MS_MAX = 60_000;
/** Largest presentation accepted, characters. */
export const PRESENTATION_CHARS_MAX = 32 * 1024;

export interface VerifyContext {
  genesis: Genesis;
  read: StateRead;
  nowMs: number;
  session: SessionRecord;
  /** the session's nonce (the ledger holds only its hash) */
  nonce: string;
  /** the desk's DID: the KB-JWT's `aud` */
  audience: string;
  /** an organisation's keys as an issuer (IdentityContext.issuerKeys); undefined: not an organisation of the chain */
  issuerKeys: (orgId: string) => readonly IssuerKey[] | undefined;
  /** the height of the block that recorded a credential (IdentityContext.issuedHeight) */
  issuedHeight: (record: CredentialRecord) => number;
}

/**
 * Which of an issuer's keys signed an issuer JWT (`h.p.sig`): the one its `kid` names, or without `kid` any of them.
 * Shared by the desk and the wallet. docs/spec/identity.md#dids-and-keys
 */
export async function issuerKeyOf(ctx: Pick<VerifyContext, 'genesis' | 'issuerKeys'>, iss: unknown, kid: unknown, jwt: string):
  Promise<{ ok: true; orgId: string; key: IssuerKey } | { ok: false; reason: 'unknown-issuer' | 'bad-signature'; orgId?: string; why: string }> {
  const parsed = parseOrgDid(ctx.genesis.chainId, iss);
  const keys = parsed === undefined ? undefined : ctx.issuerKeys(parsed.orgId);
  if (parsed === undefined || keys === undefined || keys.length === 0) return { ok: false, reason: 'unknown-issuer', why: `issuer ${String(iss)} is not an organisation of ${ctx.genesis.chainId}` };
  const orgId = parsed.orgId;
  const candidates = issuerKeyCandidates(ctx.genesis.chainId, orgId, keys, kid);
  if (!Array.isArray(candidates)) return { ok: false, reason: 'unknown-issuer', orgId, why: candidates.why };
  const [h, p, sig] = jwt.split('.');
  for (const key of candidates) if (await ed25519Verifier(key.publicKey)(`${h}.${p}`, sig ?? '')) return { ok: true, orgId, key };
  return { ok: false, reason: 'bad-signature', orgId, why: `the signature is not ${orgId}'s${kid === undefined ? '' : ` (${String(kid)})`}` };
}

export interface Verdict {
  reason: VerifyReason;
  credentialHash?: string;
  type?: CredentialTypeId;
  issuer?: string;
  /** the disclosed claims (only for `ok`) */
  disclosed?: Record<string, unknown>;
  detail: string;
  /**
   * Whether the attempt is recorded on the ledger: only once the credential is known to be signed by an issuer of
   * this chain (and the session is open and consented). Junk, a foreign or forged credential, a closed or
   * unconsented session are answered without any ledger write, so nobody can fill the ledger or use up a session's
   * attempts with them.
   */
  recorded: boolean;
}

/**
 * The consent's commitment to a credential the resident will present: SHA-256 hex of `nonce ‖ "\n" ‖ credentialHash`.
 * The nonce is known only to the desk and the resident, so the public ledger does not link the consent to credentials.
 */
export const consentCommitment = (nonce: string, credentialHash: string): string => sha256Hex(`${nonce}\n${credentialHash}`);

const fail = (reason: VerifyReason, detail: string, known: Partial<Verdict> = {}): Verdict => ({ recorded: false, ...known, reason, detail });

/** Every digest the issuer signed (`_sd` arrays and `...` array entries, at any depth). */
function signedDigests(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) {
      if (typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)['...'] === 'string') out.add((v as Record<string, string>)['...']!);
      signedDigests(v, out);
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '_sd' && Array.isArray(v)) for (const d of v) if (typeof d === 'string') out.add(d);
      signedDigests(v, out);
    }
  }
  return out;
}

export async function verifyPresentation(ctx: VerifyContext, presentation: unknown): Promise<Verdict> {
  const { session, nowMs } = ctx;
  // Not recorded: the session is closed (expired or out of attempts) or the resident has not consented yet.
  if (nowMs >= session.expiresAt) return fail('session-closed', 'the session has expired');
  if (session.attempts >= IDENTITY_SESSION_ATTEMPTS_MAX) return fail('session-closed', `the session had ${IDENTITY_SESSION_ATTEMPTS_MAX} attempts`);
  if (session.consent === null) return fail('no-consent', 'the resident has not consented to this session');

  // Shape
  if (typeof presentation !== 'string' || presentation.length > PRESENTATION_CHARS_MAX) return fail('malformed', 'not an SD-JWT presentation string');
  let decoded: DecodedSDJwt;
  try {
    decoded = await decodeSdJwt(presentation, hasher);
  } catch (e) {
    return fail('malformed', `cannot decode: ${(e as Error).message}`);
  }
  const { header, payload } = decoded.jwt;
  if (header.alg !== 'EdDSA' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number' || typeof payload.vct !== 'string') {
    return fail('malformed', 'the issuer JWT lacks alg EdDSA, jti, exp or vct');
  }
  const credentialHash = sha256Hex(payload.jti);

  // Issuer and signature: by the issuer's key the JWT's kid names (its key history: keys rotate)
  const signedBy = await issuerKeyOf(ctx, payload.iss, header.kid, splitSdJwt(presentation).jwt);
  if (!signedBy.ok) return fail(signedBy.reason, signedBy.why, { credentialHash, ...(signedBy.orgId === undefined ? {} : { issuer: signedBy.orgId }) });
  const { orgId, key } = signedBy;
  const known: Partial<Verdict> = { credentialHash, issuer: orgId };
  // A retired key signs nothing recorded after its retirement (a stolen old key must not issue new credentials).
  // Not recorded, like a forged signature: whoever holds the old key could otherwise spend the session's attempts.
  const issued = credentialRecord(ctx.read, credentialHash);
  const issuedHeight = issued === undefined ? undefined : ctx.issuedHeight(issued);
  if (issuedHeight !== undefined && retiredBefore(key, issuedHeight)) {
    return fail('retired-key', `signed with ${key.kid}, retired at height ${key.until!}, for a credential recorded at height ${issuedHeight}`, known);
  }
  // Before an attempt counts toward the session's attempts (issue 11.5): the resident's consent names this credential
  // and the key-binding JWT answers this session's nonce. Otherwise anyone holding any genuine credential could spend
  // the session's recorded attempts and close it; such attempts are answered and logged, not recorded.
  if (!(session.consent.commitments ?? []).includes(consentCommitment(ctx.nonce, credentialHash))) {
    return fail('credential-not-consented', 'the resident\'s consent does not name this credential', known);
  }
  // Holder binding: the key-binding JWT is the credential holder's, for this desk and this session's nonce, fresh
  const kb = decoded.kbJwt;
  if (kb === undefined) return fail('missing-key-binding', 'no key-binding JWT', known);
  const kbParts = splitSdJwt(presentation).kbJwt!.split('.');
  const cnf = (payload.cnf as { jwk?: unknown } | undefined)?.jwk;
  if (kb.header.typ !== 'kb+jwt' || !holderVerify(cnf, kb.header.alg, `${kbParts[0]}.${kbParts[1]}`, kbParts[2] ?? '')) {
    return fail('bad-key-binding', 'the key-binding JWT is not signed by the credential\'s holder key', known);
  }
  const withoutKb = presentation.slice(0, presentation.lastIndexOf('~') + 1);
  const sdHash = Buffer.from(await hasher(withoutKb, 'sha-256')).toString('base64url');
  if (kb.payload.sd_hash !== sdHash) return fail('tampered-disclosure', 'the disclosures are not the ones the holder signed (sd_hash)', known);
  if (kb.payload.aud !== ctx.audience) return fail('wrong-audience', `meant for ${String(kb.payload.aud)}, not ${ctx.audience}`, known);
  if (kb.payload.nonce !== ctx.nonce) return fail('wrong-nonce', 'the nonce is not this session\'s', known);
  const iat = kb.payload.iat;
  if (typeof iat !== 'number' || Math.abs(iat * 1000 - nowMs) > KB_JWT_AGE_MS_MAX) return fail('stale-key-binding', 'the key-binding JWT is not fresh', known);

  // From here on the presentation is the consented credential's holder answering this session: every attempt is
  // recorded (before that, someone who saw the desk's QR code could spend the attempts with a forged key binding).
  known.recorded = true;

  // Disclosures: each must be one the issuer signed (the library would silently ignore an unknown one)
  const signed = signedDigests(payload);
  const byDigest = await createHashMapping(decoded.disclosures, { hasher, alg: 'sha-256' });
  const stray = Object.keys(byDigest).filter((d) => !signed.has(d));
  if (stray.length > 0 || Object.keys(byDigest).length !== decoded.disclosures.length) return fail('tampered-disclosure', `${stray.length || 1} disclosure(s) not signed by the issuer`, known);

  // Type
  const type = credentialTypeOfVct(payload.vct);
  if (type === undefined || !session.types.includes(type.id)) return fail('wrong-type', `vct ${payload.vct} is not asked for by ${session.service}`, known);
  known.type = type.id;
  if (!mayIssue(orgId, type.id)) return fail('unknown-issuer', `${orgId} may not issue ${type.id}`, known);

  // Validity in time
  if (payload.exp * 1000 <= nowMs) return fail('expired', `expired at ${new Date(payload.exp * 1000).toISOString()}`, known);
  for (const t of ['iat', 'nbf'] as const) {
    const v = payload[t];
    if (typeof v === 'number' && v * 1000 > nowMs + CREDENTIAL_SKEW_MS_MAX) return fail('not-yet-valid', `${t} is in the future`, known);
  }

  // The ledger: recorded issuance and status
  const record = credentialRecord(ctx.read, credentialHash);
  if (record === undefined || record.issuer !== orgId || record.type !== type.id) return fail('unknown-credential', 'no matching identity.issue on the ledger', known);
  if (record.status === 'revoked') return fail('revoked', 'revoked on the ledger', known);
  if (record.status === 'suspended') return fail('suspended', 'suspended on the ledger', known);

  // The session on the ledger
  if (session.verified.includes(type.id) || session.types.every((t) => session.verified.includes(t))) return fail('replayed-nonce', `the session already verified ${type.id}`, known);
  // Bound to the person who consented: their consent committed to this credential (with the session's nonce).
  if (!(session.consent?.commitments ?? []).includes(consentCommitment(ctx.nonce, credentialHash))) {
    return fail('credential-not-consented', 'the resident\'s consent does not name this credential', known);
  }

  // What the service needs
  const disclosed = await getClaims<Record<string, unknown>>(payload, decoded.disclosures, hasher);
  const requirement = SERVICES[session.service].requirements.find((r) => r.type === type.id)!;
  const claimNames = Object.keys(CREDENTIAL_TYPES[type.id].claims);
  const shown = Object.fromEntries(Object.entries(disclosed).filter(([k]) => claimNames.includes(k)));
  const meets = meetsRequirement(requirement, shown);
  if (!meets.ok) return fail('missing-claims', meets.why, known);
  // Nothing beyond what the service needs: the desk neither keeps nor shows nor records more than it asked for.
  const needed = requiredClaims(requirement);
  const extra = Object.keys(shown).filter((c) => !needed.includes(c));
  if (extra.length > 0) return fail('over-disclosed', `discloses what ${session.service} does not need: ${extra.join(', ')}`, known);

  // Last, the reference library over the whole presentation (signature, KB-JWT, nonce, sd_hash) must agree.
  try {
    await new SDJwtInstance({ hasher, verifier: ed25519Verifier(key.publicKey), kbVerifier }).verify(presentation, { keyBindingNonce: ctx.nonce, currentDate: Math.floor(nowMs / 1000), skewSeconds: CREDENTIAL_SKEW_MS_MAX / 1000 });
  } catch (e) {
    return fail('bad-signature', `the SD-JWT library refused it: ${(e as Error).message}`, known);
  }
  return { ...known, recorded: true, reason: 'ok', disclosed: shown, detail: 'verified' };
}
