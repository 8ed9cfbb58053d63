/**
 * The HTTP API through Fastify's inject() (no socket) on a real SQLite store: the happy path, and every bad input
 * getting its catalogue code and status with nothing written.
 */
import { randomBytes, createHash } from 'node:crypto';
import { postInTwoHalves } from '../support/slow-upload.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  BODY_BYTES_MAX, BATCH_TXS_MAX, TX_TIME_SKEW_MS_MAX, generateKeyPair, signTx, signerFromJwk, verifyBundle,
  type Genesis, type Signer, type SignedTx, type TxBody,
} from '@machi/core';
import { buildServer, type MachiNode, type SqliteStore } from '../../src/index.js';
import { oneNode, type OneNode } from '../support/node.js';

const docHash = (s: string): string => createHash('sha256').update(s).digest('hex');

let s: OneNode;
let app: FastifyInstance;
let node: MachiNode;
let store: SqliteStore;
let genesis: Genesis;
let signer: Signer;
let outsider: Signer;

function body(over: Partial<TxBody> = {}): TxBody {
  return {
    chainId: genesis.chainId,
    type: 'notary.record',
    payload: { hash: docHash(randomBytes(8).toString('hex')), label: 'a document' },
    signer: signer.publicKey,
    nonce: randomBytes(16).toString('hex'),
    time: Date.now(),
    ...over,
  };
}
const signed = (over: Partial<TxBody> = {}, by: Signer = signer): SignedTx => signTx(body(over), by.sign);

async function post(tx: unknown, wait = true) {
  return app.inject({ method: 'POST', url: `/v1/txs${wait ? '?wait=true' : ''}`, payload: tx as object });
}

beforeAll(async () => {
  // the ledger API alone: notary's routes, no sign-in
  s = await oneNode({ org: 'street-office', modules: ['notary'], auth: false, users: {} });
  ({ app, node, store, genesis, signer } = s);
  outsider = signerFromJwk(generateKeyPair().jwk);
});

afterAll(async () => s?.close());

describe('happy path', () => {
  it('commits a transaction, serves its receipt, block and a proof bundle that verifies offline', async () => {
    const tx = signed({ payload: { hash: docHash('contract.pdf'), label: 'tenancy contract' } });
    const res = await post(tx);
    expect(res.statusCode).toBe(200);
    const receipt = res.json();
    expect(receipt.status).toBe('committed');
    expect(receipt.height).toBeGreaterThanOrEqual(1);

    const got = await app.inject(`/v1/txs/${receipt.hash}`);
    expect(got.statusCode).toBe(200);
    expect(got.json().tx).toEqual(tx);

    const block = (await app.inject(`/v1/blocks/${receipt.height}`)).json();
    expect(block.txs).toContain(receipt.hash);
    expect(block.commit.signatures.map((s: { org: string }) => s.org)).toEqual(['street-office']);
    expect((await app.inject('/v1/blocks/latest')).json().header.height).toBe(node.head.height);

    const bundle = (await app.inject(`/v1/txs/${receipt.hash}/proof`)).json();
    expect(verifyBundle(bundle, genesis)).toMatchObject({ txHash: receipt.hash, height: receipt.height, signedBy: ['street-office'] });

    const anchors = (await app.inject(`/v1/notary/${docHash('contract.pdf')}`)).json().anchors;
    expect(anchors).toEqual([expect.objectContaining({ label: 'tenancy contract', org: 'street-office', txHash: receipt.hash })]);
  });

  it('accepts a batch and reports each transaction on its own', async () => {
    const good = [signed(), signed()];
    const res = await app.inject({ method: 'POST', url: '/v1/txs/batch?wait=true', payload: { txs: [...good, signed({ chainId: 'other' })] } });
    expect(res.statusCode).toBe(200);
    const { accepted, results } = res.json();
    expect(accepted).toBe(2);
    expect(results.slice(0, 2).map((r: { status: string }) => r.status)).toEqual(['committed', 'committed']);
    expect(results[2].code).toBe('TX_WRONG_CHAIN');
  });

  it('serves consistency proofs between log sizes', async () => {
    const size = store.logSize();
    const res = await app.inject(`/v1/log/consistency?from=1&to=${size}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().proof.length).toBeGreaterThan(0);
  });
});

describe('committed receipts and bundles are sent again from their kept JSON (src/api/read-cache.ts)', () => {
  const read = (a: FastifyInstance, url: string, requestId?: string) => a.inject({ url, headers: requestId === undefined ? {} : { 'x-request-id': requestId } });

  it('answers the same bytes and headers as a server that never read them, with each request its own id', async () => {
    const tx = signed();
    const pending = await post(tx, false);
    const hash: string = pending.json().hash;
    // a pending receipt is not kept: once committed, the receipt says so
    const before = (await read(app, `/v1/txs/${hash}`)).json();
    expect(before.status === 'pending' || before.status === 'committed').toBe(true);
    const committed = await node.waitCommitted(hash, 30_000);
    const fresh = await buildServer(node, { docs: false });
    try {
      for (const url of [`/v1/txs/${hash}`, `/v1/txs/${hash}/proof`]) {
        const first = await read(app, url, 'client-id-1');
        const again = await read(app, url, 'client-id-2');
        const uncached = await read(fresh, url);
        expect([first.statusCode, again.statusCode, uncached.statusCode]).toEqual([200, 200, 200]);
        expect(again.body).toBe(first.body);
        expect(again.body).toBe(uncached.body);
        for (const r of [first, again]) expect(r.headers['content-type']).toBe(uncached.headers['content-type']);
        expect(Object.keys(again.headers).sort()).toEqual(Object.keys(uncached.headers).sort());
        expect([first.headers['x-request-id'], again.headers['x-request-id']]).toEqual(['client-id-1', 'client-id-2']);
        const noId = [await read(app, url), await read(app, url)].map((r) => r.headers['x-request-id']);
        expect(noId[0]).not.toBe(noId[1]);
      }
      const receipt = (await read(app, `/v1/txs/${hash}`)).json();
      expect(receipt).toEqual({ ...committed, tx });
      expect(verifyBundle((await read(app, `/v1/txs/${hash}/proof`)).json(), genesis)).toMatchObject({ txHash: hash, height: committed.height });
    } finally {
      await fresh.close();
    }
  });

  it('does not keep a not-found answer: the transaction is served once committed', async () => {
    const tx = signed();
    const hash = createHash('sha256').update(JSON.stringify(tx)).digest('hex'); // not its hash: only needs to be unknown
    expect((await read(app, `/v1/txs/${hash}/proof`)).statusCode).toBe(404);
    const r = (await post(tx)).json();
    expect((await read(app, `/v1/txs/${r.hash}/proof`)).statusCode).toBe(200);
    expect((await read(app, `/v1/txs/${r.hash}`)).json().status).toBe('committed');
  });

  it('a bundle read after a validator-set change carries it (a kept bundle of before is not answered)', async () => {
    const r = (await post(signed())).json();
    const url = `/v1/txs/${r.hash}/proof`;
    expect((await read(app, url)).json().setChanges).toBeUndefined();
    expect((await read(app, url)).json().setChanges).toBeUndefined(); // now from the kept JSON
    // a stand-in certificate in force from genesis: only its presence in the bundle is looked at
    node.setChanges.push({ set: { epoch: 1, from: 1, orgs: [] } } as unknown as (typeof node.setChanges)[number]);
    try {
      expect((await read(app, url)).json().setChanges).toEqual([{ set: { epoch: 1, from: 1, orgs: [] } }]);
    } finally {
      node.setChanges.pop();
    }
    expect((await read(app, url)).json().setChanges).toBeUndefined();
  });
});

describe('bad input gets a catalogue error and writes nothing', () => {
  const cases: [string, () => Promise<{ statusCode: number; json(): { code: string; message: string } }>, number, string][] = [
    ['malformed JSON', () => app.inject({ method: 'POST', url: '/v1/txs', headers: { 'content-type': 'application/json' }, payload: '{"chainId": ' }), 400, 'BODY_MALFORMED'],
    ['not an object', () => app.inject({ method: 'POST', url: '/v1/txs', headers: { 'content-type': 'application/json' }, payload: '[1,2]' }), 400, 'REQUEST_INVALID'],
    ['empty JSON body', () => app.inject({ method: 'POST', url: '/v1/txs', headers: { 'content-type': 'application/json' }, payload: '' }), 400, 'BODY_MALFORMED'],
    ['prototype poisoning', () => app.inject({ method: 'POST', url: '/v1/txs', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: '{"__proto__": {"admin": true}}' }), 400, 'BODY_MALFORMED'],
    ['missing field', () => post({ ...signed(), nonce: undefined }), 400, 'TX_MALFORMED'],
    ['extra field', () => post({ ...signed(), admin: true }), 400, 'TX_MALFORMED'],
    ['unknown type', () => post(signed({ type: 'repair.explode' })), 400, 'TX_UNKNOWN_TYPE'],
    ['payload failing its schema', () => post(signed({ payload: { hash: 'not-a-hash', label: 'x' } })), 400, 'TX_PAYLOAD_INVALID'],
    ['payload with an extra property', () => post(signed({ payload: { hash: docHash('x'), label: 'x', name: '张伟' } })), 400, 'TX_PAYLOAD_INVALID'],
    ['bad signature', () => post({ ...signed(), sig: signed().sig }), 401, 'TX_BAD_SIGNATURE'],
    ['signature by another key', () => post({ ...signed({}, outsider), signer: signer.publicKey }), 401, 'TX_BAD_SIGNATURE'],
    ['signer not in the genesis', () => post(signed({ signer: outsider.publicKey }, outsider)), 403, 'TX_UNKNOWN_SIGNER'],
    ['wrong chain id', () => post(signed({ chainId: 'another-chain' })), 400, 'TX_WRONG_CHAIN'],
    ['time far in the past', () => post(signed({ time: Date.now() - TX_TIME_SKEW_MS_MAX - 60_000 })), 400, 'TX_TIME_SKEW'],
    ['oversized body', () => app.inject({ method: 'POST', url: '/v1/txs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ pad: 'x'.repeat(BODY_BYTES_MAX) }) }), 413, 'BODY_TOO_LARGE'],
    ['oversized batch', () => app.inject({ method: 'POST', url: '/v1/txs/batch', payload: { txs: Array.from({ length: BATCH_TXS_MAX + 1 }, () => ({})) } }), 413, 'BATCH_TOO_LARGE'],
    ['unknown transaction', () => app.inject(`/v1/txs/${'0'.repeat(64)}`), 404, 'NOT_FOUND'],
    ['malformed hash', () => app.inject('/v1/txs/xyz'), 400, 'REQUEST_INVALID'],
    ['proof of an unknown transaction', () => app.inject(`/v1/txs/${'0'.repeat(64)}/proof`), 404, 'NOT_FOUND'],
    ['block beyond the head', () => app.inject('/v1/blocks/999999'), 404, 'NOT_FOUND'],
    ['unknown route', () => app.inject('/v1/nothing'), 404, 'NOT_FOUND'],
  ];

  it.each(cases)('%s', async (_name, send, status, code) => {
    const before = { height: store.height(), logSize: store.logSize(), mempool: node.mempoolSize };
    const res = await send();
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
    expect(res.json().message.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect({ height: store.height(), logSize: store.logSize(), mempool: node.mempoolSize }).toEqual(before);
  });

  it('over a real connection, a too-large JSON body is read to its end before the 413, so the client gets the answer, not a reset', async () => {
    const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    const size = BODY_BYTES_MAX + 1;
    const text = Buffer.from(JSON.stringify({ pad: 'x'.repeat(size - 10) }));
    expect(text.length).toBe(size);
    const r = await postInTwoHalves(url, '/v1/txs', { 'content-type': 'application/json' }, text);
    expect([r.status, r.json.code]).toEqual([413, 'BODY_TOO_LARGE']);
    expect(r.answeredEarly).toBe(false);
    const f = await fetch(`${url.origin}/v1/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    expect([f.status, ((await f.json()) as { code: string }).code]).toEqual([413, 'BODY_TOO_LARGE']);
    // the JSON of a body within the limit is parsed as before
    const ok = await fetch(`${url.origin}/v1/txs?wait=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signed()) });
    expect([ok.status, ((await ok.json()) as { status: string }).status]).toEqual([200, 'committed']);
  });

  it('refuses the same transaction twice (TX_DUPLICATE) and a reused nonce (TX_REPLAYED)', async () => {
    const tx = signed();
    expect((await post(tx)).statusCode).toBe(200);
    const logSize = store.logSize();
    const dup = await post(tx);
    expect([dup.statusCode, dup.json().code]).toEqual([409, 'TX_DUPLICATE']);
    const replay = await post(signed({ nonce: tx.nonce, payload: { hash: docHash('other'), label: 'other' } }));
    expect([replay.statusCode, replay.json().code]).toEqual([409, 'TX_REPLAYED']);
    expect(store.logSize()).toBe(logSize);
  });

  it('refuses a reused nonce while the first use is still pending', async () => {
    const a = signed();
    const b = signed({ nonce: a.nonce });
    const res = await app.inject({ method: 'POST', url: '/v1/txs/batch?wait=true', payload: { txs: [a, b] } });
    const [ra, rb] = res.json().results;
    expect(ra.status).toBe('committed');
    expect(rb.code).toBe('TX_REPLAYED');
  });
});
