/**
 * Peer reads for a hosted member (docs/spec/privacy.md#peer-reads-for-a-hosted-member): a node asks another holder for
 * a member organisation whose key it hosts — the housing bureau on the street office's node — by signing the request
 * with the member's key, bound to the asking node's key. The holder then decides for the member (its pseudonyms, its
 * resolvers, its access records); a bad, missing or replayed signature is refused, and a request without a member is
 * decided for the peer link's organisation, as before. Two PeerReads on one node, joined by an in-memory link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signer } from '@machi/core';
import { PeerReads, type PrivatePeers } from '../../src/modules/privacy/peer-reads.js';
import { CaseSubjects } from '../../src/modules/privacy/case-subjects.js';
import { accessContext, type PrivacyExports } from '../../src/modules/privacy/index.js';
import { loadHostedSigners } from '../../src/node/datadir.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import { oneNode, type OneNode } from '../support/node.js';

const BUREAU = 'housing-bureau';
const PURPOSE = 'housing-register-check';

describe('peer reads for a hosted member', () => {
  let s: OneNode;
  let privacy: PrivacyExports;
  let hosted: Map<string, Signer>;
  let subject: string;
  // the bureau's committed access record of the subject's name, as the ledger names the subject
  let rec: { access: string; name: string; height: number };
  let asker: PeerReads;
  let holder: PeerReads;
  /** what the holder answered, to whom */
  const answers: { to: string; m: Record<string, unknown> }[] = [];
  /** what the asker sent */
  const asked: Record<string, unknown>[] = [];
  let toHolder: (peer: { publicKey: string; orgId: string }, m: unknown) => void;

  /** A message delivered to the holder as if from the node with `fromKey`; the holder's answer. */
  const deliver = (fromKey: string, m: Record<string, unknown>): Record<string, unknown> => {
    answers.length = 0;
    toHolder({ publicKey: fromKey, orgId: '' }, m);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.to).toBe(fromKey);
    return answers[0]!.m;
  };
  const keyOf = (org: string): string => s.genesis.orgs.find((o) => o.id === org)!.publicKey;

  beforeAll(async () => {
    s = await oneNode({ org: 'street-office', otherOrgs: ['police'], hosted: { [BUREAU]: { 'gao.housing': 'official' } } });
    privacy = s.use<PrivacyExports>('privacy');
    hosted = loadHostedSigners(s.dir, s.genesis);
    expect([...hosted.keys()]).toEqual([BUREAU]);
    subject = (await privacy.service.register(s.principals.get('zhou.official')!, { name: '王秀英', idNumber: '310115195005021237' })).subject;
    const now = s.node.clock();
    await privacy.service.grant(s.principals.get('zhou.official')!, { subjects: [subject], classes: ['identity'], toOrg: BUREAU, toRole: 'official', purpose: PURPOSE, from: now - 60_000, until: now + 86_400_000 });
    // the bureau's read, recorded on the ledger signed by the bureau (held here, so released here)
    const r = await privacy.service.read(s.principals.get('gao.housing')!, { subject, purpose: PURPOSE, fields: ['name'] }, undefined, new OrgSubmitter(s.node, hosted.get(BUREAU)!));
    expect(r.decision.decision).toBe('allowed');
    const hit = s.store.scan('privacy/access/', 10_000).find(([k]) => k.endsWith(`/${r.access}`));
    const stored = JSON.parse(hit![1]) as { subject: string; org: string };
    expect(stored.org).toBe(BUREAU);
    rec = { access: r.access, name: stored.subject, height: r.height };

    // the in-memory link: the asker's requests reach the holder from this node's key, the answers come back
    let toAsker: (peer: { publicKey: string; orgId: string }, m: unknown) => void = () => {};
    const askerPeers: PrivatePeers = {
      send: (_key, m) => (asked.push(m as Record<string, unknown>), queueMicrotask(() => toHolder({ publicKey: s.node.self.publicKey, orgId: s.org }, m)), true),
      on: (_e, l) => (toAsker = l),
    };
    const holderPeers: PrivatePeers = {
      send: (key, m) => (answers.push({ to: key, m: m as Record<string, unknown> }), queueMicrotask(() => toAsker({ publicKey: key, orgId: '' }, m)), true),
      on: (_e, l) => (toHolder = l),
    };
    asker = new PeerReads(s.node, privacy.vault, askerPeers, () => {}, new CaseSubjects(), privacy.service.pseudonyms, hosted);
    holder = new PeerReads(s.node, privacy.vault, holderPeers, () => {}, new CaseSubjects(), privacy.service.pseudonyms);
    holder.registerResolver('test/', (_context, who) => who === BUREAU);
  });
  afterAll(async () => s?.close());

  it("releases the fields to the member whose signature verifies, and decides for the node's own organisation without one", async () => {
    const got = await asker.fetch('street-office', rec.access, subject, rec.height, rec.name, BUREAU);
    expect(got.fields).toEqual({ name: '王秀英' });
    const sent = asked.at(-1)!;
    expect(sent).toMatchObject({ t: 'private-read', member: BUREAU, memberSig: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/) });
    // no member: the asker is the peer link's organisation (the street office), which did not record this access
    await expect(asker.fetch('street-office', rec.access, subject, rec.height, rec.name)).rejects.toThrow(/does not allow this organisation/);
    expect(asked.at(-1)!.member).toBeUndefined();
  });

  it('refuses a bad, missing, replayed or stretched member signature', async () => {
    await asker.fetch('street-office', rec.access, subject, rec.height, rec.name, BUREAU);
    const good = asked.at(-1)!;
    const sig = good.memberSig as string;
    const self = s.node.self.publicKey;
    // the same request delivered again from this node: released (the node holding the key may repeat itself)
    expect(deliver(self, good)).toMatchObject({ fields: { name: '王秀英' } });
    // a flipped signature, none at all, a signature moved onto other fields, another member named
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect(deliver(self, { ...good, memberSig: flipped })).toMatchObject({ error: expect.stringMatching(/not signed by housing-bureau/) });
    expect(deliver(self, { ...good, memberSig: undefined })).toMatchObject({ error: 'malformed member' });
    expect(deliver(self, { ...good, access: `acc_${'0'.repeat(32)}` })).toMatchObject({ error: expect.stringMatching(/not signed/) });
    expect(deliver(self, { ...good, id: 'other-id' })).toMatchObject({ error: expect.stringMatching(/not signed/) });
    expect(deliver(self, { ...good, member: 'police' })).toMatchObject({ error: expect.stringMatching(/not signed by police/) });
    expect(deliver(self, { ...good, member: 'nobody' })).toMatchObject({ error: 'nobody is not a member organisation' });
    // replayed by another node (the police's link): the signature binds the asking node's key
    expect(deliver(keyOf('police'), good)).toMatchObject({ error: expect.stringMatching(/not signed by housing-bureau for this peer/) });
    // nothing was released by any of these
    expect(answers.every((a) => a.m.fields === undefined)).toBe(true);
  });

  it('a node asks only for its own organisation or a member it hosts', async () => {
    const before = asked.length;
    await expect(asker.fetch('street-office', rec.access, subject, rec.height, rec.name, 'police')).rejects.toThrow(/does not act for police/);
    await expect(asker.subjectOf('street-office', rec.name, 'police')).rejects.toThrow(/does not act for police/);
    expect(asked.length).toBe(before);
    // its own organisation: no member in the request
    await expect(asker.subjectOf('street-office', rec.name, 'street-office')).rejects.toThrow(/did not resolve/);
    expect(asked.at(-1)!.member).toBeUndefined();
  });

  it("pseudonyms for the member's own access records, and subjects the holder resolves for the member", async () => {
    const context = accessContext({ org: BUREAU, role: 'official', purpose: PURPOSE, caseRef: undefined });
    expect(await asker.pseudonym('street-office', subject, context, BUREAU)).toBe(privacy.service.pseudonyms.compute(context, subject));
    // asked as the street office, the bureau's context is another organisation's
    await expect(asker.pseudonym('street-office', subject, context)).rejects.toThrow(/asking organisation/);
    const p = privacy.service.pseudonyms.derive('test/hosted', subject);
    expect(await asker.subjectOf('street-office', p, BUREAU)).toBe(subject);
    await expect(asker.subjectOf('street-office', p)).rejects.toThrow(/not resolved for this organisation/);
    // a resolver request with a forged signature
    await asker.subjectOf('street-office', p, BUREAU);
    const good = asked.at(-1)!;
    expect(deliver(s.node.self.publicKey, { ...good, pseudonym: privacy.service.pseudonyms.derive('test/other', subject) })).toMatchObject({ error: expect.stringMatching(/not signed/) });
    expect(deliver(keyOf('police'), good)).toMatchObject({ error: expect.stringMatching(/for this peer/) });
  });
});
