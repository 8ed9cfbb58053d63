/**
 * SD-JWT VC issuance, presentation and status list tokens with the `@sd-jwt/*` libraries: nothing here builds an
 * SD-JWT by hand. The issuer signs with its organisation's consortium Ed25519 key (EdDSA); the holder's key (`cnf.jwk`)
 * is Ed25519 or P-256. docs/spec/identity.md#credential-format
 */
import { createPublicKey, verify as verifySig, type JsonWebKey } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { Jwt } from '@sd-jwt/core';
import { digest, generateSalt, ES256 } from '@sd-jwt/crypto-nodejs';
import { StatusList, createHeaderAndPayload } from '@sd-jwt/jwt-status-list';
import type { DisclosureFrame, Hasher, KbVerifier, Signer as SdSigner, Verifier } from '@sd-jwt/types';
import {
  CREDENTIAL_TYPES,
  STATUS_LIST_BITS,
  didOfOrg,
  utf8,
  type Claims,
  type CredentialTypeId,
  type Signer,
} from '@machi/core';

export const hasher: Hasher = (data, alg) => digest(data, alg);

/** How long a status list token may be cached by a verifier, s. */
export const STATUS_LIST_TTL_S = 300;

/** An SD-JWT signer over the organisation's key: a JWS EdDSA signature is the raw Ed25519 signature, base64url. */
export function orgSdSigner(signer: Signer): SdSigner {
  return (data: string) => signer.sign(utf8(data));
}

/** Verifies an EdDSA JWS signature with an Ed25519 public key given as base64url `x`. */
export function ed25519Verifier(x: string): Verifier {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  return (data: string, sig: string) => {
    try {
      return verifySig(null, Buffer.from(data, 'utf8'), key, Buffer.from(sig, 'base64url'));
    } catch {
      return false;
    }
  };
}

/** A holder's public key: Ed25519 (`EdDSA`) or P-256 (`ES256`), public part only. */
export type HolderJwk = { kty: 'OKP'; crv: 'Ed25519'; x: string } | { kty: 'EC'; crv: 'P-256'; x: string; y: string };

const B64U_32 = /^[A-Za-z0-9_-]{43}$/;

/** The holder JWK reduced to its public members, or why it is not acceptable. */
export function holderJwkOf(v: unknown): { ok: true; jwk: HolderJwk } | { ok: false; why: string } {
  if (typeof v !== 'object' || v === null) return { ok: false, why: 'holderJwk must be a JSON Web Key' };
  const j = v as Record<string, unknown>;
  if ('d' in j) return { ok: false, why: 'holderJwk must be the public key only (no "d")' };
  let jwk: HolderJwk;
  if (j.kty === 'OKP' && j.crv === 'Ed25519' && typeof j.x === 'string' && B64U_32.test(j.x)) jwk = { kty: 'OKP', crv: 'Ed25519', x: j.x };
  else if (j.kty === 'EC' && j.crv === 'P-256' && typeof j.x === 'string' && typeof j.y === 'string' && B64U_32.test(j.x) && B64U_32.test(j.y)) jwk = { kty: 'EC', crv: 'P-256', x: j.x, y: j.y };
  else return { ok: false, why: 'holderJwk must be an Ed25519 (OKP) or P-256 (EC) public key' };
  try {
    createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return { ok: false, why: 'holderJwk is not a valid point' };
  }
  return { ok: true, jwk };
}

/** Verifies a JWS signature made by the holder key in `cnf.jwk` (EdDSA or ES256, per the JWS `alg`). */
export function holderVerify(jwk: unknown, alg: unknown, data: string, sig: string): boolean {
  const checked = holderJwkOf(jwk);
  if (!checked.ok) return false;
  try {
    const key = createPublicKey({ key: checked.jwk as JsonWebKey, format: 'jwk' });
    const bytes = Buffer.from(data, 'utf8');
    const s = Buffer.from(sig, 'base64url');
    if (checked.jwk.kty === 'OKP' && alg === 'EdDSA') return verifySig(null, bytes, key, s);
    if (checked.jwk.kty === 'EC' && alg === 'ES256') return verifySig('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' }, s);
    return false;
  } catch {
    return false;
  }
}

/** The library's key-binding verifier: the KB-JWT must be signed by the credential's `cnf.jwk`. */
export const kbVerifier: KbVerifier = (data, sig, payload) => {
  const header = JSON.parse(Buffer.from(data.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
  return holderVerify((payload.cnf as { jwk?: unknown } | undefined)?.jwk, header.alg, data, sig);
};

export interface IssueInput {
  chainId: string;
  orgId: string;
  signer: Signer;
  /** the DID URL of the signer's key (`did:machi:…#org-key`, `#key-<n>` after rotations) */
  kid: string;
  type: CredentialTypeId;
  claims: Claims;
  holderJwk: HolderJwk;
  /** the credential id (`jti`); its SHA-256 is on the ledger */
  credentialId: string;
  issuedAtMs: number;
  expiresAtMs: number;
  statusIndex: number;
  statusUri: string;
}

/** Issues an SD-JWT VC: every claim selectively disclosable; iss, vct, jti, iat, exp, cnf and status in clear. */
export async function issueSdJwtVc(i: IssueInput): Promise<string> {
  const sdjwt = new SDJwtVcInstance({ signer: orgSdSigner(i.signer), signAlg: 'EdDSA', hasher, hashAlg: 'sha-256', saltGenerator: generateSalt });
  const payload = {
    iss: didOfOrg(i.chainId, i.orgId),
    vct: CREDENTIAL_TYPES[i.type].vct,
    jti: i.credentialId,
    iat: Math.floor(i.issuedAtMs / 1000),
    exp: Math.floor(i.expiresAtMs / 1000),
    cnf: { jwk: i.holderJwk },
    status: { status_list: { idx: i.statusIndex, uri: i.statusUri } },
    ...i.claims,
  };
  const frame = { _sd: Object.keys(i.claims) } as DisclosureFrame<typeof payload>;
  return sdjwt.issue(payload, frame, { header: { kid: i.kid } });
}

/** The claims of an SD-JWT (all disclosures in it), without verifying anything. */
export async function decodedClaims(sdjwt: string): Promise<Record<string, unknown>> {
  return new SDJwtVcInstance({ hasher }).getClaims(sdjwt) as Promise<Record<string, unknown>>;
}

/**
 * A presentation: the credential with only `disclose` claims, and a KB-JWT over `nonce` and `aud` signed by the holder
 * key. `holderSign`/`alg` sign the KB-JWT (a wallet does this with its own key).
 */
export async function presentSdJwtVc(credential: string, disclose: readonly string[], kb: { nonce: string; aud: string; iatS: number; sign: SdSigner; alg: 'EdDSA' | 'ES256' }): Promise<string> {
  const inst = new SDJwtVcInstance({ hasher, kbSigner: kb.sign, kbSignAlg: kb.alg });
  const frame = Object.fromEntries(disclose.map((c) => [c, true]));
  return inst.present(credential, frame, { kb: { payload: { iat: kb.iatS, aud: kb.aud, nonce: kb.nonce } } });
}

/** A P-256 holder key pair for demo wallets whose key the node holds (ES256 through the library's helpers). */
export async function demoHolderKey(): Promise<{ publicJwk: HolderJwk; privateJwk: JsonWebKey }> {
  const { publicKey, privateKey } = await ES256.generateKeyPair();
  return { publicJwk: { kty: 'EC', crv: 'P-256', x: publicKey.x!, y: publicKey.y! }, privateJwk: privateKey as JsonWebKey };
}

export const demoHolderSigner = (privateJwk: JsonWebKey): Promise<SdSigner> => ES256.getSigner(privateJwk);

/**
 * An issuer's Token Status List as a signed `statuslist+jwt` (draft-ietf-oauth-status-list), built from the ledger's
 * values: `sub` is the list's URI, `ttl` how long it may be cached.
 */
export async function statusListToken(o: { chainId: string; orgId: string; signer: Signer; kid: string; uri: string; values: number[]; nowMs: number }): Promise<string> {
  const list = new StatusList(o.values, STATUS_LIST_BITS);
  const iat = Math.floor(o.nowMs / 1000);
  const { header, payload } = createHeaderAndPayload(
    list,
    { iss: didOfOrg(o.chainId, o.orgId), sub: o.uri, iat, exp: iat + STATUS_LIST_TTL_S, ttl: STATUS_LIST_TTL_S },
    { alg: 'EdDSA', typ: 'statuslist+jwt', kid: o.kid },
  );
  return new Jwt({ header, payload }).sign(orgSdSigner(o.signer));
}
