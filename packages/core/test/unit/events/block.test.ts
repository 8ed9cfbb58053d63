/**
 * The module inside the real pipeline: signed transactions admitted by checkTx (schema), applied in order by
 * executeBlock (a rejected one leaves no writes); departments that run no validator (power 0 members) sign their own
 * steps; determinism (the same block over the same state gives the same writes and app hash).
 */
import { describe, expect, it } from 'vitest';
import { checkTx, eventKey, executeBlock, orgByKey, signTx, txHash, type EventRecord, type ExecutableTx, type SignedTx } from '../../../src/index.js';
import { GENESIS_MS, freshNonce, machiError, makeNet, type TestOrg } from '../helpers.js';
import { COMMANDER, GRID, GRID_WORKER, INSPECTOR, OFFICER, ev, gridPayload, hex64, reportPayload } from './fixtures.js';

const net = makeNet({ powers: [1], members: 2 });
const street = net.orgs[0]!; // validator-0: the street office, command centre
const police = net.orgs[1]!; // member-0 (no voting power): stands for the police
const urban = net.orgs[2]!; // member-1 (no voting power): stands for urban management
const MIN_MS = 60 * 1000;
const BLOCK_TIME = GENESIS_MS + 3 * 60 * MIN_MS;
const FIRE = ev('block fire');

function tx(org: TestOrg, type: string, payload: object, time = BLOCK_TIME): SignedTx {
  return signTx({ chainId: net.genesis.chainId, type, payload: payload as Record<string, unknown>, signer: org.publicKey, nonce: freshNonce(), time }, (m) => org.signer.sign(m));
}

function txs(): SignedTx[] {
  return [
    tx(street, 'event.define_grid', gridPayload()),
    tx(street, 'event.configure_department', { department: 'police', orgs: [police.id], by: COMMANDER }),
    tx(street, 'event.configure_department', { department: 'urban-management', orgs: [urban.id], by: COMMANDER }),
    tx(street, 'event.report', reportPayload({ event: FIRE, category: 'fire', severity: 'grave', centre: street.id, observedAt: BLOCK_TIME - MIN_MS })),
    tx(police, 'event.acknowledge', { event: FIRE, by: OFFICER }),
    tx(urban, 'event.handle', { event: FIRE, result: 'resolved', photoHashes: [], by: INSPECTOR }), // rejected: not accepted
    tx(street, 'event.accept', { event: FIRE, by: COMMANDER }), // rejected: the street office is not assigned
    tx(urban, 'event.accept', { event: FIRE, by: INSPECTOR }),
  ];
}

function run(signed: readonly SignedTx[], state = new Map<string, string>(), time = BLOCK_TIME) {
  const executable: ExecutableTx[] = signed.map((t, i) => ({ tx: t, hash: txHash(t), seq: i }));
  return executeBlock(net.registry, orgByKey(net.genesis), { read: (k) => state.get(k) }, 'a'.repeat(64), { height: 1, time }, executable);
}

describe('event transactions in a block', () => {
  it('are admitted by checkTx and applied in order; each department signs its own steps; rejected ones write nothing', () => {
    const signed = txs();
    for (const t of signed) checkTx(t, net.ctx);
    const exec = run(signed);
    expect(exec.results.map((r) => r.code)).toEqual([undefined, undefined, undefined, undefined, undefined, 'HANDLER_REJECTED', 'HANDLER_REJECTED', undefined]);
    expect(exec.results[5]!.message).toMatch(/accept it before handling/);
    expect(exec.results[6]!.message).toMatch(/validator-0 is not assigned/);
    const record = JSON.parse(new Map(exec.writes).get(eventKey(FIRE))!) as EventRecord;
    expect(record.assignments.map((a) => [a.org, a.department, a.status, a.ackDueAt])).toEqual([
      [police.id, 'police', 'acknowledged', BLOCK_TIME + 5 * MIN_MS],
      [urban.id, 'urban-management', 'accepted', BLOCK_TIME + 5 * MIN_MS],
    ]);
    expect(record.steps.map((s) => [s.action, s.org, s.txHash])).toEqual([
      ['report', street.id, txHash(signed[3]!)],
      ['acknowledge', police.id, txHash(signed[4]!)],
      ['accept', urban.id, txHash(signed[7]!)],
    ]);
    expect(police.power).toBe(0);
    expect(record.grid).toBe(GRID);
    expect(record.reporter).toBe(GRID_WORKER);
  });

  it('is deterministic: the same block over the same state gives the same writes and app hash', () => {
    const signed = txs();
    const a = run(signed);
    const b = run(structuredClone(signed));
    expect(b.writes).toEqual(a.writes);
    expect(b.appHash).toBe(a.appHash);
    expect(run(signed, new Map(), BLOCK_TIME + 1).appHash).not.toBe(a.appHash);
  });

  it('free text or a unit number is refused on admission with TX_PAYLOAD_INVALID', () => {
    expect(machiError(() => checkTx(tx(police, 'event.handle', { event: FIRE, result: 'resolved', photoHashes: [], by: OFFICER, note: 'all good' }), net.ctx)).code).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => checkTx(tx(street, 'event.report', reportPayload({ location: { kind: 'building', code: 'b1-1203 Zhang' } })), net.ctx)).code).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => checkTx(tx(street, 'event.report', { ...reportPayload(), descriptionHash: hex64('x').slice(1) }), net.ctx)).code).toBe('TX_PAYLOAD_INVALID');
  });
});
