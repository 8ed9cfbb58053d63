/**
 * Organisations' DIDs: `did:machi:<chainId>:<orgId>`, a ledger-anchored method resolved from the genesis and the
 * chain's member-set changes (the organisation's consortium Ed25519 keys: one per key rotation). Pure: the DID
 * document is a function of the organisation's key history (the consortium module's `orgKeyHistory`).
 * docs/spec/identity.md#dids-and-keys
 */
import type { Genesis, Org } from '../../genesis.js';

/**
 * One key of an organisation and the heights it was in force (`from` up to `until` − 1; `until` absent: still): an
 * entry of the consortium module's `orgKeyHistory`, restated here so that identity does not depend on consortium
 * (the node hands one to the other).
 */
export interface KeyInForce {
  publicKey: string;
  from: number;
  until?: number;
}

export const DID_METHOD_PREFIX = 'did:machi:';
/** The fragment of an organisation's first key (its genesis key): the only one before any rotation. */
export const ORG_KEY_FRAGMENT = 'org-key';
const LATER_KEY_RE = /^key-([1-9][0-9]{0,5})$/;

/** The fragment of an organisation's key number `n` in its key history: `org-key` for the first, `key-<n>` after. */
export const keyFragment = (n: number): string => (n === 0 ? ORG_KEY_FRAGMENT : `key-${n}`);
/** The key number a fragment names, or undefined. */
function keyNumberOf(fragment: string): number | undefined {
  if (fragment === ORG_KEY_FRAGMENT) return 0;
  const m = LATER_KEY_RE.exec(fragment);
  return m === null ? undefined : Number(m[1]);
}

export const didOfOrg = (chainId: string, orgId: string): string => `${DID_METHOD_PREFIX}${chainId}:${orgId}`;
export const keyIdOfOrg = (chainId: string, orgId: string, n = 0): string => `${didOfOrg(chainId, orgId)}#${keyFragment(n)}`;

/** The public JWK of an organisation's key, as published (`kid` = its DID URL). */
export interface OrgJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
  /** a retired key: when it stopped being in force (NumericDate, s), as in OpenID Federation's historical keys */
  exp?: number;
}

export function orgJwk(chainId: string, org: Org): OrgJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: org.publicKey, kid: keyIdOfOrg(chainId, org.id), alg: 'EdDSA', use: 'sig' };
}

/**
 * The organisation id and key number a `did:machi` DID (or DID URL with a key fragment) of chain `chainId` names, or
 * undefined. `key` is absent for a DID without fragment.
 */
export function parseOrgDid(chainId: string, did: unknown): { orgId: string; key?: number } | undefined {
  if (typeof did !== 'string') return undefined;
  const prefix = `${DID_METHOD_PREFIX}${chainId}:`;
  if (!did.startsWith(prefix)) return undefined;
  const rest = did.slice(prefix.length);
  const hash = rest.indexOf('#');
  if (hash < 0) return rest === '' ? undefined : { orgId: rest };
  const key = keyNumberOf(rest.slice(hash + 1));
  return key === undefined || hash === 0 ? undefined : { orgId: rest.slice(0, hash), key };
}

/** The genesis organisation a `did:machi` DID (or DID URL with a key fragment) of this chain names, or undefined. */
export function orgOfDid(genesis: Genesis, did: unknown): Org | undefined {
  const parsed = parseOrgDid(genesis.chainId, did);
  return parsed === undefined ? undefined : genesis.orgs.find((o) => o.id === parsed.orgId);
}

/** One of an organisation's keys as an issuer: its key history entry and its DID URL. */
export interface IssuerKey extends KeyInForce {
  kid: string;
}

/**
 * An organisation's keys as an issuer as of `height` (the next height the chain signs), oldest first: its key history
 * with each key's DID URL (`#org-key`, `#key-1`, …), without a key not yet in force (a rotation waiting for its
 * height); a key retired only from a later height is still in force. The last is the one in force, unless the
 * organisation was removed.
 */
export function issuerKeys(chainId: string, orgId: string, history: readonly KeyInForce[], height: number): IssuerKey[] {
  return history
    .map((k, n): IssuerKey => ({ ...k, kid: keyIdOfOrg(chainId, orgId, n) }))
    .filter((k) => k.from <= height)
    .map((k) => (k.until !== undefined && k.until > height ? { publicKey: k.publicKey, from: k.from, kid: k.kid } : k));
}

/** The key in force among `keys` (from issuerKeys), or undefined if the organisation was removed. */
export const issuerKeyInForce = (keys: readonly IssuerKey[]): IssuerKey | undefined => {
  const last = keys[keys.length - 1];
  return last?.until === undefined ? last : undefined;
};

/**
 * The keys that may have signed a JWT with header `kid` among an issuer's `keys`: the one it names (a DID URL of
 * this issuer), or without `kid` every key, newest first. A `kid` naming no key of the issuer: a reason.
 */
export function issuerKeyCandidates(chainId: string, orgId: string, keys: readonly IssuerKey[], kid: unknown): IssuerKey[] | { why: string } {
  if (kid === undefined) return [...keys].reverse();
  const parsed = parseOrgDid(chainId, kid);
  const key = parsed?.orgId === orgId && parsed.key !== undefined ? keys[parsed.key] : undefined;
  return key === undefined ? { why: `kid ${String(kid)} is not a key of ${orgId}` } : [key];
}

/**
 * Whether `key` was retired before the ledger recorded, at `issuedHeight`, what it signed: a retired key (lost,
 * stolen, replaced) must not sign anything new. A key that came into force after `issuedHeight` may sign a
 * credential recorded before (the wallet picked it up after the rotation).
 */
export const retiredBefore = (key: KeyInForce, issuedHeight: number): boolean => key.until !== undefined && issuedHeight >= key.until;

/**
 * The W3C DID document of an organisation from its issuer keys (issuerKeys, oldest first): every key is a
 * verification method (the one in force first), every key an assertion method (so credentials an earlier key signed
 * still verify), the key in force alone the authentication method. A retired key carries `revoked` (the Controlled
 * Identifiers property: no proof made at or after that time verifies) when `retiredAtMs` knows when it was retired.
 */
export function didDocument(chainId: string, orgId: string, keys: readonly IssuerKey[], retiredAtMs: (key: IssuerKey) => number | undefined = () => undefined): Record<string, unknown> {
  const did = didOfOrg(chainId, orgId);
  const newestFirst = [...keys].reverse();
  const current = issuerKeyInForce(keys);
  const methods = newestFirst.map((k) => {
    const at = k.until === undefined ? undefined : retiredAtMs(k);
    return { id: k.kid, type: 'JsonWebKey2020', controller: did, publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: k.publicKey }, ...(at === undefined ? {} : { revoked: new Date(at).toISOString() }) };
  });
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    controller: did,
    verificationMethod: methods,
    assertionMethod: methods.map((m) => m.id),
    authentication: current === undefined ? [] : [current.kid],
  };
}

/** The JWKS of an issuer (SD-JWT VC issuer metadata): its keys, the one in force first; a retired key with `exp`. */
export function issuerJwks(keys: readonly IssuerKey[], retiredAtMs: (key: IssuerKey) => number | undefined = () => undefined): { keys: OrgJwk[] } {
  return {
    keys: [...keys].reverse().map((k) => {
      const at = k.until === undefined ? undefined : retiredAtMs(k);
      return { kty: 'OKP', crv: 'Ed25519', x: k.publicKey, kid: k.kid, alg: 'EdDSA', use: 'sig', ...(at === undefined ? {} : { exp: Math.floor(at / 1000) }) };
    }),
  };
}
