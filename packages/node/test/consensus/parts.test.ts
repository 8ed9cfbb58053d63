/**
 * The consensus driver's parts, one by one: the peer-message checks, the double-sign guard over a store that survives
 * a crash, and the limits' relations. The whole driver is exercised by the simulator (../sim/). docs/spec/consensus.md
 */
import { describe, expect, it } from 'vitest';
import {
  BLOCK_TXS_MAX, BLOCK_TX_BYTES_MAX, GOSSIP_SLICE_TXS_MAX, P2P_MESSAGE_BYTES_MAX, SYNC_BYTES_MAX, TX_BYTES_MAX, generateKeyPair, proposer,
  signerFromJwk, voteSignBytes, wireBlockBytesMax, type UnsignedMessage, type Vote,
} from '@machi/core';
import { checkBlocks, checkGetBlocks, checkStatus, checkTxs, checkVote, type CheckView } from '../../src/consensus/checks.js';
import { DoubleSignGuard } from '../../src/consensus/guard.js';
import { MemoryDisk, MemoryStore } from '../../src/storage/memory.js';

const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()];
const signers = keys.map((k) => signerFromJwk(k.jwk));
const validators = keys.map((k) => ({ publicKey: k.publicKey, power: 1 })).sort((a, b) => (a.publicKey < b.publicKey ? -1 : 1));
const view: CheckView = { chainId: 'c', validators, height: 5, round: 0 };
const HASH = 'ab'.repeat(32);

function vote(over: Partial<Vote> = {}, signer = signers[0]!): Vote {
  const v = { type: 'prevote' as const, height: 5, round: 0, blockHash: HASH, from: signer.publicKey, ...over };
  return { ...v, sig: signer.sign(voteSignBytes('c', v.type, v.height, v.round, v.blockHash)), ...(over.sig ? { sig: over.sig } : {}) };
}

describe('CONS-CHECK-1: vote checks', () => {
  it('accepts a well-signed vote of a validator and copies only its fields', () => {
    const v = checkVote(view, { ...vote(), extra: 1 });
    expect(v.ok && v.value).toEqual(vote());
  });
  it('rejects a malformed vote, a non-validator, a bad signature; ignores stale and far-ahead votes', () => {
    expect(checkVote(view, { ...vote(), round: -1 })).toMatchObject({ ok: false, action: 'reject', reason: 'malformed vote' });
    expect(checkVote(view, null)).toMatchObject({ action: 'reject' });
    const outsider = signerFromJwk(generateKeyPair().jwk);
    expect(checkVote(view, vote({}, outsider))).toMatchObject({ action: 'reject', reason: 'vote from a non-validator' });
    expect(checkVote(view, { ...vote(), blockHash: 'cd'.repeat(32) })).toMatchObject({ action: 'reject', reason: 'vote with a bad signature' });
    expect(checkVote(view, vote({ height: 4 }))).toEqual({ ok: false, action: 'ignore' });
    expect(checkVote(view, vote({ round: 11 }))).toEqual({ ok: false, action: 'ignore' });
  });
});

describe('CONS-CHECK-2: proposal checks', async () => {
  const { checkProposal } = await import('../../src/consensus/checks.js');
  it("rejects a proposal from a validator that is not the round's proposer before checking its signature", () => {
    const wrong = validators.find((v) => v.publicKey !== proposer(validators, 5, 0))!.publicKey;
    const p = { type: 'proposal', height: 5, round: 0, validRound: -1, blockHash: HASH, from: wrong };
    expect(checkProposal(view, { proposal: p, sig: 'x', block: { header: {}, txs: [] } })).toMatchObject({ action: 'reject', reason: "proposal from a validator that is not the round's proposer" });
  });
  it('ignores a stale proposal and rejects a malformed one', () => {
    const p = { type: 'proposal', height: 4, round: 0, validRound: -1, blockHash: HASH, from: validators[0]!.publicKey };
    expect(checkProposal(view, { proposal: p, sig: 'x', block: {} })).toEqual({ ok: false, action: 'ignore' });
    expect(checkProposal(view, { proposal: { ...p, height: 'x' }, sig: 'x', block: {} })).toMatchObject({ action: 'reject' });
  });
});

describe('CONS-CHECK-3: status, sync and gossip message checks', () => {
  it('answers ok, or reject with a reason', () => {
    expect(checkStatus({ height: 3 })).toEqual({ ok: true, value: 3 });
    expect(checkStatus({ height: 1.5 })).toMatchObject({ action: 'reject' });
    expect(checkGetBlocks({ from: 2, to: 1 })).toMatchObject({ action: 'reject', reason: 'malformed get-blocks' });
    expect(checkGetBlocks({ from: 1, to: 3 })).toEqual({ ok: true, value: { from: 1, to: 3 } });
    expect(checkBlocks({ blocks: 'x' })).toMatchObject({ action: 'reject' });
    expect(checkTxs({ txs: new Array(2001).fill(0) })).toMatchObject({ action: 'reject', reason: 'malformed txs message' });
  });
});

describe('CONS-GUARD-1, CONS-GUARD-2: the double-sign guard', () => {
  const prevote: UnsignedMessage = { type: 'prevote', height: 5, round: 0, blockHash: HASH, from: 'me' };
  it('refuses a different message for a signed (height, round, type), allows the identical one, and survives a crash', () => {
    const disk = new MemoryDisk();
    const guard = new DoubleSignGuard(new MemoryStore(disk));
    expect(guard.check(prevote)).toBe('new');
    guard.record(prevote, []);
    expect(guard.check(prevote)).toBe('again');
    expect(guard.check({ ...prevote, blockHash: null })).toBe('conflict');
    // a crash: a new store on the same disk, a new guard
    const after = new DoubleSignGuard(new MemoryStore(disk));
    expect(after.load(5)?.messages).toEqual([prevote]);
    expect(after.check({ ...prevote, blockHash: null })).toBe('conflict');
    expect(new DoubleSignGuard(new MemoryStore(disk)).load(6)).toBeUndefined();
  });
  it('the test-only forgetful guard remembers nothing across a crash (what the simulator must catch)', () => {
    const disk = new MemoryDisk();
    new DoubleSignGuard(new MemoryStore(disk), true).record(prevote, []);
    expect(new DoubleSignGuard(new MemoryStore(disk), true).load(5)).toBeUndefined();
  });
  it('a crashed (closed) store writes nothing more', () => {
    const store = new MemoryStore();
    store.close();
    expect(() => store.setMeta('k', 'v')).toThrow('store closed');
  });
});

describe('CONS-LIMIT-1: driver limits fit the peer frame (asserted at load; checked here by example)', () => {
  it('a maximal block, a sync answer and a gossip slice fit', () => {
    expect(wireBlockBytesMax(BLOCK_TX_BYTES_MAX, BLOCK_TXS_MAX)).toBeLessThan(P2P_MESSAGE_BYTES_MAX);
    expect(SYNC_BYTES_MAX + wireBlockBytesMax(BLOCK_TX_BYTES_MAX, BLOCK_TXS_MAX)).toBeLessThan(P2P_MESSAGE_BYTES_MAX);
    expect(GOSSIP_SLICE_TXS_MAX * (TX_BYTES_MAX + 1)).toBeLessThan(P2P_MESSAGE_BYTES_MAX);
  });
  it('the worst case per character is real: a quote takes 2 bytes, a CJK character 3', () => {
    expect(Buffer.byteLength(JSON.stringify(['"']))).toBe(2 + 2 + 2);
    expect(Buffer.byteLength(JSON.stringify('町'))).toBe(3 + 2);
  });
});
