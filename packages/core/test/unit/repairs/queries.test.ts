/**
 * Queries over the state the handlers wrote: one request, the open index per building (the dispatcher's board and
 * the duplicates check) and in all, and the timeline of a request.
 */
import { describe, expect, it } from 'vitest';
import {
  openRequests,
  openRequestsInBuilding,
  repairAccept,
  repairArrive,
  repairAssign,
  repairCancel,
  repairCreate,
  repairDiagnose,
  repairFinish,
  repairFollow,
  repairReopen,
  repairStart,
  requestRecord,
  timeline,
} from '../../../src/index.js';
import { ALICE, BOB, DISPATCHER, FIXIT, HOUSING, MemState, T0, WANG, apply, assignPayload, createPayload, hex64, rq } from './fixtures.js';

const MIN_MS = 60 * 1000;
const home = (building: string) => ({ kind: 'home' as const, building });

/** b1: a leak (t0), a lift (t0+2), a leak (t0+1, cancelled); b12: a leak (t0+3); b2: a drain (t0+4, finished). */
function seeded(): MemState {
  const s = new MemState();
  apply(repairCreate, s, HOUSING, createPayload({ request: rq('b1 leak'), location: home('b1') }), T0);
  apply(repairCreate, s, HOUSING, createPayload({ request: rq('b1 lift'), location: home('b1'), category: 'lift' }), T0 + 2);
  apply(repairCreate, s, HOUSING, createPayload({ request: rq('b1 old'), location: home('b1') }), T0 + 1);
  apply(repairCancel, s, HOUSING, { request: rq('b1 old'), by: ALICE }, T0 + 5);
  apply(repairCreate, s, HOUSING, createPayload({ request: rq('b12 leak'), location: home('b12') }), T0 + 3);
  const drain = rq('b2 drain');
  apply(repairCreate, s, HOUSING, createPayload({ request: drain, location: home('b2'), category: 'drainage', priority: 'normal' }), T0 + 4);
  apply(repairAssign, s, HOUSING, assignPayload({ request: drain }), T0 + 10);
  for (const t of [repairAccept, repairArrive]) apply(t, s, FIXIT, { request: drain, worker: WANG }, T0 + 11);
  apply(repairDiagnose, s, FIXIT, { request: drain, worker: WANG, cause: 'blockage', parts: [], photoHashes: [] }, T0 + 12);
  apply(repairStart, s, FIXIT, { request: drain, worker: WANG }, T0 + 13);
  apply(repairFinish, s, FIXIT, { request: drain, worker: WANG, photoHashes: [] }, T0 + 14);
  return s;
}

const ids = (records: readonly { request: string }[]) => records.map((r) => r.request);

describe('requestRecord', () => {
  it('reads one request, undefined for none', () => {
    const s = seeded();
    expect(requestRecord(s.read, rq('b1 lift'))).toMatchObject({ category: 'lift', status: 'received', createdAt: T0 + 2 });
    expect(requestRecord(s.read, rq('none'))).toBeUndefined();
  });
});

describe('open requests', () => {
  it('per building, oldest first; cancelled and finished ones are gone; b1 does not see b12', () => {
    const s = seeded();
    expect(ids(openRequestsInBuilding(s.read, s.scan, 'b1'))).toEqual([rq('b1 leak'), rq('b1 lift')]);
    expect(ids(openRequestsInBuilding(s.read, s.scan, 'b12'))).toEqual([rq('b12 leak')]);
    expect(openRequestsInBuilding(s.read, s.scan, 'b2')).toEqual([]);
    expect(openRequestsInBuilding(s.read, s.scan, 'b9')).toEqual([]);
  });

  it('by category, from the index: the possible duplicates of a new report', () => {
    const s = seeded();
    expect(ids(openRequestsInBuilding(s.read, s.scan, 'b1', { category: 'burst-pipe' }))).toEqual([rq('b1 leak')]);
    expect(ids(openRequestsInBuilding(s.read, s.scan, 'b1', { category: 'lift' }))).toEqual([rq('b1 lift')]);
    expect(openRequestsInBuilding(s.read, s.scan, 'b1', { category: 'heating' })).toEqual([]);
  });

  it('follow instead of a duplicate: the follower appears on the open request', () => {
    const s = seeded();
    const [dup] = openRequestsInBuilding(s.read, s.scan, 'b1', { category: 'burst-pipe' });
    apply(repairFollow, s, HOUSING, { request: dup!.request, follower: BOB }, T0 + 20);
    expect(openRequestsInBuilding(s.read, s.scan, 'b1', { category: 'burst-pipe' })[0]!.followers).toEqual([BOB]);
  });

  it('in all buildings, oldest first, at most `limit` index entries', () => {
    const s = seeded();
    expect(ids(openRequests(s.read, s.scan))).toEqual([rq('b1 leak'), rq('b1 lift'), rq('b12 leak')]);
    expect(openRequests(s.read, s.scan, { limit: 1 })).toHaveLength(1);
    expect(ids(openRequests(s.read, s.scan, { category: 'lift' }))).toEqual([rq('b1 lift')]);
  });

  it('a reopened request is open again', () => {
    const s = seeded();
    const drain = rq('b2 drain');
    apply(repairReopen, s, HOUSING, { request: drain, reporter: ALICE, reasonHash: hex64('still blocked') }, T0 + 30);
    expect(ids(openRequestsInBuilding(s.read, s.scan, 'b2'))).toEqual([drain]);
  });
});

describe('timeline', () => {
  it('every step, oldest first, with the status it led to (follows and escalations keep it)', () => {
    const s = seeded();
    const drain = rq('b2 drain');
    apply(repairReopen, s, HOUSING, { request: drain, reporter: ALICE, reasonHash: hex64('r') }, T0 + 30 * MIN_MS);
    apply(repairFollow, s, HOUSING, { request: drain, follower: BOB }, T0 + 31 * MIN_MS);
    const entries = timeline(requestRecord(s.read, drain)!);
    expect(entries.map((e) => [e.action, e.status])).toEqual([
      ['create', 'received'],
      ['assign', 'assigned'],
      ['accept', 'en-route'],
      ['arrive', 'on-site'],
      ['diagnose', 'diagnosed'],
      ['start', 'in-progress'],
      ['finish', 'done'],
      ['reopen', 'reopened'],
    ]);
    expect(entries[1]).toMatchObject({ actor: DISPATCHER, at: T0 + 10, worker: WANG });
    expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort((a, b) => a - b));
  });
});
