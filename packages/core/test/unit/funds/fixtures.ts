/**
 * Fixtures for the funds tests: a chain with civil affairs (programme owner, reviewer, issuer of low-income
 * credentials), the street office (the community desk), the finance bureau (treasury), the agent bank and another
 * bank, two programmes that exclude each other, id makers, valid payloads, and `apply` / `rejected`, which run a
 * handler the way executeBlock does (schema first; a rejected transaction leaves no writes).
 */
import { expect } from 'vitest';
import {
  canonicalJson,
  createRegistry,
  fundApply,
  fundDefineProgramme,
  fundPublishNotice,
  fundReview,
  fundVerify,
  identityIssue,
  type ApplyPayload,
  type DefineProgrammePayload,
  type HandlerContext,
  type Org,
  type SignedTx,
  type TxType,
} from '../../../src/index.js';
import { MemState, T0, hex32, hex64 } from '../privacy/fixtures.js';
import { machiError } from '../helpers.js';

export { MemState, T0, hex32, hex64 };

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

const org = (id: string): Org => ({ id, name: `Org ${id}`, publicKey: `key-${id}`, power: 1 });
export const CIVIL = org('civil-affairs');
export const STREET = org('street-office');
export const FINANCE = org('finance-bureau');
export const BANK = org('agent-bank');
export const OTHER_BANK = org('other-bank');
export const AUDITOR = org('auditor');
export const ORGS_BY_ID: ReadonlyMap<string, Org> = new Map([CIVIL, STREET, FINANCE, BANK, OTHER_BANK, AUDITOR].map((o) => [o.id, o]));

export const actor = (label: string): string => hex32(`actor ${label}`);
export const person = (label: string): string => `psn_${hex64(`person ${label}`)}`;
export const account = (label: string): string => hex64(`account ${label}`);
export const fa = (label: string): string => `fa_${hex32(`application ${label}`)}`;
export const fn = (label: string): string => `fn_${hex32(`notice ${label}`)}`;
export const fp = (label: string): string => `fp_${hex32(`payment ${label}`)}`;
export const fr = (label: string): string => `fr_${hex32(`receipt ${label}`)}`;
export const fc = (label: string): string => `fc_${hex32(`reconciliation ${label}`)}`;
export const credential = (label: string): string => hex64(`credential ${label}`);

export const OWNER = actor('owner zhou');
export const CLERK = actor('community clerk liu');
export const REVIEWER = actor('reviewer gao');
export const TREASURER = actor('treasurer qian');
export const BANKER = actor('banker sun');

export const DIBAO = 'minimum-living';
export const TEKUN = 'extreme-poverty';
/** Monday 2025-01-06 10:00 China time; the notice of an application published then ends on 2025-01-15 at midnight. */
export const NOTICE_END = Date.UTC(2025, 0, 15, 16, 0, 0);

export function programmePayload(over: Partial<DefineProgrammePayload> = {}): DefineProgrammePayload {
  return {
    programme: DIBAO,
    recurrence: 'monthly',
    eligibility: [{ type: 'low-income', claims: { eligible: true, category: 'minimum-living' } }],
    categories: [{ category: 'single', amountFen: 80_000 }, { category: 'family', amountFen: 120_000 }],
    budgetFen: 1_000_000,
    excludes: [TEKUN],
    communities: [STREET.id],
    reviewer: CIVIL.id,
    treasury: FINANCE.id,
    bank: BANK.id,
    by: OWNER,
    ...over,
  };
}

export function ctxOf(state: MemState, signer: Org, time: number, txHash: string): HandlerContext {
  return { state, height: 1, time, txHash, seq: 1, org: signer, orgsById: ORGS_BY_ID, tx: {} as SignedTx };
}

const registry = createRegistry();
export const txHashOf = (type: string, signer: Org, payload: unknown, time: number): string => hex64(canonicalJson({ type, signer: signer.id, payload, time }));
export const checkSchema = (type: string, payload: unknown): void => registry.get(type)!.checkPayload(payload);

export function apply<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0): void {
  checkSchema(type.type, payload);
  const copy = new MemState();
  for (const [k, v] of state.map) copy.map.set(k, v);
  type.handle(ctxOf(copy, signer, time, txHashOf(type.type, signer, payload, time)), payload);
  for (const [k, v] of copy.log) {
    if (v === null) state.map.delete(k);
    else state.map.set(k, v);
    state.log.push([k, v]);
  }
}

/** Runs a handler that must reject; checks the code and that nothing was written. Returns the reason. */
export function rejected<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0 + HOUR_MS): string {
  const before = new Map(state.map);
  const e = machiError(() => apply(type, state, signer, payload, time));
  expect(e.code).toBe('HANDLER_REJECTED');
  expect(state.map).toEqual(before);
  return e.message;
}

/** Issues a low-income credential by civil affairs (valid a year from `at`); returns its status index. */
export function issueCredential(state: MemState, label: string, at = T0 - DAY_MS, validMs = 365 * DAY_MS): number {
  apply(identityIssue, state, CIVIL, { credentialHash: credential(label), type: 'low-income', expiresAt: at + validMs, actor: OWNER }, at);
  return (state.get('identity/status-next/civil-affairs') as number) - 1;
}

export function applyPayload(label: string, statusIndex: number, over: Partial<ApplyPayload> = {}): ApplyPayload {
  return {
    application: fa(label),
    programme: DIBAO,
    person: person(label),
    category: 'single',
    building: 'b1',
    eligibility: { type: 'low-income', issuer: CIVIL.id, statusIndex, expiresAt: T0 - DAY_MS + 365 * DAY_MS },
    accountHash: account(label),
    by: CLERK,
    ...over,
  };
}

/** A state with both programmes defined. */
export function withProgrammes(): MemState {
  const s = new MemState();
  apply(fundDefineProgramme, s, CIVIL, programmePayload(), T0 - 2 * DAY_MS);
  apply(fundDefineProgramme, s, CIVIL, programmePayload({ programme: TEKUN, excludes: [], categories: [{ category: 'single', amountFen: 150_000 }] }), T0 - 2 * DAY_MS);
  return s;
}

/**
 * Takes an application of `label` from apply to approved: applied at T0, verified an hour later, noticed at T0 + 2 h
 * (its own notice), reviewed after the notice ended. Returns the application id.
 */
export function approve(s: MemState, label: string, over: Partial<ApplyPayload> = {}, opts: { credentialValidMs?: number } = {}): string {
  const index = issueCredential(s, label, T0 - DAY_MS, opts.credentialValidMs);
  const p = applyPayload(label, index, over);
  apply(fundApply, s, STREET, p, T0);
  apply(fundVerify, s, STREET, { application: p.application, result: 'verified', by: CLERK }, T0 + HOUR_MS);
  apply(fundPublishNotice, s, STREET, { notice: fn(label), programme: p.programme, applications: [p.application], listHash: hex64(`list ${label}`), by: CLERK }, T0 + 2 * HOUR_MS);
  apply(fundReview, s, CIVIL, { application: p.application, decision: 'approve', reason: 'meets-criteria', by: REVIEWER }, NOTICE_END + HOUR_MS);
  return p.application;
}

/** Block time of a day in `month` (1-based) of 2025, after the notice of the fixtures' applications. */
export const inMonth = (month: number): number => Date.UTC(2025, month - 1, 20, 2, 0, 0);
export const monthCode = (month: number): string => `2025-${String(month).padStart(2, '0')}`;
