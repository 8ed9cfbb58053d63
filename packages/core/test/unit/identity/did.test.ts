import { describe, expect, it } from 'vitest';
import { didDocument, didOfOrg, issuerKeys, keyIdOfOrg, orgJwk, orgKeyHistory, orgOfDid, genesisSet, type Genesis } from '../../../src/index.js';

const genesis: Genesis = {
  chainId: 'machi-local',
  genesisTime: '2026-01-01T00:00:00.000Z',
  orgs: [
    { id: 'street-office', name: 'Street office', publicKey: 'A'.repeat(43), power: 1 },
    { id: 'police', name: 'Police', publicKey: 'B'.repeat(43), power: 1 },
  ],
};

describe('did:machi', () => {
  it('names an organisation of the chain and resolves from the genesis alone', () => {
    expect(didOfOrg('machi-local', 'police')).toBe('did:machi:machi-local:police');
    expect(orgOfDid(genesis, 'did:machi:machi-local:police')?.publicKey).toBe('B'.repeat(43));
    expect(orgOfDid(genesis, keyIdOfOrg('machi-local', 'street-office'))?.id).toBe('street-office');
    expect(orgOfDid(genesis, 'did:machi:other-chain:police')).toBeUndefined();
    expect(orgOfDid(genesis, 'did:machi:machi-local:housing-bureau')).toBeUndefined();
    expect(orgOfDid(genesis, 'did:machi:machi-local:police#other-key')).toBeUndefined();
  });

  it('publishes the consortium key as the assertion method, as a JWK with kid = DID URL', () => {
    const doc = didDocument('machi-local', 'police', issuerKeys('machi-local', 'police', orgKeyHistory([genesisSet(genesis.orgs)]).get('police')!, 5));
    expect(doc.id).toBe('did:machi:machi-local:police');
    expect(doc.assertionMethod).toEqual(['did:machi:machi-local:police#org-key']);
    expect(doc.verificationMethod).toEqual([{ id: 'did:machi:machi-local:police#org-key', type: 'JsonWebKey2020', controller: 'did:machi:machi-local:police', publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: 'B'.repeat(43) } }]);
    expect(orgJwk('machi-local', genesis.orgs[0]!)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), kid: 'did:machi:machi-local:street-office#org-key', alg: 'EdDSA', use: 'sig' });
  });
});
