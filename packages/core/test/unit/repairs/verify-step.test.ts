/**
 * verifyTimelineStep against a real chain: repair transactions signed by the organisations, applied by buildBlock
 * through the registry's handlers, committed with a signed certificate; each step taken from the core's
 * `timeline(record)` of the resulting state and each proof bundle built from the chain's Merkle log. Every genuine
 * step verifies; every shown field changed, a wrong or tampered proof, or another genesis does not, naming the field;
 * garbage never makes it throw. docs/spec/repairs.md#verifying-a-timeline
 */
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_FORMAT,
  fromBase64url,
  requestRecord,
  verifyTimeline,
  signTx,
  timeline,
  toBase64url,
  toHex,
  txHash,
  verifyTimelineStep,
  type ProofBundle,
  type RepairStep,
  type SignedTx,
  type StepVerdict,
  type TimelineEntry,
} from '../../../src/index.js';
import { GENESIS_MS, TestChain, clone, freshNonce, makeNet, type TestOrg } from '../helpers.js';
import { hex64 } from '../privacy/fixtures.js';
import { ALICE, BOB, DISPATCHER, LI, WANG, rq, sub } from './fixtures.js';

const HOUR_MS = 3_600_000;

// Two validators (so a commit carries two signatures and the log has several leaves per proof) and a contractor.
const net = makeNet({ powers: [1, 1], members: 1 });
const housing = net.orgs[0]!; // the property company: residents report through it, its dispatchers assign
const contractor = net.orgs[2]!; // the workers' company (no vote)
const chain = new TestChain(net);

const RQ_A = rq('verify-step A'); // the full path, with a reopen and a second round
const RQ_B = rq('verify-step B'); // escalated when overdue, then cancelled by the dispatcher
const RQ_C = rq('verify-step C'); // cancelled by its reporter
const PHOTO = (n: number): string => hex64(`verify-step photo ${n}`);

function tx(org: TestOrg, action: string, payload: Record<string, unknown>): SignedTx {
  return signTx({ chainId: net.genesis.chainId, type: `repair.${action}`, payload, signer: org.publicKey, nonce: freshNonce(), time: GENESIS_MS }, (m) => org.signer.sign(m));
}

/** Adds a block; every repair transaction in it must have been accepted by its handler. */
function block(txs: SignedTx[], time?: number): void {
  const b = chain.add(txs, time === undefined ? {} : { time });
  const refused = b.execution.results.filter((r) => r.code !== undefined);
  expect(refused, JSON.stringify(refused)).toEqual([]);
}

function create(request: string, over: Record<string, unknown> = {}): SignedTx {
  const payload: Record<string, unknown> = {
    request,
    category: 'burst-pipe',
    priority: 'urgent',
    location: { kind: 'home', building: 'b12' },
    descriptionHash: hex64(`description ${request}`),
    photoHashes: [PHOTO(1), PHOTO(2)],
    reporter: ALICE,
    subject: sub('alice'),
    ...over,
  };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  return tx(housing, 'create', payload);
}
const assign = (request: string, worker: string) => tx(housing, 'assign', { request, worker, workerOrg: contractor.id, by: DISPATCHER });
const work = (request: string, action: 'accept' | 'arrive' | 'start') => tx(contractor, action, { request, worker: WANG });

block([
  create(RQ_A),
  create(RQ_B, { location: { kind: 'common', building: 'b3' }, photoHashes: [], reporter: BOB, subject: undefined, category: 'lift' }),
  create(RQ_C, { photoHashes: [PHOTO(9)] }),
]);
block([assign(RQ_A, LI), tx(housing, 'cancel', { request: RQ_C, by: ALICE })]);
block([assign(RQ_A, WANG), work(RQ_A, 'accept')]);
block([
  work(RQ_A, 'arrive'),
  tx(contractor, 'diagnose', {
    request: RQ_A,
    worker: WANG,
    cause: 'pipe-joint',
    parts: [{ part: 'pipe-fitting', quantity: 2 }, { part: 'valve', quantity: 1 }],
    photoHashes: [PHOTO(3), PHOTO(4)],
  }),
]);
block([work(RQ_A, 'start'), tx(contractor, 'finish', { request: RQ_A, worker: WANG, photoHashes: [PHOTO(5)] })]);
block([tx(housing, 'reopen', { request: RQ_A, reporter: ALICE, reasonHash: hex64('still dripping') })]);
block([
  assign(RQ_A, WANG),
  work(RQ_A, 'accept'),
  work(RQ_A, 'arrive'),
  tx(contractor, 'diagnose', { request: RQ_A, worker: WANG, cause: 'wear', parts: [], photoHashes: [] }),
  work(RQ_A, 'start'),
  tx(contractor, 'finish', { request: RQ_A, worker: WANG, photoHashes: [] }),
]);
block([tx(housing, 'confirm', { request: RQ_A, reporter: ALICE, rating: 4, commentHash: hex64('thanks') })]);
// past B's SLA (a lift, urgent): the dispatcher escalates, then cancels
block([tx(housing, 'escalate', { request: RQ_B, level: 1, by: DISPATCHER })], chain.head.time + 48 * HOUR_MS);
block([tx(housing, 'escalate', { request: RQ_B, level: 2, by: DISPATCHER }), tx(housing, 'cancel', { request: RQ_B, by: DISPATCHER })], chain.head.time + 48 * HOUR_MS);

const read = (k: string): string | undefined => chain.state.get(k);
const stepsOf = (request: string): TimelineEntry[] => timeline(requestRecord(read, request)!);
const A = stepsOf(RQ_A);
const B = stepsOf(RQ_B);
const C = stepsOf(RQ_C);

/** The proof bundle of a transaction, as the node's `proof(txHash)` builds it. */
function proofOf(hash: string): ProofBundle {
  for (const b of chain.blocks) {
    const i = b.checked.findIndex((c) => c.hash === hash);
    if (i < 0) continue;
    const seq = b.firstSeq + i;
    return {
      format: BUNDLE_FORMAT,
      tx: JSON.parse(b.txs[i]!) as SignedTx,
      txHash: hash,
      leafIndex: seq,
      inclusionProof: chain.log.inclusionProof(seq, b.header.logSize).map(toHex),
      header: clone(b.header),
      commit: clone(b.commit),
    };
  }
  throw new Error(`no transaction ${hash} on the test chain`);
}

/** The step as the API shows it (timeline entry with its status and proof), after a JSON round trip. */
function shown(step: TimelineEntry): { step: RepairStep; proof: unknown } {
  const wire = JSON.parse(JSON.stringify({ ...step, proof: proofOf(step.txHash) })) as RepairStep & { proof: unknown };
  return { step: wire, proof: wire.proof };
}

const find = (steps: TimelineEntry[], action: string, nth = 0): TimelineEntry => {
  const all = steps.filter((s) => s.action === action);
  if (all[nth] === undefined) throw new Error(`no ${action} #${nth}`);
  return all[nth]!;
};

function failed(v: StepVerdict): { field: string; reason: string } {
  expect(v.ok, JSON.stringify(v)).toBe(false);
  if (v.ok) throw new Error('unreachable');
  expect(typeof v.reason).toBe('string');
  expect(v.reason.length).toBeGreaterThan(0);
  return v;
}

describe('the test chain', () => {
  it('recorded the story the tests rely on', () => {
    expect(A.map((s) => s.action)).toEqual([
      'create', 'assign', 'assign', 'accept', 'arrive', 'diagnose', 'start', 'finish', 'reopen',
      'assign', 'accept', 'arrive', 'diagnose', 'start', 'finish', 'confirm',
    ]);
    expect(A.at(-1)!.status).toBe('confirmed');
    expect(B.map((s) => [s.action, s.level])).toEqual([['create', undefined], ['escalate', 1], ['escalate', 2], ['cancel', undefined]]);
    expect(C.map((s) => s.action)).toEqual(['create', 'cancel']);
    // several steps share a block (and so a block time), several blocks hold more than one transaction
    expect(new Set(A.map((s) => s.at)).size).toBeLessThan(A.length);
    expect(chain.log.size).toBe(A.length + B.length + C.length);
  });
});

describe('verifyTimelineStep accepts every genuine step', () => {
  const all = [...A, ...B, ...C];
  const requestOf = (s: TimelineEntry): string => (A.includes(s) ? RQ_A : B.includes(s) ? RQ_B : RQ_C);

  it('covers every action but follow', () => {
    expect(new Set(all.map((s) => s.action))).toEqual(new Set(['create', 'assign', 'accept', 'arrive', 'diagnose', 'start', 'finish', 'confirm', 'reopen', 'cancel', 'escalate']));
  });

  it.each(all.map((s, i) => [`${i} ${s.action}`, s] as const))('%s, with the proof the node gives, against the genesis', (_name, entry) => {
    const { step, proof } = shown(entry);
    const v = verifyTimelineStep(requestOf(entry), step, proof, JSON.parse(JSON.stringify(net.genesis)));
    expect(v, JSON.stringify(v)).toEqual({
      ok: true,
      verdict: { txHash: entry.txHash, height: (proof as ProofBundle).header.height, leafIndex: (proof as ProofBundle).leafIndex, signedBy: [net.orgs[0]!.id, net.orgs[1]!.id], signer: net.genesis.orgs.find((o) => o.publicKey === (proof as ProofBundle).tx.signer)!.id },
    });
  });

  it('also as the core returns it (no JSON round trip, no status or proof field)', () => {
    const { status: _s, ...bare } = find(A, 'diagnose');
    expect(verifyTimelineStep(RQ_A, bare, proofOf(bare.txHash), net.genesis).ok).toBe(true);
  });

  it('a create with no photos shown as [] or without photoHashes: both what was recorded', () => {
    const { step, proof } = shown(find(B, 'create'));
    expect(step.photoHashes).toEqual([]);
    expect(verifyTimelineStep(RQ_B, step, proof, net.genesis).ok).toBe(true);
    delete step.photoHashes;
    expect(verifyTimelineStep(RQ_B, step, proof, net.genesis).ok).toBe(true);
  });
});

type Edit = [name: string, entry: () => TimelineEntry, request: () => string, edit: (s: Record<string, unknown>) => void, field: string];

const edits: Edit[] = [
  // the details each action shows
  ['diagnose cause', () => find(A, 'diagnose'), () => RQ_A, (s) => (s.cause = 'frozen'), 'step.cause'],
  ['diagnose cause removed', () => find(A, 'diagnose'), () => RQ_A, (s) => delete s.cause, 'step.cause'],
  ['diagnose parts: a quantity', () => find(A, 'diagnose'), () => RQ_A, (s) => ((s.parts as { quantity: number }[])[0]!.quantity = 3), 'step.parts'],
  ['diagnose parts: a part', () => find(A, 'diagnose'), () => RQ_A, (s) => ((s.parts as { part: string }[])[1]!.part = 'tap'), 'step.parts'],
  ['diagnose parts: one left out', () => find(A, 'diagnose'), () => RQ_A, (s) => (s.parts as unknown[]).pop(), 'step.parts'],
  ['diagnose parts: one added', () => find(A, 'diagnose'), () => RQ_A, (s) => (s.parts as unknown[]).push({ part: 'tap', quantity: 1 }), 'step.parts'],
  ['diagnose parts: reordered', () => find(A, 'diagnose'), () => RQ_A, (s) => (s.parts as unknown[]).reverse(), 'step.parts'],
  ['diagnose parts: an extra key in a line', () => find(A, 'diagnose'), () => RQ_A, (s) => ((s.parts as Record<string, unknown>[])[0]!.price = 10), 'step.parts'],
  ['diagnose parts shown where none were recorded', () => find(A, 'diagnose', 1), () => RQ_A, (s) => (s.parts = [{ part: 'valve', quantity: 1 }]), 'step.parts'],
  ['diagnose photoHashes: one replaced', () => find(A, 'diagnose'), () => RQ_A, (s) => ((s.photoHashes as string[])[0] = PHOTO(7)), 'step.photoHashes'],
  ['diagnose photoHashes: reordered', () => find(A, 'diagnose'), () => RQ_A, (s) => (s.photoHashes as string[]).reverse(), 'step.photoHashes'],
  ['diagnose photoHashes: removed', () => find(A, 'diagnose'), () => RQ_A, (s) => delete s.photoHashes, 'step.photoHashes'],
  ['create photoHashes: one dropped', () => find(A, 'create'), () => RQ_A, (s) => (s.photoHashes as string[]).pop(), 'step.photoHashes'],
  ['create photoHashes: one added where none were', () => find(B, 'create'), () => RQ_B, (s) => (s.photoHashes = [PHOTO(1)]), 'step.photoHashes'],
  ['finish photoHashes: emptied', () => find(A, 'finish'), () => RQ_A, (s) => (s.photoHashes = []), 'step.photoHashes'],
  ['assign worker', () => find(A, 'assign', 1), () => RQ_A, (s) => (s.worker = LI), 'step.worker'],
  ['assign worker removed', () => find(A, 'assign', 1), () => RQ_A, (s) => delete s.worker, 'step.worker'],
  ['assign workerOrg', () => find(A, 'assign'), () => RQ_A, (s) => (s.workerOrg = housing.id), 'step.workerOrg'],
  ['confirm rating', () => find(A, 'confirm'), () => RQ_A, (s) => (s.rating = 5), 'step.rating'],
  ['confirm rating as a string', () => find(A, 'confirm'), () => RQ_A, (s) => (s.rating = '4'), 'step.rating'],
  ['confirm commentHash', () => find(A, 'confirm'), () => RQ_A, (s) => (s.commentHash = hex64('forged comment')), 'step.commentHash'],
  ['reopen reasonHash', () => find(A, 'reopen'), () => RQ_A, (s) => (s.reasonHash = hex64('forged reason')), 'step.reasonHash'],
  ['escalate level', () => find(B, 'escalate'), () => RQ_B, (s) => (s.level = 2), 'step.level'],
  ['escalate level removed', () => find(B, 'escalate', 1), () => RQ_B, (s) => delete s.level, 'step.level'],
  // a detail the transaction does not carry, shown anyway
  ['a cause shown on an accept', () => find(A, 'accept'), () => RQ_A, (s) => (s.cause = 'wear'), 'step.cause'],
  ['a rating shown on a finish', () => find(A, 'finish'), () => RQ_A, (s) => (s.rating = 5), 'step.rating'],
  ['a level shown on a cancel', () => find(C, 'cancel'), () => RQ_C, (s) => (s.level = 1), 'step.level'],
  ['a workerOrg shown on a create', () => find(A, 'create'), () => RQ_A, (s) => (s.workerOrg = contractor.id), 'step.workerOrg'],
  // who, when, which transaction, what
  ['actor of a create', () => find(A, 'create'), () => RQ_A, (s) => (s.actor = BOB), 'step.actor'],
  ['actor of an assign', () => find(A, 'assign'), () => RQ_A, (s) => (s.actor = ALICE), 'step.actor'],
  ['actor of a worker step', () => find(A, 'arrive'), () => RQ_A, (s) => (s.actor = LI), 'step.actor'],
  ['actor of a confirm', () => find(A, 'confirm'), () => RQ_A, (s) => (s.actor = DISPATCHER), 'step.actor'],
  ['actor of an escalate', () => find(B, 'escalate'), () => RQ_B, (s) => (s.actor = BOB), 'step.actor'],
  ['actor of a cancel (the reporter shown as staff)', () => find(C, 'cancel'), () => RQ_C, (s) => (s.actor = DISPATCHER), 'step.actor'],
  ['at, one ms later', () => find(A, 'finish'), () => RQ_A, (s) => (s.at = (s.at as number) + 1), 'step.at'],
  ['at, the transaction time instead of the block time', () => find(A, 'create'), () => RQ_A, (s) => (s.at = GENESIS_MS), 'step.at'],
  ['txHash', () => find(A, 'start'), () => RQ_A, (s) => (s.txHash = hex64('another tx')), 'step.txHash'],
  ['txHash in capitals', () => find(A, 'start'), () => RQ_A, (s) => (s.txHash = (s.txHash as string).toUpperCase()), 'step.txHash'],
  ['action: accept shown as arrive', () => find(A, 'accept'), () => RQ_A, (s) => (s.action = 'arrive'), 'step.action'],
  ['action: reopen shown as confirm', () => find(A, 'reopen'), () => RQ_A, (s) => (s.action = 'confirm'), 'step.action'],
  ['action: not an action', () => find(A, 'start'), () => RQ_A, (s) => (s.action = 'follow'), 'step.action'],
  ['action: removed', () => find(A, 'start'), () => RQ_A, (s) => delete s.action, 'step.action'],
  // the request the step is shown under
  ['request: another request', () => find(A, 'create'), () => RQ_B, () => {}, 'step.request'],
  ['request: another request, a worker step', () => find(A, 'diagnose'), () => RQ_C, () => {}, 'step.request'],
];

describe('verifyTimelineStep refuses a step that shows what its transaction did not record', () => {
  it.each(edits)('%s → %s', (_name, entry, request, edit, field) => {
    const { step, proof } = shown(entry());
    // the unedited step verifies: the failure below is the edit's
    expect(verifyTimelineStep(requestFor(entry()), step, proof, net.genesis).ok).toBe(true);
    edit(step as unknown as Record<string, unknown>);
    const v = failed(verifyTimelineStep(request(), step, proof, net.genesis));
    expect(v.field).toBe(field);
  });

  it('the reason says what was shown and what the ledger recorded', () => {
    const { step, proof } = shown(find(A, 'diagnose'));
    step.cause = 'frozen';
    const v = failed(verifyTimelineStep(RQ_A, step, proof, net.genesis));
    expect(v.reason).toContain('"frozen"');
    expect(v.reason).toContain('"pipe-joint"');
  });

  it('fields the transaction does not fix (status, the escalation\'s overdueMs, key order) are not what it checks', () => {
    const { step, proof } = shown(find(B, 'escalate'));
    const reordered = Object.fromEntries(Object.entries(step).reverse()) as RepairStep;
    expect(verifyTimelineStep(RQ_B, reordered, proof, net.genesis).ok).toBe(true);
    const parts = shown(find(A, 'diagnose'));
    parts.step.parts = parts.step.parts!.map((l) => ({ quantity: l.quantity, part: l.part }));
    expect(verifyTimelineStep(RQ_A, parts.step, parts.proof, net.genesis).ok).toBe(true);
  });
});

function requestFor(entry: TimelineEntry): string {
  return A.includes(entry) ? RQ_A : B.includes(entry) ? RQ_B : RQ_C;
}

describe('verifyTimelineStep refuses a proof that is not the step\'s', () => {
  it('no proof: field "proof"', () => {
    const { step } = shown(find(A, 'create'));
    expect(failed(verifyTimelineStep(RQ_A, step, null, net.genesis)).field).toBe('proof');
    expect(failed(verifyTimelineStep(RQ_A, step, undefined, net.genesis)).field).toBe('proof');
  });

  it('the genuine proof of another step of the same request (same block or another)', () => {
    const arrive = shown(find(A, 'arrive'));
    const diagnose = shown(find(A, 'diagnose')); // same block as the arrive
    const confirm = shown(find(A, 'confirm'));
    expect(failed(verifyTimelineStep(RQ_A, arrive.step, diagnose.proof, net.genesis)).field).toBe('step.txHash');
    expect(failed(verifyTimelineStep(RQ_A, arrive.step, confirm.proof, net.genesis)).field).toBe('step.txHash');
  });

  it('another step\'s proof with the step\'s txHash changed to match: the action or the details give it away', () => {
    const accept = shown(find(A, 'accept'));
    const arrive = shown(find(A, 'arrive'));
    accept.step.txHash = arrive.step.txHash;
    accept.step.at = arrive.step.at;
    expect(failed(verifyTimelineStep(RQ_A, accept.step, arrive.proof, net.genesis)).field).toBe('step.action');
    // the first and the second diagnosis: same action, same worker, different findings
    const first = shown(find(A, 'diagnose', 0));
    const second = shown(find(A, 'diagnose', 1));
    first.step.txHash = second.step.txHash;
    first.step.at = second.step.at;
    expect(failed(verifyTimelineStep(RQ_A, first.step, second.proof, net.genesis)).field).toBe('step.cause');
  });

  it('the genuine create of another request shown as this request\'s: field step.request', () => {
    const { step, proof } = shown(find(C, 'create'));
    expect(failed(verifyTimelineStep(RQ_A, step, proof, net.genesis)).field).toBe('step.request');
  });
});

/** A base64url signature with one byte flipped. */
function flipSig(b64: string, index = 3): string {
  const bytes = Buffer.from(fromBase64url(b64));
  bytes[index] = bytes[index]! ^ 0x01;
  return toBase64url(bytes);
}
const flipHex = (hex: string, pos = 5): string => hex.slice(0, pos) + (hex[pos] === '0' ? '1' : '0') + hex.slice(pos + 1);

type Tamper = [name: string, tamper: (b: ProofBundle) => void, field: string | RegExp];

const tampers: Tamper[] = [
  ['tx.sig, a byte flipped (txHash recomputed)', (b) => {
    b.tx.sig = flipSig(b.tx.sig);
    b.txHash = txHash(b.tx);
  }, 'bundle.tx.sig'],
  ['tx.sig, a byte flipped (txHash left)', (b) => void (b.tx.sig = flipSig(b.tx.sig)), 'bundle.txHash'],
  ['tx payload forged to match a forged step (txHash recomputed)', (b) => {
    (b.tx.payload as Record<string, unknown>).cause = 'frozen';
    b.txHash = txHash(b.tx);
  }, 'bundle.tx.sig'],
  ['tx payload forged and re-signed by an outsider', (b) => {
    (b.tx.payload as Record<string, unknown>).cause = 'frozen';
    const outsider = makeNet({ powers: [1] }).orgs[0]!;
    const { sig: _sig, ...body } = b.tx;
    b.tx = signTx({ ...body, signer: outsider.publicKey }, (m) => outsider.signer.sign(m));
    b.txHash = txHash(b.tx);
  }, 'bundle.tx.signer'],
  ['an inclusion proof node', (b) => void (b.inclusionProof[0] = flipHex(b.inclusionProof[0]!)), 'bundle.inclusionProof'],
  ['an inclusion proof node dropped', (b) => void b.inclusionProof.pop(), 'bundle.inclusionProof'],
  ['leafIndex moved to a neighbour in the block', (b) => void (b.leafIndex -= 1), 'bundle.inclusionProof'],
  ['a commit signature', (b) => void (b.commit.signatures[0]!.sig = flipSig(b.commit.signatures[0]!.sig)), 'bundle.commit'],
  ['a commit signature dropped (no quorum left)', (b) => void b.commit.signatures.pop(), 'bundle.commit'],
  ['header.logRoot', (b) => void (b.header.logRoot = flipHex(b.header.logRoot)), /^bundle\./],
  ['header.time (to make a forged `at` match)', (b) => void (b.header.time += 1), /^bundle\./],
  ['header.height', (b) => void (b.header.height += 1), /^bundle\./],
  ['format', (b) => void ((b as { format: string }).format = 'machi.proof.v0'), 'bundle.format'],
];

describe('verifyTimelineStep refuses a tampered proof bundle (field bundle.*)', () => {
  it.each(tampers)('%s', (_name, tamper, field) => {
    const { step, proof } = shown(find(A, 'diagnose'));
    expect(verifyTimelineStep(RQ_A, step, proof, net.genesis).ok).toBe(true);
    tamper(proof as ProofBundle);
    const v = failed(verifyTimelineStep(RQ_A, step, proof, net.genesis));
    if (typeof field === 'string') expect(v.field).toBe(field);
    else expect(v.field).toMatch(field);
  });

  it('a header time moved together with the step\'s `at` still fails (the commit no longer certifies it)', () => {
    const { step, proof } = shown(find(A, 'finish'));
    (proof as ProofBundle).header.time += 60_000;
    step.at += 60_000;
    expect(failed(verifyTimelineStep(RQ_A, step, proof, net.genesis)).field).toMatch(/^bundle\./);
  });

  it('a bundle that is not an object', () => {
    const { step } = shown(find(A, 'create'));
    for (const p of ['proof', 42, [], {}, true]) expect(failed(verifyTimelineStep(RQ_A, step, p, net.genesis)).field).toMatch(/^bundle/);
  });
});

describe('verifyTimelineStep against another genesis', () => {
  const { step, proof } = shown(find(A, 'confirm'));

  it('same chain id, other organisations\' keys', () => {
    const other = makeNet({ powers: [1, 1], members: 1 });
    expect(other.genesis.chainId).toBe(net.genesis.chainId);
    expect(failed(verifyTimelineStep(RQ_A, step, proof, other.genesis)).field).toMatch(/^bundle\./);
  });

  it('same organisations, another chain id', () => {
    const other = makeNet({ powers: [1, 1], members: 1, reuse: net.orgs, chainId: 'machi-other' });
    expect(failed(verifyTimelineStep(RQ_A, step, proof, other.genesis)).field).toBe('bundle.header.chainId');
  });

  it('same keys, the validators\' powers changed (another validator set)', () => {
    const g = clone(net.genesis);
    g.orgs[2]!.power = 5;
    expect(failed(verifyTimelineStep(RQ_A, step, proof, g)).field).toMatch(/^bundle\./);
  });

  it('a contractor missing from the genesis: its worker steps no longer verify', () => {
    const g = clone(net.genesis);
    g.orgs.splice(2, 1);
    const diagnose = shown(find(A, 'diagnose'));
    expect(failed(verifyTimelineStep(RQ_A, diagnose.step, diagnose.proof, g)).field).toBe('bundle.tx.signer');
  });

  it('no genesis, or not a genesis', () => {
    for (const g of [null, undefined, {}, 'genesis', 7, { ...net.genesis, orgs: [] }]) {
      expect(failed(verifyTimelineStep(RQ_A, step, proof, g)).field).toMatch(/^bundle/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Fuzz: random mutations of the JSON never make it throw, and a verdict `ok` never vouches for a changed field
// ---------------------------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a failure repeats. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Holder = { [k: string]: unknown } | unknown[];

/** Every (container, key) pair of a JSON tree, the root's own slots included. */
function slots(root: Holder): [Holder, string | number][] {
  const out: [Holder, string | number][] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        out.push([node, i]);
        walk(v);
      });
    } else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        out.push([node as Holder, k]);
        walk(v);
      }
    }
  };
  walk(root);
  return out;
}

function mutate(root: Holder, rnd: () => number): string {
  const all = slots(root);
  const [holder, key] = all[Math.floor(rnd() * all.length)]!;
  const h = holder as Record<string | number, unknown>;
  const old = h[key];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const garbage: unknown[] = [
    null, undefined, 0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e308, Number.NaN, '', 'x', '0'.repeat(64), 'repair.create',
    true, false, [], {}, [null], { toString: 1 }, { __proto__: null, a: 1 }, [[[[[]]]]], 'constructor', 'toString', '__proto__',
  ];
  const choice = Math.floor(rnd() * 6);
  if (choice === 0) {
    if (Array.isArray(holder)) holder.splice(key as number, 1);
    else delete h[key];
    return `delete ${String(key)}`;
  }
  if (choice === 1 && typeof old === 'string' && old.length > 0) {
    const i = Math.floor(rnd() * old.length);
    h[key] = old.slice(0, i) + String.fromCharCode(old.charCodeAt(i) ^ (1 + Math.floor(rnd() * 31))) + old.slice(i + 1);
    return `flip char of ${String(key)}`;
  }
  if (choice === 2 && typeof old === 'number') {
    h[key] = pick([old + 1, old - 1, -old, old * 2, String(old)]);
    return `nudge ${String(key)}`;
  }
  if (choice === 3) {
    // a value from elsewhere in the tree (type-correct garbage)
    const [oh, ok] = all[Math.floor(rnd() * all.length)]!;
    h[key] = structuredClone((oh as Record<string | number, unknown>)[ok]);
    return `swap ${String(key)}`;
  }
  if (choice === 4 && !Array.isArray(holder)) {
    h[pick(['cause', 'rating', 'level', 'worker', 'photoHashes', 'extra', 'sig', 'request', 'payload', 'type'])] = pick(garbage);
    return 'add a key';
  }
  h[key] = pick(garbage);
  return `replace ${String(key)}`;
}

/** What a verified step vouches for (RepairStep minus status, overdueMs; a worker's own `worker` is the actor). */
function vouched(request: unknown, s: unknown): unknown {
  if (typeof s !== 'object' || s === null) return { request, s };
  const step = s as Record<string, unknown>;
  const workerAction = ['accept', 'arrive', 'diagnose', 'start', 'finish'].includes(step.action as string);
  const out: Record<string, unknown> = { request, action: step.action, at: step.at, actor: step.actor, txHash: step.txHash };
  for (const f of ['worker', 'workerOrg', 'cause', 'parts', 'photoHashes', 'rating', 'commentHash', 'reasonHash', 'level']) {
    if (f === 'worker' && workerAction) continue;
    if (step[f] === undefined) continue;
    if (f === 'photoHashes' && Array.isArray(step[f]) && (step[f] as unknown[]).length === 0) continue;
    out[f] = step[f];
  }
  return JSON.parse(JSON.stringify(out));
}

describe('verifyTimelineStep on garbage', () => {
  const bases = [find(A, 'create'), find(A, 'assign', 1), find(A, 'diagnose'), find(A, 'confirm'), find(A, 'reopen'), find(B, 'escalate'), find(C, 'cancel')];

  it('never throws: 600 random mutations of request, step, proof and genesis; an ok verdict only for what was recorded', () => {
    const rnd = prng(0x5eed);
    const verdicts = { ok: 0, refused: 0 };
    const fields = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const base = bases[i % bases.length]!;
      const request = requestFor(base);
      const { step } = shown(base);
      const world: { request: unknown; step: unknown; proof: unknown; genesis: unknown } = {
        request,
        step,
        proof: proofOf(base.txHash),
        genesis: clone(net.genesis),
      };
      const expected = vouched(request, step);
      const n = 1 + Math.floor(rnd() * 3);
      const done: string[] = [];
      for (let m = 0; m < n; m++) done.push(mutate(world as unknown as Holder, rnd));
      let v: StepVerdict | undefined;
      expect(() => {
        v = verifyTimelineStep(world.request as string, world.step as RepairStep, world.proof, world.genesis);
      }, `mutation #${i}: ${done.join(', ')}`).not.toThrow();
      expect(typeof v?.ok, `mutation #${i}`).toBe('boolean');
      if (v!.ok) {
        verdicts.ok++;
        // whatever changed, an accepted step shows exactly what the genuine one showed
        expect(vouched(world.request, world.step), `mutation #${i}: ${done.join(', ')}`).toEqual(expected);
      } else {
        verdicts.refused++;
        expect(v!.field).toMatch(/^(proof|step|bundle)(\.|$)/);
        fields.add(v!.field.split('.')[0]!);
      }
    }
    // the mutations reached both the step checks and the bundle checks
    expect(verdicts.refused).toBeGreaterThan(300);
    expect(fields).toEqual(new Set(['step', 'bundle', ...(fields.has('proof') ? ['proof'] : [])]));
  });

  it('a step that is not an object (null, a string, a number, an array) is refused, not thrown on', () => {
    const proof = proofOf(find(A, 'create').txHash);
    for (const bad of [null, undefined, 'create', 7, [], true]) {
      let v: StepVerdict | undefined;
      expect(() => {
        v = verifyTimelineStep(RQ_A, bad as unknown as RepairStep, proof, net.genesis);
      }, `step ${JSON.stringify(bad)}`).not.toThrow();
      expect(v, `step ${JSON.stringify(bad)}`).toMatchObject({ ok: false, field: 'step' });
    }
  });

  it('an action that JSON makes unprintable (`{"toString": 1}`) is refused as step.action, not thrown on', () => {
    const { step, proof } = shown(find(A, 'create'));
    for (const action of ['{"toString":1}', '{"toString":1,"valueOf":1}', '{}', '["create"]', '1', 'null']) {
      const bad = { ...step, action: JSON.parse(action) as never };
      let v: StepVerdict | undefined;
      expect(() => {
        v = verifyTimelineStep(RQ_A, bad, proof, net.genesis);
      }, `action ${action}`).not.toThrow();
      expect(v, `action ${action}`).toMatchObject({ ok: false, field: 'step.action' });
    }
  });

  it('a request id that is not a string is refused', () => {
    const { step, proof } = shown(find(A, 'create'));
    for (const bad of [null, undefined, 7, {}, [RQ_A]]) {
      expect(failed(verifyTimelineStep(bad as unknown as string, step, proof, net.genesis)).field).toBe('step.request');
    }
  });
});

describe('verifyTimeline: the steps and the statuses shown beside them', () => {
  const wire = (steps: TimelineEntry[]) => JSON.parse(JSON.stringify(steps.map((s) => ({ ...s, proof: proofOf(s.txHash) })))) as (TimelineEntry & { proof: unknown })[];

  it('accepts whole genuine timelines (every status the one its actions lead to)', () => {
    for (const [request, steps] of [[RQ_A, A], [RQ_B, B], [RQ_C, C]] as const) {
      const verdicts = verifyTimeline(request, wire(steps), net.genesis);
      expect(verdicts).toHaveLength(steps.length);
      expect(verdicts.every((v) => v.ok)).toBe(true);
    }
  });

  it('refuses a step whose shown status is not what the recorded actions lead to, and only that step', () => {
    const steps = wire(A);
    const i = steps.findIndex((s) => s.action === 'finish');
    steps[i]!.status = 'confirmed';
    const verdicts = verifyTimeline(RQ_A, steps, net.genesis);
    expect(verdicts[i]).toMatchObject({ ok: false, field: 'step.status' });
    expect(verdicts.filter((v) => !v.ok)).toHaveLength(1);
  });

  it('never throws on garbage steps', () => {
    expect(verifyTimeline(RQ_A, [null, 1, 'x', [], {}], net.genesis).every((v) => !v.ok)).toBe(true);
  });
});
