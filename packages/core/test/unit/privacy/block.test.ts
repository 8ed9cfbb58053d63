/**
 * The module inside the real pipeline: schema on admission (checkTx), handlers through executeBlock (a rejected tx
 * leaves no writes), and determinism (the same block over the same state gives the same writes and app hash).
 */
import { describe, expect, it } from 'vitest';
import {
  accessKey,
  checkTx,
  executeBlock,
  grantKey,
  orgByKey,
  signTx,
  subjectKey,
  txHash,
  type ExecutableTx,
  type SignedTx,
} from '../../../src/index.js';
import { GENESIS_MS, freshNonce, machiError, makeNet, type TestNet, type TestOrg } from '../helpers.js';
import { acc, actor, gr, hex64, sub } from './fixtures.js';

const net = makeNet({ powers: [1], members: 2 });
const holder = net.orgs[0]!; // validator-0 holds the data
const grantee = net.orgs[1]!; // member-0
const other = net.orgs[2]!; // member-1
const BLOCK_TIME = GENESIS_MS + 3 * 60 * 60 * 1000; // 11:00 UTC+8

function tx(n: TestNet, org: TestOrg, type: string, payload: Record<string, unknown>): SignedTx {
  return signTx({ chainId: n.genesis.chainId, type, payload, signer: org.publicKey, nonce: freshNonce(), time: BLOCK_TIME }, (m) => org.signer.sign(m));
}

function txs(): SignedTx[] {
  const ALICE = sub('alice');
  return [
    tx(net, holder, 'privacy.subject_register', { subject: ALICE, commitment: hex64('c'), classes: ['contact'], actor: actor('admin') }),
    tx(net, holder, 'privacy.grant', {
      grant: gr('g'),
      subjects: [ALICE],
      classes: ['contact'],
      toOrg: grantee.id,
      toRole: 'dispatcher',
      purpose: 'repair-dispatch',
      from: GENESIS_MS,
      until: GENESIS_MS + 86_400_000,
      actor: actor('admin'),
    }),
    tx(net, other, 'privacy.revoke', { grant: gr('g'), actor: actor('intruder') }), // rejected: not the granting org
    tx(net, grantee, 'privacy.access', {
      access: acc('x'),
      subject: ALICE,
      org: grantee.id,
      role: 'dispatcher',
      purpose: 'repair-dispatch',
      fields: ['phone'],
      decision: 'allowed',
      reason: 'grant',
      grant: gr('g'),
      caseRef: 'repair:rq_1',
      actor: actor('dispatcher'),
      at: BLOCK_TIME - 5000,
    }),
  ];
}

function run(signed: readonly SignedTx[], state = new Map<string, string>()) {
  const executable: ExecutableTx[] = signed.map((t, i) => ({ tx: t, hash: txHash(t), seq: i }));
  return executeBlock(net.registry, orgByKey(net.genesis), { read: (k) => state.get(k) }, 'a'.repeat(64), { height: 1, time: BLOCK_TIME }, executable);
}

describe('privacy transactions in a block', () => {
  it('are admitted by checkTx (schema) and applied in order; the rejected one writes nothing', () => {
    const signed = txs();
    for (const t of signed) checkTx(t, net.ctx);
    const exec = run(signed);
    expect(exec.results.map((r) => r.code)).toEqual([undefined, undefined, 'HANDLER_REJECTED', undefined]);
    expect(exec.results[2]!.message).toMatch(/not granted by member-1/);
    const writes = new Map(exec.writes);
    expect(JSON.parse(writes.get(grantKey(gr('g')))!)).toMatchObject({ org: holder.id, revoked: false });
    expect(JSON.parse(writes.get(subjectKey(sub('alice')))!)).toMatchObject({ holder: holder.id, registeredAt: BLOCK_TIME });
    expect(JSON.parse(writes.get(accessKey(sub('alice'), acc('x')))!)).toMatchObject({ height: 1, txHash: txHash(signed[3]!) });
    expect([...writes.keys()].every((k) => k.startsWith('privacy/'))).toBe(true);
    expect([...writes.keys()].some((k) => k.startsWith('privacy/alert'))).toBe(false);
  });

  it('is deterministic: the same block over the same state gives the same writes and app hash', () => {
    const signed = txs();
    const a = run(signed);
    const b = run(structuredClone(signed));
    expect(b.writes).toEqual(a.writes);
    expect(b.appHash).toBe(a.appHash);
    expect(b.results).toEqual(a.results);
  });

  it('a different block time changes the writes (registeredAt) and so the app hash', () => {
    const signed = txs();
    const executable: ExecutableTx[] = signed.map((t, i) => ({ tx: t, hash: txHash(t), seq: i }));
    const later = executeBlock(net.registry, orgByKey(net.genesis), { read: () => undefined }, 'a'.repeat(64), { height: 1, time: BLOCK_TIME + 1 }, executable);
    expect(later.appHash).not.toBe(run(signed).appHash);
  });

  it('an invalid payload is refused on admission with TX_PAYLOAD_INVALID', () => {
    const bad = tx(net, holder, 'privacy.subject_register', { subject: sub('bob'), commitment: hex64('c'), classes: ['contact'], actor: actor('a'), name: '张三' });
    expect(machiError(() => checkTx(bad, net.ctx)).code).toBe('TX_PAYLOAD_INVALID');
  });
});
