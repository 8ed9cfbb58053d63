/**
 * The module inside the real pipeline: signed transactions admitted by checkTx (schema), applied in order by
 * executeBlock (a rejected one leaves no writes), and determinism (the same block over the same state gives the same
 * writes and app hash).
 */
import { describe, expect, it } from 'vitest';
import {
  checkTx,
  executeBlock,
  openKey,
  orgByKey,
  requestKey,
  signTx,
  txHash,
  type ExecutableTx,
  type RequestRecord,
  type SignedTx,
} from '../../../src/index.js';
import { GENESIS_MS, freshNonce, machiError, makeNet, type TestNet, type TestOrg } from '../helpers.js';
import { hex64 } from '../privacy/fixtures.js';
import { ALICE, BOB, DISPATCHER, LI, WANG, rq, sub } from './fixtures.js';

const net = makeNet({ powers: [1], members: 2 });
const housing = net.orgs[0]!; // validator-0: the property company
const contractor = net.orgs[1]!; // member-0: the workers' company
const other = net.orgs[2]!; // member-1
const HOUR_MS = 60 * 60 * 1000;
const BLOCK_TIME = GENESIS_MS + 3 * HOUR_MS;
const RQ = rq('block');

function tx(n: TestNet, org: TestOrg, type: string, payload: Record<string, unknown>, time = BLOCK_TIME): SignedTx {
  return signTx({ chainId: n.genesis.chainId, type, payload, signer: org.publicKey, nonce: freshNonce(), time }, (m) => org.signer.sign(m));
}

/** A leak reported, assigned to Wang, accepted; Li (not assigned) tries to arrive; Wang arrives; Bob follows. */
function txs(): SignedTx[] {
  return [
    tx(net, housing, 'repair.create', {
      request: RQ,
      category: 'burst-pipe',
      priority: 'urgent',
      location: { kind: 'home', building: 'b12' },
      descriptionHash: hex64('leak'),
      photoHashes: [],
      reporter: ALICE,
      subject: sub('alice'),
    }),
    tx(net, housing, 'repair.assign', { request: RQ, worker: WANG, workerOrg: contractor.id, by: DISPATCHER }),
    tx(net, contractor, 'repair.accept', { request: RQ, worker: WANG }),
    tx(net, contractor, 'repair.arrive', { request: RQ, worker: LI }), // rejected: not the assigned worker
    tx(net, other, 'repair.arrive', { request: RQ, worker: WANG }), // rejected: signed by another org
    tx(net, contractor, 'repair.arrive', { request: RQ, worker: WANG }),
    tx(net, housing, 'repair.follow', { request: RQ, follower: BOB }),
    tx(net, housing, 'repair.cancel', { request: RQ, by: ALICE }), // rejected: someone is on site
  ];
}

function run(signed: readonly SignedTx[], state = new Map<string, string>(), time = BLOCK_TIME) {
  const executable: ExecutableTx[] = signed.map((t, i) => ({ tx: t, hash: txHash(t), seq: i }));
  return executeBlock(net.registry, orgByKey(net.genesis), { read: (k) => state.get(k) }, 'a'.repeat(64), { height: 1, time }, executable);
}

describe('repair transactions in a block', () => {
  it('are admitted by checkTx and applied in order; the rejected ones write nothing', () => {
    const signed = txs();
    for (const t of signed) checkTx(t, net.ctx);
    const exec = run(signed);
    expect(exec.results.map((r) => r.code)).toEqual([undefined, undefined, undefined, 'HANDLER_REJECTED', 'HANDLER_REJECTED', undefined, undefined, 'HANDLER_REJECTED']);
    expect(exec.results[3]!.message).toMatch(/assigned worker/);
    expect(exec.results[7]!.message).toMatch(/it is on-site/);
    const writes = new Map(exec.writes);
    expect([...writes.keys()]).toEqual([openKey('b12', RQ), requestKey(RQ)]);
    const record = JSON.parse(writes.get(requestKey(RQ))!) as RequestRecord;
    expect(record).toMatchObject({ status: 'on-site', org: housing.id, worker: WANG, workerOrg: contractor.id, followers: [BOB], createdAt: BLOCK_TIME, slaDueAt: BLOCK_TIME + 2 * HOUR_MS });
    expect(record.steps.map((s) => [s.action, s.at, s.txHash])).toEqual([
      ['create', BLOCK_TIME, txHash(signed[0]!)],
      ['assign', BLOCK_TIME, txHash(signed[1]!)],
      ['accept', BLOCK_TIME, txHash(signed[2]!)],
      ['arrive', BLOCK_TIME, txHash(signed[5]!)],
    ]);
  });

  it('continues from committed state in a later block', () => {
    const first = run(txs());
    const state = new Map(first.writes.filter((w): w is [string, string] => w[1] !== null));
    const later = BLOCK_TIME + HOUR_MS;
    const next = run([tx(net, contractor, 'repair.diagnose', { request: RQ, worker: WANG, cause: 'pipe-joint', parts: [{ part: 'seal', quantity: 2 }], photoHashes: [] }, later)], state, later);
    expect(next.results).toEqual([{}]);
    expect(JSON.parse(new Map(next.writes).get(requestKey(RQ))!)).toMatchObject({ status: 'diagnosed' });
  });

  it('is deterministic: the same block over the same state gives the same writes and app hash', () => {
    const signed = txs();
    const a = run(signed);
    const b = run(structuredClone(signed));
    expect(b.writes).toEqual(a.writes);
    expect(b.appHash).toBe(a.appHash);
    expect(b.results).toEqual(a.results);
  });

  it('a different block time changes the writes (createdAt, slaDueAt, steps) and so the app hash', () => {
    const signed = txs();
    expect(run(signed, new Map(), BLOCK_TIME + 1).appHash).not.toBe(run(signed).appHash);
  });

  it('an invalid payload (free text, an extra property) is refused on admission with TX_PAYLOAD_INVALID', () => {
    const extra = tx(net, housing, 'repair.cancel', { request: RQ, by: ALICE, reason: 'changed my mind' });
    expect(machiError(() => checkTx(extra, net.ctx)).code).toBe('TX_PAYLOAD_INVALID');
    const text = tx(net, housing, 'repair.reopen', { request: RQ, reporter: ALICE, reasonHash: 'still leaking' });
    expect(machiError(() => checkTx(text, net.ctx)).code).toBe('TX_PAYLOAD_INVALID');
  });
});
