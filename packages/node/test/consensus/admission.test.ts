/**
 * Admission back-pressure (MachiNode.submit): clients wait while ADMISSION_TXS_MAX transactions are in signature
 * checks, so a proposal waiting for the admissions in flight (settled) never waits behind an unbounded backlog; gossip
 * from peers is never held back.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, signTx, signerFromJwk, type Genesis } from '@machi/core';
import { InlineChecker, type CheckOutcome, type TxChecker } from '../../src/node/checker.js';
import { ADMISSION_TXS_MAX, MachiNode } from '../../src/node/node.js';
import { MemoryStore } from '../../src/storage/memory.js';

const GENESIS_MS = Date.parse('2026-01-01T00:00:00Z');
const validator = signerFromJwk(generateKeyPair().jwk);
const client = signerFromJwk(generateKeyPair().jwk);
const genesis: Genesis = {
  chainId: 'admission-test',
  genesisTime: new Date(GENESIS_MS).toISOString(),
  orgs: [
    { id: 'v0', name: 'validator', publicKey: validator.publicKey, power: 1 },
    { id: 'client', name: 'client', publicKey: client.publicKey, power: 0 },
  ],
};
const NOW = GENESIS_MS + 60_000;

/** The inline checks, released by the test one batch at a time: `sizes` shows what reached the checker. */
class HeldChecker implements TxChecker {
  readonly #inline = new InlineChecker(genesis);
  readonly sizes: number[] = [];
  readonly #held: (() => void)[] = [];
  async check(values: readonly unknown[]): Promise<CheckOutcome[]> {
    this.sizes.push(values.length);
    await new Promise<void>((resolve) => this.#held.push(resolve));
    return this.#inline.check(values);
  }
  release(): void {
    this.#held.shift()?.();
  }
  async close(): Promise<void> {}
}

let nonce = 0;
function txs(count: number): unknown[] {
  return Array.from({ length: count }, () => signTx({
    chainId: genesis.chainId, type: 'notary.record', payload: { hash: randomBytes(32).toString('hex'), label: `doc ${nonce}` },
    signer: client.publicKey, nonce: (nonce++).toString(16).padStart(32, '0'), time: NOW,
  }, client.sign));
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('admission back-pressure', () => {
  it('a client batch waits while the checker holds ADMISSION_TXS_MAX; gossip from peers does not', async () => {
    const checker = new HeldChecker();
    const node = new MachiNode({ genesis, publicKey: validator.publicKey, store: new MemoryStore(), checker, clock: () => NOW });
    const first = node.submit(txs(ADMISSION_TXS_MAX - 10), 'client');
    await tick();
    const second = node.submit(txs(20), 'client'); // would pass the limit: waits
    const gossip = node.submit(txs(20), 'peer'); // never waits
    await tick();
    expect(checker.sizes).toEqual([ADMISSION_TXS_MAX - 10, 20]);

    checker.release(); // the first batch is checked: room again
    expect((await first).every((o) => o.ok)).toBe(true);
    await tick();
    expect(checker.sizes).toEqual([ADMISSION_TXS_MAX - 10, 20, 20]);
    checker.release();
    checker.release();
    expect((await gossip).every((o) => o.ok)).toBe(true);
    expect((await second).every((o) => o.ok)).toBe(true);
    expect(node.mempoolSize).toBe(ADMISSION_TXS_MAX + 30);
    // each transaction was checked once
    expect(node.txsChecked).toBe(ADMISSION_TXS_MAX + 30);
  });

  it('a batch larger than the limit still goes through when nothing else is in checks', async () => {
    const checker = new HeldChecker();
    const node = new MachiNode({ genesis, publicKey: validator.publicKey, store: new MemoryStore(), checker, clock: () => NOW });
    const big = node.submit(txs(ADMISSION_TXS_MAX + 1), 'client');
    await tick();
    expect(checker.sizes).toEqual([ADMISSION_TXS_MAX + 1]);
    checker.release();
    expect((await big).every((o) => o.ok)).toBe(true);
  });
});
