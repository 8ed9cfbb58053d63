/**
 * Organisations' DIDs: `did:machi:<chainId>:<orgId>`, a ledger-anchored method resolved from the genesis alone (the
 * organisation's consortium Ed25519 key). Pure: the DID document is a function of the genesis.
 * docs/spec/identity.md#dids-and-keys
 */
import type { Genesis, Org } from '../../genesis.js';

export const DID_METHOD_PREFIX = 'did:machi:';
/** The fragment of an organisation's one verification method. */
export const ORG_KEY_FRAGMENT = 'org-key';

export const didOfOrg = (chainId: string, orgId: string): string => `${DID_METHOD_PREFIX}${chainId}:${orgId}`;
export const keyIdOfOrg = (chainId: string, orgId: string): string => `${didOfOrg(chainId, orgId)}#${ORG_KEY_FRAGMENT}`;

/** The public JWK of an organisation's key, as published (`kid` = its DID URL). */
export interface OrgJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export function orgJwk(chainId: string, org: Org): OrgJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: org.publicKey, kid: keyIdOfOrg(chainId, org.id), alg: 'EdDSA', use: 'sig' };
}

/** The organisation a `did:machi` DID (or DID URL with `#org-key`) of this chain names, or undefined. */
export function orgOfDid(genesis: Genesis, did: unknown): Org | undefined {
  if (typeof did !== 'string') return undefined;
  const prefix = `${DID_METHOD_PREFIX}${genesis.chainId}:`;
  if (!did.startsWith(prefix)) return undefined;
  let rest = did.slice(prefix.length);
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    if (rest.slice(hash + 1) !== ORG_KEY_FRAGMENT) return undefined;
    rest = rest.slice(0, hash);
  }
  return genesis.orgs.find((o) => o.id === rest);
}

/** The W3C DID document of an organisation of this chain. */
export function didDocument(genesis: Genesis, org: Org): Record<string, unknown> {
  const did = didOfOrg(genesis.chainId, org.id);
  const { kty, crv, x } = orgJwk(genesis.chainId, org);
  const method = { id: `${did}#${ORG_KEY_FRAGMENT}`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: { kty, crv, x } };
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    controller: did,
    verificationMethod: [method],
    assertionMethod: [method.id],
    authentication: [method.id],
  };
}
