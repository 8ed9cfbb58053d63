/**
 * Welfare funds on a real consortium: five `machi start --demo` processes — the street office (community desk), civil
 * affairs (programme owner, reviewer, credential issuer), the finance bureau (treasury), the agent bank and the
 * auditor (regulator) — each signing its own steps with its own key on its own node. From an application at the desk
 * to the bank's receipt and reconciliation; the regulator follows the live stream (and the feed) on its own node and
 * receives each step, and every step's proof verifies with the genesis alone. The public notice on any node is masked.
 * docs/spec/funds.md
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodOf, signTx, verifyBundle } from '@machi/core';
import { startConsortium, type Answer, type CallOptions, type Consortium } from '../support/consortium.js';

const ORGS = ['street-office', 'civil-affairs', 'finance-bureau', 'agent-bank', 'auditor'] as const;
type Org = (typeof ORGS)[number];
const USER: Record<Org, string> = {
  'street-office': 'zhou.official', 'civil-affairs': 'feng.official', 'finance-bureau': 'qian.finance', 'agent-bank': 'zhao.bank', auditor: 'he.audit',
};
const PROGRAMME = 'disability-allowance';

let c: Consortium;
const as = async (org: Org, method: string, path: string, body?: unknown): Promise<Answer> => {
  const token = await c.login(org, USER[org]);
  return c.call(org, method, path, { token, ...(body === undefined ? {} : { body }) } satisfies CallOptions);
};
const ok = (a: Answer, status = 201): any => {
  if (a.status !== status) throw new Error(`expected ${status}, got ${a.status}: ${a.text}`);
  return a.json;
};

/** The regulator's live stream on its own node: every `event: fund` frame's data, as it arrives. */
async function openStream(org: Org): Promise<{ events: { type: string; txHash: string; org: string; proof: unknown }[]; close(): void }> {
  const token = await c.login(org, USER[org]);
  const ac = new AbortController();
  const res = await fetch(`${c.urls[org]}/v1/funds/feed/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
  expect(res.status).toBe(200);
  const events: { type: string; txHash: string; org: string; proof: unknown }[] = [];
  const reader = res.body!.getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += Buffer.from(value).toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.includes('event: fund') && data !== undefined) events.push(JSON.parse(data.slice(6)));
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => ac.abort() };
}

/** A transaction signed with an organisation's own key, submitted to its own node, committed. */
async function submitAs(org: Org, type: string, payload: Record<string, unknown>): Promise<void> {
  const key = c.orgKey(org);
  const tx = signTx({ chainId: c.genesis.chainId, type, payload, signer: key.publicKey, nonce: randomBytes(16).toString('hex'), time: Date.now() }, key.sign);
  const r = await c.call(org, 'POST', '/v1/txs?wait=true', { body: tx });
  expect(r.status, r.text).toBe(200);
  expect(r.json.code).toBeUndefined();
}

beforeAll(async () => {
  c = await startConsortium({ orgs: ORGS, demo: true, name: 'funds-e2e' });
  // the street office's demo funds go in first (its own programmes), so that the steps below do not interleave with them
  await c.until('the street office to seed its demo funds', () => /demo funds:|demo data not seeded/.test(c.node('street-office').output), 150_000, 500);
  // no member's key is hosted there: the street office plays every part of its own demo programmes
  expect(c.node('street-office').output).toMatch(/demo funds: 2 programmes \(owner\/reviewer street-office, treasury street-office, bank street-office\)/);
}, 240_000);

afterAll(async () => {
  await c?.stop();
});

describe('funds on a real consortium', () => {
  it('from the desk to the public notice, each step signed by its organisation; no review while the notice runs', async () => {
    // civil affairs defines the programme on its node
    ok(await as('civil-affairs', 'PUT', `/v1/funds/programmes/${PROGRAMME}`, {
      recurrence: 'monthly', eligibility: [{ type: 'disability', claims: { grade: 1 } }], categories: [{ category: 'grade-1', amountFen: 50_000 }],
      budgetFen: 5_000_000, excludes: [], communities: ['street-office'], reviewer: 'civil-affairs', treasury: 'finance-bureau', bank: 'agent-bank',
    }));
    // civil affairs issues the disability credential (its own key)
    const credentialHash = createHash('sha256').update(randomBytes(16)).digest('hex');
    const expiresAt = Date.now() + 365 * 86_400_000;
    await submitAs('civil-affairs', 'identity.issue', { credentialHash, type: 'disability', expiresAt, actor: randomBytes(16).toString('hex') });
    const { statusIndex } = ok(await c.call('civil-affairs', 'GET', `/v1/identity/credentials/${credentialHash}`), 200);

    // the street office's desk: the person it holds, the application, verification, the notice
    const { subject } = ok(await as('street-office', 'POST', '/v1/subjects', { fields: { name: '张三丰', idNumber: '110101195001011234', phone: '13800138000', building: 'b1' } }));
    const accountNumber = '6222021234567890';
    const application = ok(await as('street-office', 'POST', '/v1/funds/applications', {
      programme: PROGRAMME, subject, name: '张三丰', building: 'b1', category: 'grade-1', accountNumber,
      credential: { type: 'disability', issuer: 'civil-affairs', statusIndex, expiresAt },
    })).id as string;
    ok(await as('street-office', 'POST', `/v1/funds/applications/${application}/verify`, { result: 'verified' }));
    ok(await as('street-office', 'POST', '/v1/funds/notices', { programme: PROGRAMME, applications: [application] }));

    // the notice is public, masked, on another organisation's node too (its list is the desk's: the hash is shared)
    const notice = ok(await c.call('street-office', 'GET', `/v1/funds/public/programmes/${PROGRAMME}/notice`), 200);
    expect(notice.items[0].lines).toEqual([{ name: '张**', building: 'b1', category: 'grade-1', amountFen: 50_000 }]);
    for (const secret of ['张三丰', '110101195001011234', '13800138000']) expect(JSON.stringify(notice)).not.toContain(secret);
    await c.until('the bank to see the notice', async () => (await c.call('agent-bank', 'GET', `/v1/funds/public/programmes/${PROGRAMME}/notice`)).json.items.length === 1);

    // a review during the notice is refused by civil affairs' node: 409, nothing recorded
    const early = await as('civil-affairs', 'POST', `/v1/funds/applications/${application}/review`, { decision: 'approve', reason: 'meets-criteria' });
    expect(early.status).toBe(409);
  }, 120_000);

  it('the existing roll: the reviewer imports, the treasury instructs, the bank pays and reconciles; the regulator sees each step with proofs', async () => {
    const since = Date.now() - 1000;
    const stream = await openStream('auditor');
    // what committed from here on must reach the stream (the demo's own funds steps may still be committing before)
    const openedAt = await c.height('auditor');
    const credentialHash = createHash('sha256').update(randomBytes(16)).digest('hex');
    const expiresAt = Date.now() + 365 * 86_400_000;
    await submitAs('civil-affairs', 'identity.issue', { credentialHash, type: 'disability', expiresAt, actor: randomBytes(16).toString('hex') });
    const { statusIndex } = ok(await c.call('civil-affairs', 'GET', `/v1/identity/credentials/${credentialHash}`), 200);
    // the person is held by the street office; civil affairs imports a beneficiary it approved before the ledger
    // (a pseudonym is the holder's: here civil affairs' node derives its own — a cross-node import is a later step)
    const { subject } = ok(await as('civil-affairs', 'POST', '/v1/subjects', { fields: { name: '李四', building: 'b2' } }));
    const application = ok(await as('civil-affairs', 'POST', '/v1/funds/imports', {
      programme: PROGRAMME, subject, name: '李四', building: 'b2', category: 'grade-1', accountNumber: '6222029876543210',
      credential: { type: 'disability', issuer: 'civil-affairs', statusIndex, expiresAt }, approvedOn: Date.now() - 86_400_000,
    })).id as string;
    await c.until('the finance bureau to see the application', async () => (await as('finance-bureau', 'GET', `/v1/funds/applications/${application}`)).status === 200);
    const payment = ok(await as('finance-bureau', 'POST', '/v1/funds/payments', { application, period: periodOf('monthly', Date.now()), amountFen: 50_000 })).id as string;
    await c.until('the bank to see the instruction', async () => (await as('agent-bank', 'GET', `/v1/funds/payments/${payment}`)).status === 200);
    // another organisation may not settle it: its receipt is refused and recorded (an alert); the agent bank settles it
    const foreign = await as('street-office', 'POST', `/v1/funds/payments/${payment}/receipts`, { result: 'paid', amountFen: 50_000, accountNumber: '6222029876543210' });
    expect(foreign.status).toBe(403);
    ok(await as('agent-bank', 'POST', `/v1/funds/payments/${payment}/receipts`, { result: 'paid', amountFen: 50_000, accountNumber: '6222029876543210' }));
    const period = periodOf('monthly', Date.now());
    ok(await as('agent-bank', 'POST', '/v1/funds/reconciliations', { programme: PROGRAMME, period, paidCount: 1, paidFen: 50_000, failedCount: 0 }));

    // the regulator, on its own node: every step of the application and its payment in the feed, each proof verifying
    const expected = ['application', 'payment', 'receipt', 'reconciliation'];
    await c.until('the regulator to see the refused receipt\'s alert', async () =>
      ok(await as('auditor', 'GET', `/v1/funds/alerts?kind=receipt-wrong-bank`), 200).items.some((a: { payment: string }) => a.payment === payment));
    let feed: { type: string; id: string; org: string; txHash: string; proof: unknown }[] = [];
    await c.until('the regulator to receive every step', async () => {
      feed = ok(await as('auditor', 'GET', `/v1/funds/feed?since=${since}`), 200).items;
      return expected.every((t) => feed.some((e) => e.type === t));
    });
    const heightOf = (e: { proof: unknown }): number => (e.proof as { header: { height: number } }).header.height;
    const mine = feed.filter((e) => heightOf(e) > openedAt && ([application, payment].includes(e.id) || e.type === 'receipt' || e.type === 'reconciliation'));
    expect(new Set(mine.map((e) => e.org))).toEqual(new Set(['civil-affairs', 'finance-bureau', 'agent-bank', 'street-office']));
    for (const e of mine) {
      const verdict = verifyBundle(e.proof, c.genesis);
      expect(verdict.txHash).toBe(e.txHash);
      expect(c.genesis.orgs.find((o) => o.publicKey === (e.proof as { tx: { signer: string } }).tx.signer)?.id).toBe(e.org);
    }
    // the stream on the auditor's node received the same steps as they committed, each with a proof
    await c.until('the stream to deliver every step', () => mine.every((e) => stream.events.some((x) => x.txHash === e.txHash)));
    stream.close();
    for (const e of stream.events.filter((x) => mine.some((m) => m.txHash === x.txHash))) {
      expect(verifyBundle(e.proof, c.genesis).txHash).toBe(e.txHash);
      expect(e.type).toMatch(/^fund\./);
    }
    const view = ok(await as('auditor', 'GET', `/v1/funds/payments/${payment}`), 200);
    expect(view).toMatchObject({ status: 'paid', bank: 'agent-bank', treasury: 'finance-bureau' });
    const budget = ok(await as('auditor', 'GET', `/v1/funds/programmes/${PROGRAMME}/budget`), 200);
    expect(budget).toMatchObject({ paidFen: 50_000, paidCount: 1 });
    expect(budget.reconciliations[0]).toMatchObject({ matches: true, org: 'agent-bank' });
  }, 120_000);
});
