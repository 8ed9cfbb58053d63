/**
 * verifyEventStep against a real chain: event transactions signed by the street office and by two departments that
 * run no validator, applied by the registry's handlers and committed; each step from `eventTimeline` of the resulting
 * state with its proof bundle. Every genuine step verifies and names its signer; a step shown with another
 * organisation, another result, other deadlines or someone else's proof does not, naming the field.
 */
import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, eventRecord, eventTimeline, signTx, toHex, verifyEventStep, verifyEventTimeline, type EventStep, type EventTimelineEntry, type ProofBundle, type SignedTx } from '../../../src/index.js';
import { GENESIS_MS, TestChain, clone, freshNonce, makeNet, type TestOrg } from '../helpers.js';
import { COMMANDER, INSPECTOR, OFFICER, ev, gridPayload, hex64, reportPayload } from './fixtures.js';

const net = makeNet({ powers: [1, 1], members: 2 });
const street = net.orgs[0]!;
const police = net.orgs[2]!; // member-0, no vote
const urban = net.orgs[3]!; // member-1, no vote
const helper = net.orgs[1]!; // validator-1: asked for help
const chain = new TestChain(net);
const E = ev('verify');
const FIRE = ev('verify fire');

function tx(org: TestOrg, action: string, payload: object): SignedTx {
  return signTx({ chainId: net.genesis.chainId, type: `event.${action}`, payload: payload as Record<string, unknown>, signer: org.publicKey, nonce: freshNonce(), time: GENESIS_MS }, (m) => org.signer.sign(m));
}
function block(txs: SignedTx[], time?: number): void {
  const b = chain.add(txs, time === undefined ? {} : { time });
  const refused = b.execution.results.filter((r) => r.code !== undefined);
  expect(refused, JSON.stringify(refused)).toEqual([]);
}

block([
  tx(street, 'define_grid', gridPayload()),
  tx(street, 'configure_department', { department: 'police', orgs: [police.id], by: COMMANDER }),
  tx(street, 'configure_department', { department: 'urban-management', orgs: [urban.id], by: COMMANDER }),
]);
const t = chain.head.time;
block([
  tx(street, 'report', reportPayload({ event: E, centre: street.id, observedAt: t })),
  tx(street, 'report', reportPayload({ event: FIRE, category: 'fire', severity: 'minor', centre: street.id, observedAt: t })),
]);
block([tx(street, 'triage', { event: E, decision: 'accept', by: COMMANDER })]);
block([tx(street, 'dispatch', { event: E, departments: [{ org: police.id, deadlineMinutes: 60 }, { org: urban.id, deadlineMinutes: 90 }], by: COMMANDER })]);
block([tx(police, 'accept', { event: E, by: OFFICER }), tx(urban, 'accept', { event: E, by: INSPECTOR })]);
block([tx(police, 'handle', { event: E, result: 'resolved', photoHashes: [hex64('after')], by: OFFICER })]);
block([tx(urban, 'request_help', { event: E, to: helper.id, reason: 'equipment', deadlineMinutes: 30, by: INSPECTOR })]);
block([tx(urban, 'handle', { event: E, result: 'partially-resolved', photoHashes: [], by: INSPECTOR })]);
block([tx(police, 'flag', { event: E, step: 7, kind: 'result-disputed', evidenceHashes: [hex64('photo')], by: OFFICER })]);
block([tx(urban, 'answer_flag', { event: E, flag: 0, answer: 'redo-agreed', evidenceHashes: [], by: INSPECTOR }), tx(street, 'send_back', { event: E, departments: [{ org: urban.id, deadlineMinutes: 45 }], reason: 'incomplete', by: COMMANDER })]);
block([tx(police, 'acknowledge', { event: FIRE, by: OFFICER })]);
// urban management missed the fire's 5-minute acknowledgement: the command centre escalates it
block([tx(street, 'escalate', { event: FIRE, department: urban.id, level: 1, by: COMMANDER })], chain.head.time + 10 * 60_000);

const read = (k: string): string | undefined => chain.state.get(k);
const steps = (id: string): EventTimelineEntry[] => eventTimeline(eventRecord(read, id)!);

function proofOf(hash: string): ProofBundle {
  for (const b of chain.blocks) {
    const i = b.checked.findIndex((c) => c.hash === hash);
    if (i < 0) continue;
    const seq = b.firstSeq + i;
    return { format: BUNDLE_FORMAT, tx: JSON.parse(b.txs[i]!) as SignedTx, txHash: hash, leafIndex: seq, inclusionProof: chain.log.inclusionProof(seq, b.header.logSize).map(toHex), header: clone(b.header), commit: clone(b.commit) };
  }
  throw new Error(`no transaction ${hash}`);
}
const wire = (s: EventTimelineEntry) => JSON.parse(JSON.stringify({ ...s, proof: proofOf(s.txHash) })) as EventTimelineEntry & { proof: unknown };
const verify = (id: string, s: EventStep, proof: unknown) => verifyEventStep(id, s, proof, net.genesis);
const failsAt = (field: string) => expect.objectContaining({ ok: false, field });

describe('verifyEventStep', () => {
  it('verifies every step of both events and names the department that signed it', () => {
    const all = steps(E);
    expect(all.map((s) => s.action)).toEqual(['report', 'triage', 'dispatch', 'accept', 'accept', 'handle', 'request_help', 'handle', 'flag', 'answer_flag', 'send_back']);
    const verdicts = verifyEventTimeline(E, all.map(wire), net.genesis);
    expect(verdicts.map((v) => (v.ok ? v.signer : v.reason))).toEqual([street.id, street.id, street.id, police.id, urban.id, police.id, urban.id, urban.id, police.id, urban.id, street.id]);
    const fire = verifyEventTimeline(FIRE, steps(FIRE).map(wire), net.genesis);
    expect(steps(FIRE).map((s) => s.action)).toEqual(['report', 'acknowledge', 'escalate']);
    expect(fire.map((v) => (v.ok ? v.signer : v.reason))).toEqual([street.id, police.id, street.id]);
  });

  it('refuses a step shown as signed by another department, with another result, deadline or actor', () => {
    const handle = wire(steps(E)[5]!);
    expect(verify(E, { ...handle, org: urban.id }, handle.proof)).toEqual(failsAt('step.org'));
    expect(verify(E, { ...handle, result: 'unable-to-resolve' }, handle.proof)).toEqual(failsAt('step.result'));
    expect(verify(E, { ...handle, actor: INSPECTOR }, handle.proof)).toEqual(failsAt('step.actor'));
    expect(verify(E, { ...handle, at: handle.at + 1 }, handle.proof)).toEqual(failsAt('step.at'));
    const dispatch = wire(steps(E)[2]!);
    const later = dispatch.departments!.map((d) => ({ ...d, dueAt: d.dueAt + 60_000 }));
    expect(verify(E, { ...dispatch, departments: later }, dispatch.proof)).toEqual(failsAt('step.departments'));
    const report = wire(steps(FIRE)[0]!);
    expect(verify(FIRE, { ...report, departments: report.departments!.map((d) => ({ ...d, ackDueAt: (d.ackDueAt ?? 0) + 1 })) }, report.proof)).toEqual(failsAt('step.departments'));
    const help = wire(steps(E)[6]!);
    expect(verify(E, { ...help, to: police.id }, help.proof)).toEqual(failsAt('step.to'));
    const escalate = wire(steps(FIRE)[2]!);
    expect(verify(FIRE, { ...escalate, to: police.id }, escalate.proof)).toEqual(failsAt('step.to'));
    expect(verify(FIRE, { ...escalate, level: 2 }, escalate.proof)).toEqual(failsAt('step.level'));
    const flag = wire(steps(E)[8]!);
    expect(verify(E, { ...flag, kind: 'not-handled' }, flag.proof)).toEqual(failsAt('step.kind'));
  });

  it('refuses another step\'s proof, another event, a missing or tampered proof, and garbage, without throwing', () => {
    const [a, b] = [wire(steps(E)[3]!), wire(steps(E)[4]!)];
    expect(verify(E, a, b.proof)).toEqual(failsAt('step.txHash'));
    expect(verify(FIRE, a, a.proof)).toEqual(failsAt('step.event'));
    expect(verify(E, a, undefined)).toEqual(failsAt('proof'));
    const tampered = clone(a.proof) as ProofBundle;
    (tampered.tx.payload as Record<string, unknown>).by = INSPECTOR;
    expect(verify(E, a, tampered).ok).toBe(false);
    expect(verifyEventTimeline(E, [null, 'x', 3], net.genesis).map((v) => v.ok)).toEqual([false, false, false]);
    expect(verify(E, a, { format: 'nope' }).ok).toBe(false);
  });
});
