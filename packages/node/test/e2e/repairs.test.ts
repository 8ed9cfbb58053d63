/**
 * Repairs on a real consortium: four `machi start --demo` processes (street office, property company, power company,
 * auditor) from one `machi genesis`, driven over HTTP as the people would: a resident reports a burst pipe with a
 * photo, a neighbour finds it among similar requests and follows it, the dispatcher assigns a worker from the board,
 * the worker accepts, arrives, diagnoses, works and finishes with a photo, and the resident confirms (a neighbour may
 * not). Then: every step of the timeline carries a proof bundle that verifies against the genesis alone; another
 * organisation's node shows the same request without its description; Open311 shows it closed; and no description
 * or comment text appears in any transaction of any block on any node. docs/spec/repairs.md#api
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type Genesis } from '@machi/core';
import { startConsortium, type Answer, type CallOptions, type Consortium, type ConsortiumNode as Node } from '../support/consortium.js';

type Org = 'street-office' | 'property-company' | 'power-company' | 'auditor';

let c: Consortium;
let genesis: Genesis;
let nodes: Node[];
const node = (org: Org): Node => c.node(org);
const call = (n: Node, method: string, path: string, opts: CallOptions = {}): Promise<Answer> => c.call(n.org, method, path, opts);
const until = (what: string, check: () => Promise<boolean>): Promise<void> => c.until(what, check, 20_000);
const height = (n: Node): Promise<number> => c.height(n.org);
const login = (org: Org, username: string): Promise<string> => c.login(org, username);

/** Every transaction committed on `n`, read through the public API (blocks, then each transaction). */
async function ledgerTxs(n: Node): Promise<{ type: string; text: string }[]> {
  const top = await height(n);
  const out: { type: string; text: string }[] = [];
  for (let h = 1; h <= top; h++) {
    const b = await call(n, 'GET', `/v1/blocks/${h}`);
    expect(b.status).toBe(200);
    for (const hash of b.json.txs as string[]) {
      const t = await call(n, 'GET', `/v1/txs/${hash}`);
      expect(t.status).toBe(200);
      out.push({ type: t.json.tx.type, text: t.text });
    }
  }
  return out;
}

const png = (bytes: number): Buffer => {
  const b = randomBytes(bytes);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
  return b;
};
/** A text as JSON may carry it: non-ASCII as \\uXXXX, in lower or upper case hex. */
const escaped = (v: string, upper: boolean): string => v.replace(/[^\x00-\x7f]/g, (c) => {
  const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
});
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  c = await startConsortium({ demo: true, name: 'repairs-e2e' });
  ({ genesis, nodes } = c);
  await until('the consortium to commit a block', async () => (await height(node('property-company'))) >= 1);
});

afterAll(async () => {
  await c?.stop('SIGKILL');
});

describe('a repair on a consortium of four organisations', () => {
  const description = `卫生间水管爆裂，水流到楼下 ${randomBytes(4).toString('hex')}`;
  const comment = `修得很好，谢谢王师傅 ${randomBytes(4).toString('hex')}`;
  let id: string;

  it('runs the full path: resident → dispatcher → worker → resident', async () => {
    const pc = node('property-company');
    const resident1 = await login('property-company', 'resident1');
    const resident2 = await login('property-company', 'resident2');
    const dispatcher = await login('property-company', 'chen.dispatch');
    const worker = await login('property-company', 'wang.worker');

    expect((await call(pc, 'GET', '/v1/repairs/similar?building=b1&category=burst-pipe', { token: resident1 })).json.requests).toEqual([]);
    const before = png(2048);
    const up = await call(pc, 'POST', '/v1/repairs/photos', { token: resident1, raw: before });
    expect(up.status, JSON.stringify(up.json)).toBe(201);
    expect(up.json.hash).toBe(sha256(before));
    const tooBig = await call(pc, 'POST', '/v1/repairs/photos', { token: resident1, raw: png(5 * 1024 * 1024 + 1) });
    expect([tooBig.status, tooBig.json.code]).toEqual([413, 'BODY_TOO_LARGE']);
    const notImage = await call(pc, 'POST', '/v1/repairs/photos', { token: resident1, raw: Buffer.from('just text'), type: 'text/plain' });
    expect([notImage.status, notImage.json.code]).toEqual([415, 'REPAIR_PHOTO_UNSUPPORTED']);

    const created = await call(pc, 'POST', '/v1/repairs', { token: resident1, body: { category: 'burst-pipe', location: { kind: 'home', building: 'b1' }, description, unit: '1单元 502', photos: [up.json.hash] } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    id = created.json.request;

    const similar = await call(pc, 'GET', '/v1/repairs/similar?building=b1&category=burst-pipe', { token: resident2 });
    expect(similar.json.requests.map((r: { request: string }) => r.request)).toEqual([id]);
    expect((await call(pc, 'POST', `/v1/repairs/${id}/follow`, { token: resident2 })).status).toBe(200);

    const board = await call(pc, 'GET', '/v1/repairs/board', { token: dispatcher });
    const entry = board.json.requests.find((r: { request: string }) => r.request === id);
    expect(entry).toMatchObject({ status: 'received', overdue: false, followers: 1, description });
    expect(entry.slaDueAt - entry.createdAt).toBe(2 * 3_600_000);
    const assigned = await call(pc, 'POST', `/v1/repairs/${id}/assign`, { token: dispatcher, body: { worker: 'wang.worker' } });
    expect(assigned.status, JSON.stringify(assigned.json)).toBe(200);

    // the other worker may not take the job
    const zhao = await call(pc, 'POST', `/v1/repairs/${id}/accept`, { token: await login('property-company', 'zhao.worker') });
    expect([zhao.status, zhao.json.code]).toEqual([403, 'REPAIR_FORBIDDEN']);

    expect((await call(pc, 'GET', '/v1/repairs/jobs', { token: worker })).json.jobs.map((j: { request: string }) => j.request)).toContain(id);
    const after = png(1024);
    const up2 = await call(pc, 'POST', '/v1/repairs/photos', { token: worker, raw: after });
    expect(up2.status).toBe(201);
    const steps: [string, unknown, string][] = [
      ['accept', undefined, 'en-route'],
      ['arrive', undefined, 'on-site'],
      ['diagnose', { cause: 'pipe-corrosion', parts: [{ part: 'pipe-section', quantity: 1 }, { part: 'valve', quantity: 1 }] }, 'diagnosed'],
      ['start', undefined, 'in-progress'],
      ['finish', { photos: [up2.json.hash] }, 'done'],
    ];
    for (const [action, body, status] of steps) {
      const r = await call(pc, 'POST', `/v1/repairs/${id}/${action}`, { token: worker, ...(body === undefined ? {} : { body }) });
      expect(r.status, `${action}: ${JSON.stringify(r.json)}`).toBe(200);
      expect(r.json.status).toBe(status);
    }

    const neighbour = await call(pc, 'POST', `/v1/repairs/${id}/confirm`, { token: resident2, body: { rating: 1 } });
    expect([neighbour.status, neighbour.json.code]).toEqual([403, 'REPAIR_FORBIDDEN']);
    const confirmed = await call(pc, 'POST', `/v1/repairs/${id}/confirm`, { token: resident1, body: { rating: 5, comment } });
    expect(confirmed.status, JSON.stringify(confirmed.json)).toBe(200);
    expect(confirmed.json.status).toBe('confirmed');

    const view = await call(pc, 'GET', `/v1/repairs/${id}`, { token: resident1 });
    expect(view.json).toMatchObject({ status: 'confirmed', rating: 5, description, unit: '1单元 502', photos: [up.json.hash, up2.json.hash] });
    expect(view.json.workerUsername).toBeUndefined();
    expect(view.json.notes).toEqual([expect.objectContaining({ kind: 'comment', text: comment })]);
  }, 40_000);

  it('every step of the timeline carries a proof bundle that verifies against the genesis', async () => {
    const pc = node('property-company');
    const tl = await call(pc, 'GET', `/v1/repairs/${id}/timeline`, { token: await login('property-company', 'resident2') });
    expect(tl.status).toBe(200);
    expect(tl.json.steps.map((s: { action: string }) => s.action)).toEqual(['create', 'assign', 'accept', 'arrive', 'diagnose', 'start', 'finish', 'confirm']);
    for (const step of tl.json.steps) {
      const verdict = verifyBundle(step.proof, genesis);
      expect(verdict.txHash).toBe(step.txHash);
      expect(verdict.signedBy.length).toBeGreaterThanOrEqual(3);
      expect(step.proof.tx).toMatchObject({ type: `repair.${step.action}`, payload: { request: id } });
    }
  });

  it('another organisation\'s node shows the request from its own ledger, without the description; Open311 shows it closed', async () => {
    const pcHeight = await height(node('property-company'));
    const so = node('street-office');
    await until('the street office to catch up', async () => (await height(so)) >= pcHeight);
    const r = await call(so, 'GET', `/v1/repairs/${id}`, { token: await login('street-office', 'zhou.official') });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ request: id, status: 'confirmed', org: 'property-company', rating: 5, followers: 1 });
    expect(r.json.description).toBeUndefined();
    expect(r.json.notes).toBeUndefined();
    const o = await call(node('property-company'), 'GET', `/open311/v2/requests/${id}.json`);
    expect(o.status).toBe(200);
    expect(o.json[0]).toMatchObject({ service_request_id: id, status: 'closed', service_code: 'burst-pipe', description: '' });
  });

  it('no description or comment text is in any transaction of any block, on any node', async () => {
    const target = await height(node('property-company'));
    for (const n of nodes) {
      await until(`${n.org} to reach height ${target}`, async () => (await height(n)) >= target);
      const txs = await ledgerTxs(n);
      const repairs = txs.filter((t) => t.type.startsWith('repair.'));
      // the scan reads real data: the request's transactions are there, by id — one confirm (the neighbour's was refused before recording)
      expect(repairs.filter((t) => t.text.includes(id)).map((t) => t.type)).toEqual([
        'repair.create', 'repair.follow', 'repair.assign', 'repair.accept', 'repair.arrive', 'repair.diagnose', 'repair.start', 'repair.finish', 'repair.confirm',
      ]);
      const all = txs.map((t) => t.text).join('\n');
      for (const text of [description, comment, '1单元 502', '卫生间水管爆裂', '修得很好']) {
        for (const form of [text, escaped(text, false), escaped(text, true)]) expect(all.includes(form), `${n.org}: "${form}" is on the ledger`).toBe(false);
      }
    }
  }, 40_000);
});
