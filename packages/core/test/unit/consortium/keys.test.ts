/**
 * Key history (docs/spec/membership.md#key-history): each organisation's keys with the heights they were in force,
 * from the member sets the consortium's changes bring in (built here with the module's own `applyChange`), and the
 * identity module's view of them as issuer keys (kid per key, a pending key left out, retirement).
 */
import { describe, expect, it } from 'vitest';
import {
  applyChange,
  didDocument,
  genesisSet,
  issuerJwks,
  issuerKeyCandidates,
  issuerKeyInForce,
  issuerKeys,
  orgKeyAt,
  orgKeyHistory,
  parseOrgDid,
  retiredBefore,
  type MemberSet,
  type Org,
} from '../../../src/index.js';

const key = (c: string): string => c.repeat(43);
const ORGS: Org[] = [
  { id: 'police', name: 'Police', publicKey: key('P'), power: 1 },
  { id: 'street-office', name: 'Street office', publicKey: key('A'), power: 1 },
];
const CHAIN = 'machi-local';

/** genesis → street-office rotates to B (from 12) → water joins (from 20) → street-office rotates to C (from 30) → police leaves (from 40) */
function sets(): MemberSet[] {
  const out = [genesisSet(ORGS)];
  const next = (change: Parameters<typeof applyChange>[1], from: number) => out.push(applyChange(out[out.length - 1]!, change, from));
  next({ op: 'rotate-key', org: 'street-office', publicKey: key('B') }, 12);
  next({ op: 'add', org: { id: 'water', name: 'Water', publicKey: key('W'), power: 1 } }, 20);
  next({ op: 'rotate-key', org: 'street-office', publicKey: key('C') }, 30);
  next({ op: 'remove', org: 'police' }, 40);
  return out;
}

describe('orgKeyHistory', () => {
  it('gives each organisation its keys with the heights they were in force', () => {
    const h = orgKeyHistory(sets());
    expect(h.get('street-office')).toEqual([
      { publicKey: key('A'), from: 1, until: 12 },
      { publicKey: key('B'), from: 12, until: 30 },
      { publicKey: key('C'), from: 30 },
    ]);
    expect(h.get('water')).toEqual([{ publicKey: key('W'), from: 20 }]);
    expect(h.get('police')).toEqual([{ publicKey: key('P'), from: 1, until: 40 }]);
    // a set change that does not touch an organisation's key leaves its history alone
    expect(orgKeyHistory([genesisSet(ORGS), applyChange(genesisSet(ORGS), { op: 'set-power', org: 'police', power: 3 }, 9)]).get('police')).toEqual([{ publicKey: key('P'), from: 1 }]);
  });

  it('answers the key in force at a height, at the boundaries', () => {
    const so = orgKeyHistory(sets()).get('street-office')!;
    expect(orgKeyAt(so, 1)?.publicKey).toBe(key('A'));
    expect(orgKeyAt(so, 11)?.publicKey).toBe(key('A'));
    expect(orgKeyAt(so, 12)?.publicKey).toBe(key('B'));
    expect(orgKeyAt(so, 29)?.publicKey).toBe(key('B'));
    expect(orgKeyAt(so, 30)?.publicKey).toBe(key('C'));
    expect(orgKeyAt(orgKeyHistory(sets()).get('police')!, 40)).toBeUndefined();
    expect(orgKeyAt(orgKeyHistory(sets()).get('water')!, 19)).toBeUndefined();
  });
});

describe('issuer keys', () => {
  const history = orgKeyHistory(sets()).get('street-office')!;

  it('names each key by its number (the first keeps #org-key) and leaves out a key not yet in force', () => {
    const at20 = issuerKeys(CHAIN, 'street-office', history, 20);
    expect(at20.map((k) => k.kid)).toEqual(['did:machi:machi-local:street-office#org-key', 'did:machi:machi-local:street-office#key-1']);
    // at 20 the rotation to C (from 30) is only approved: B is still in force, A retired
    expect(at20[1]).toEqual({ publicKey: key('B'), from: 12, kid: 'did:machi:machi-local:street-office#key-1' });
    expect(issuerKeyInForce(at20)?.publicKey).toBe(key('B'));
    expect(issuerKeyInForce(issuerKeys(CHAIN, 'street-office', history, 30))?.kid).toBe('did:machi:machi-local:street-office#key-2');
    expect(issuerKeyInForce(issuerKeys(CHAIN, 'police', orgKeyHistory(sets()).get('police')!, 40))).toBeUndefined();
    expect(parseOrgDid(CHAIN, 'did:machi:machi-local:street-office#key-2')).toEqual({ orgId: 'street-office', key: 2 });
    expect(parseOrgDid(CHAIN, 'did:machi:machi-local:street-office#key-0')).toBeUndefined();
    expect(parseOrgDid(CHAIN, 'did:machi:machi-local:street-office#other')).toBeUndefined();
  });

  it('picks the key a kid names; refuses a retired key for what was recorded after its retirement', () => {
    const keys = issuerKeys(CHAIN, 'street-office', history, 35);
    const one = issuerKeyCandidates(CHAIN, 'street-office', keys, 'did:machi:machi-local:street-office#key-1');
    expect(one).toEqual([keys[1]]);
    expect(issuerKeyCandidates(CHAIN, 'street-office', keys, undefined)).toEqual([keys[2], keys[1], keys[0]]);
    expect(issuerKeyCandidates(CHAIN, 'street-office', keys, 'did:machi:machi-local:street-office#key-3')).toHaveProperty('why');
    expect(issuerKeyCandidates(CHAIN, 'street-office', keys, 'did:machi:machi-local:police#org-key')).toHaveProperty('why');
    const b = keys[1]!;
    expect(retiredBefore(b, 11)).toBe(false); // recorded before B was in force, picked up after: B may sign it
    expect(retiredBefore(b, 29)).toBe(false);
    expect(retiredBefore(b, 30)).toBe(true); // recorded once C was in force: B must not sign it
    expect(retiredBefore(keys[2]!, 1_000)).toBe(false);
  });

  it('publishes every key in the DID document and the JWKS, the one in force first, retired ones marked', () => {
    const keys = issuerKeys(CHAIN, 'street-office', history, 35);
    const retiredAt = (k: { until?: number }) => (k.until === undefined ? undefined : k.until * 1000);
    const doc = didDocument(CHAIN, 'street-office', keys, retiredAt) as { verificationMethod: Record<string, unknown>[]; assertionMethod: string[]; authentication: string[] };
    expect(doc.verificationMethod.map((m) => m.id)).toEqual(['#key-2', '#key-1', '#org-key'].map((f) => `did:machi:machi-local:street-office${f}`));
    expect(doc.verificationMethod.map((m) => (m.publicKeyJwk as { x: string }).x)).toEqual([key('C'), key('B'), key('A')]);
    expect(doc.verificationMethod.map((m) => m.revoked)).toEqual([undefined, new Date(30_000).toISOString(), new Date(12_000).toISOString()]);
    expect(doc.assertionMethod).toHaveLength(3);
    expect(doc.authentication).toEqual(['did:machi:machi-local:street-office#key-2']);
    const jwks = issuerJwks(keys, retiredAt);
    expect(jwks.keys.map((k) => [k.x, k.kid.split('#')[1], k.exp])).toEqual([[key('C'), 'key-2', undefined], [key('B'), 'key-1', 30], [key('A'), 'org-key', 12]]);
  });
});
