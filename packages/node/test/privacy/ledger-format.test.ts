/**
 * How a node names people on the ledger, by the chain's rules (docs/spec/privacy.md#how-the-linkages-are-closed): on a
 * new chain a per-context pseudonym the holder derives and a resident actor per module; on an older chain (a genesis
 * without `ledger.context-pseudonyms`) the subject id and one actor per organisation, as before. And the holder's side
 * of the peer link: it names its subjects only for the asking organisation's own access records, tells whom a
 * pseudonym is about only where a module lets it, and releases data only against the pseudonym it derives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKey, accessesOfSubject } from '@machi/core';
import { actorOf, moduleActorOf } from '../../src/auth/principal.js';
import { PeerReads, type PrivatePeers } from '../../src/modules/privacy/peer-reads.js';
import { CaseSubjects } from '../../src/modules/privacy/case-subjects.js';
import { accessContext, type PrivacyExports } from '../../src/modules/privacy/index.js';
import { call, identityServer, type IdentityServer } from '../identity/helpers.js';

const ownRecord = async (s: IdentityServer): Promise<{ access: string; subject: string }> => {
  const r = await call(s, 'resident1', 'GET', '/v1/me/record');
  expect(r.status, r.body).toBe(200);
  return { access: r.json.access as string, subject: r.json.subject as string };
};
const recordOf = (s: IdentityServer, access: string) => {
  const hit = s.store.scan('privacy/access/', 10_000).find(([k]) => k.endsWith(`/${access}`));
  expect(hit, access).toBeDefined();
  return JSON.parse(hit![1]) as { subject: string; actor: string };
};

describe('on a new chain', () => {
  let s: IdentityServer;
  beforeAll(async () => {
    s = await identityServer();
  });
  afterAll(async () => s?.close());

  it('an access record names the resident by the holder\'s pseudonym for its context, and the resident by their privacy actor', async () => {
    const { access, subject } = await ownRecord(s);
    const rec = recordOf(s, access);
    expect(rec.subject).toMatch(/^psn_[0-9a-f]{64}$/);
    expect(accessesOfSubject((p, l) => s.store.scan(p, l), subject)).toEqual([]);
    const userId = s.principals.get('resident1')!.userId;
    expect(rec.actor).toBe(moduleActorOf(s.org, userId, s.secret, 'privacy'));
    expect(rec.actor).not.toBe(actorOf(s.org, userId, s.secret));
    // … which the holder links back: the resident's uses list it
    const uses = await call(s, 'resident1', 'GET', '/v1/me/uses');
    expect((uses.json.uses as { record: { access: string } }[]).map((u) => u.record.access)).toContain(access);
  });

  it('the holder answers pseudonym requests only for its subjects and the asker\'s own access records', async () => {
    const privacy = s.use<PrivacyExports>('privacy');
    const police = s.genesis.orgs.find((o) => o.id === 'police')!;
    let listener: ((peer: { publicKey: string; orgId: string }, m: unknown) => void) | undefined;
    const sent: Record<string, unknown>[] = [];
    const peers: PrivatePeers = { send: (_key, m) => (sent.push(m as Record<string, unknown>), true), on: (_e, l) => (listener = l) };
    const holder = new PeerReads(s.node, privacy.vault, peers, () => {}, new CaseSubjects(), privacy.service.pseudonyms);
    holder.registerResolver('test/', (_context, asker) => asker === 'police');
    const ask = (m: Record<string, unknown>): Record<string, unknown> => {
      sent.length = 0;
      listener!({ publicKey: police.publicKey, orgId: police.id }, { id: `q${Math.random()}`, ...m });
      expect(sent).toHaveLength(1);
      return sent[0]!;
    };
    const subject = s.subjects.get('resident1')!;
    const context = accessContext({ org: 'police', role: 'official', purpose: 'case-handling', caseRef: undefined });
    const given = ask({ t: 'private-pseudonym', subject, context });
    expect(given.pseudonym).toBe(privacy.service.pseudonyms.compute(context, subject));
    // another organisation's records, a subject held elsewhere: no
    expect(ask({ t: 'private-pseudonym', subject, context: accessContext({ org: 'property-company', role: 'official', purpose: 'case-handling' }) })).toMatchObject({ error: expect.stringMatching(/asking organisation/) });
    expect(ask({ t: 'private-pseudonym', subject: `sub_${'0'.repeat(32)}`, context })).toMatchObject({ error: 'not held here' });
    // whom a pseudonym is about: only where a module's resolver lets the asker know
    expect(ask({ t: 'private-pseudonym-subject', pseudonym: given.pseudonym })).toMatchObject({ error: expect.stringMatching(/not resolved/) });
    const other = privacy.service.pseudonyms.derive('test/1', subject);
    expect(ask({ t: 'private-pseudonym-subject', pseudonym: other })).toMatchObject({ pseudonym: other, subject });
  });

  it('the holder releases nothing against an access record whose pseudonym is not the one it derives for the subject', async () => {
    const privacy = s.use<PrivacyExports>('privacy');
    const me = s.genesis.orgs.find((o) => o.id === s.org)!;
    let listener: ((peer: { publicKey: string; orgId: string }, m: unknown) => void) | undefined;
    const sent: Record<string, unknown>[] = [];
    const peers: PrivatePeers = { send: (_key, m) => (sent.push(m as Record<string, unknown>), true), on: (_e, l) => (listener = l) };
    new PeerReads(s.node, privacy.vault, peers, () => {}, new CaseSubjects(), privacy.service.pseudonyms);
    // resident1's own read is on the ledger under resident1's pseudonym; asked as if it were about resident2
    const { access } = await ownRecord(s);
    const rec = recordOf(s, access);
    expect(s.store.read(accessKey(rec.subject, access))).toBeDefined();
    listener!({ publicKey: me.publicKey, orgId: me.id }, { t: 'private-read', id: 'r1', access, subject: s.subjects.get('resident2')!, pseudonym: rec.subject, height: s.node.head.height });
    expect(sent).toEqual([{ t: 'private-data', id: 'r1', error: 'the access record is not about this subject' }]);
  });
});

describe('on an older chain', () => {
  let s: IdentityServer;
  beforeAll(async () => {
    s = await identityServer({ rules: {} });
  });
  afterAll(async () => s?.close());

  it('an access record names the subject id and the organisation-wide actor, as before', async () => {
    const { access, subject } = await ownRecord(s);
    const rec = recordOf(s, access);
    expect(rec.subject).toBe(subject);
    expect(rec.actor).toBe(actorOf(s.org, s.principals.get('resident1')!.userId, s.secret));
  });
});
