/**
 * A sealed-bid tender on a real consortium (four `machi start` processes): the property company opens it on its node;
 * bidders commit through one node's public route and reveal through another's after the deadline, in ledger time;
 * the reveal that does not match its commitment and the bid never revealed count as withdrawn; the opening record is
 * the same on every node and its proof verifies with the genesis alone. docs/spec/property.md#tenders
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex, signTx, tenderCommitmentText, verifyBundle } from '@machi/core';
import { startConsortium, type Answer, type Consortium } from '../support/consortium.js';

let c: Consortium;
const ok = (a: Answer, status = 201): any => {
  if (a.status !== status) throw new Error(`expected ${status}, got ${a.status}: ${a.text}`);
  return a.json;
};

/** A transaction signed with the property company's own key on its own node, committed. */
async function submitAsProperty(type: string, payload: Record<string, unknown>): Promise<void> {
  const key = c.orgKey('property-company');
  const tx = signTx({ chainId: c.genesis.chainId, type, payload, signer: key.publicKey, nonce: randomBytes(16).toString('hex'), time: Date.now() }, key.sign);
  const r = await c.call('property-company', 'POST', '/v1/txs?wait=true', { body: tx });
  expect(r.status, r.text).toBe(200);
  expect(r.json.code, r.json.message).toBeUndefined();
}
const sleepUntil = async (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

beforeAll(async () => {
  c = await startConsortium({ name: 'property-e2e' });
}, 120_000);
afterAll(async () => {
  await c?.stop();
});

describe('a sealed-bid tender on a real consortium', () => {
  it('from commitments to the public opening, deadlines in ledger time', async () => {
    const tender = `pt_${randomBytes(16).toString('hex')}`;
    const deadline = Date.now() + 4000;
    const revealUntil = deadline + 3000;
    await submitAsProperty('property.tender_open', { tender, title: '电梯维保', deadline, revealUntil, by: randomBytes(16).toString('hex') });
    const bids = [['甲电梯', 900_000], ['乙电梯', 800_000], ['丙电梯', 700_000]] as const;
    const made: { bid: string; salt: string; price: number }[] = [];
    for (const [bidder, price] of bids) {
      const salt = randomBytes(16).toString('hex');
      const bid = `pb_${randomBytes(16).toString('hex')}`;
      made.push({ bid, salt, price });
      ok(await c.call('property-company', 'POST', `/v1/property/public/tenders/${tender}/bids`, { body: { bid, bidder, commitment: sha256Hex(tenderCommitmentText(tender, bid, price, salt)) } }));
    }
    // before the deadline, another node shows the commitments and no price
    const before = ok(await c.call('power-company', 'GET', `/v1/property/public/tenders/${tender}`), 200);
    expect(before.bids).toHaveLength(3);
    expect(before.bids.every((b: any) => b.priceFen === null)).toBe(true);
    await sleepUntil(deadline + 500);
    const late = await c.call('property-company', 'POST', `/v1/property/public/tenders/${tender}/bids`, { body: { bidder: '丁', commitment: 'd'.repeat(64) } });
    expect(late.json.code).toBe('PROPERTY_TENDER_CLOSED');
    // the reveals go through the street office's node: any node may carry them
    ok(await c.call('street-office', 'POST', `/v1/property/public/tenders/${tender}/bids/${made[0]!.bid}/reveal`, { body: { priceFen: made[0]!.price, salt: made[0]!.salt } }));
    ok(await c.call('street-office', 'POST', `/v1/property/public/tenders/${tender}/bids/${made[1]!.bid}/reveal`, { body: { priceFen: 1, salt: made[1]!.salt } }));
    await sleepUntil(revealUntil + 500);
    await submitAsProperty('property.tender_close', { tender, by: randomBytes(16).toString('hex') });
    await c.until('the opening on every node', async () => {
      const all = await Promise.all(c.nodes.map((n) => c.call(n.org, 'GET', `/v1/property/public/tenders/${tender}`)));
      return all.every((a) => a.status === 200 && a.json.opened !== null);
    }, 15_000, 200);
    const opened = ok(await c.call('auditor', 'GET', `/v1/property/public/tenders/${tender}`), 200);
    expect(opened.opened).toMatchObject({ ranking: [{ bidder: '甲电梯', priceFen: 900_000 }], winner: made[0]!.bid, withdrawn: [made[1]!.bid, made[2]!.bid] });
    expect(opened.bids.map((b: any) => b.withdrawnFor)).toEqual([null, 'reveal-mismatch', 'not-revealed']);
    expect(verifyBundle(opened.proof, c.genesis).txHash).toBe(opened.opened.txHash);
  }, 60_000);
});
