/**
 * The one-trip flow: the resident presents their credentials at the desk (an identity desk session with their
 * consent and the desk's verifications on the ledger); the desk then applies naming only the session — the
 * application takes the credential's status-list entry from the session's valid verification.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CIVIL, HOST, PROGRAMME, defineProgrammes, fundsNode, issueCredential, ok, registerPerson, type FundsNode } from './helpers.js';

let s: FundsNode;
beforeEach(async () => {
  s = await fundsNode();
  await defineProgrammes(s);
});
afterEach(async () => s.close());

const hex = (n: number): string => randomBytes(n).toString('hex');

async function submit(org: string, type: string, payload: Record<string, unknown>): Promise<void> {
  const r = await s.submitter(org).submit(type, payload);
  if (r.code !== undefined) throw new Error(`${type}: ${r.message}`);
}

/** A desk session of the low-income subsidy at the street office, consented, with the credential verified valid. */
async function deskSession(credentialHash: string, type = 'low-income'): Promise<string> {
  const session = `ses_${hex(16)}`;
  const nonceHash = hex(32);
  await submit(HOST, 'identity.session', { session, service: 'low-income-subsidy', nonceHash, expiresAt: s.node.clock() + 10 * 60_000, actor: hex(16) });
  await submit(HOST, 'identity.consent', { session, subject: `psn_${hex(32)}`, deskOrg: HOST, types: ['residence', 'low-income'], nonceHash, actor: hex(16) });
  await submit(HOST, 'identity.verify', { verification: `ver_${hex(16)}`, session, credentialHash, type, issuer: CIVIL, result: 'valid', reason: 'ok', actor: hex(16), at: s.node.clock() });
  return session;
}

describe('applying with a desk session', () => {
  it('takes the credential of the session’s valid verification', async () => {
    const cred = await issueCredential(s);
    const session = await deskSession(cred.credentialHash);
    const subject = registerPerson(s, { name: '张三丰' });
    const body = { programme: PROGRAMME, subject, name: '张三丰', building: 'b1', category: 'single', accountNumber: '6222020211112222', session };
    const a = ok(await s.call('POST', '/v1/funds/applications', { as: 'liu.desk', body }));
    const view = ok(await s.call('GET', `/v1/funds/applications/${a.id}`, { as: 'he.audit' }), 200);
    expect(view.eligibility).toEqual({ type: 'low-income', issuer: CIVIL, statusIndex: cred.statusIndex, expiresAt: cred.expiresAt });
    // neither both nor none; an unknown session
    expect((await s.call('POST', '/v1/funds/applications', { as: 'liu.desk', body: { ...body, credential: view.eligibility } })).status).toBe(400);
    const { session: _s, ...none } = body;
    expect((await s.call('POST', '/v1/funds/applications', { as: 'liu.desk', body: none })).status).toBe(400);
    expect((await s.call('POST', '/v1/funds/applications', { as: 'liu.desk', body: { ...body, session: `ses_${hex(16)}` } })).status).toBe(404);
  });
});
