/**
 * The payload schemas as the registry applies them: closed objects of ids, codes, hashes and pseudonyms — bad input
 * (free text, a unit or phone number where a building code goes, unknown codes, extra fields, out-of-range numbers) is
 * refused with TX_PAYLOAD_INVALID; and checkEventPayload's rules (organisations of the chain, each named once).
 */
import { describe, expect, it } from 'vitest';
import { checkEventPayload, eventsTypes, type EventPayload } from '../../../src/index.js';
import { machiError } from '../helpers.js';
import { COMMANDER, EV, GRID, GRID_WORKER, ORGS_BY_ID, OFFICER, POLICE, T0, URBAN, checkSchema, ev, gridPayload, hex64, household, reportPayload } from './fixtures.js';

const refused = (type: string, payload: unknown): void => {
  expect(machiError(() => checkSchema(type, payload)).code, JSON.stringify(payload).slice(0, 120)).toBe('TX_PAYLOAD_INVALID');
};

/** One valid payload per type. */
const VALID: Record<string, unknown> = {
  'event.report': reportPayload(),
  'event.triage': { event: EV, decision: 'accept', by: COMMANDER },
  'event.dispatch': { event: EV, departments: [{ org: POLICE.id, deadlineMinutes: 60 }], by: COMMANDER },
  'event.acknowledge': { event: EV, by: OFFICER },
  'event.accept': { event: EV, by: OFFICER },
  'event.handle': { event: EV, result: 'resolved', photoHashes: [hex64('p')], by: OFFICER },
  'event.request_help': { event: EV, to: URBAN.id, reason: 'manpower', deadlineMinutes: 30, by: OFFICER },
  'event.flag': { event: EV, step: 3, kind: 'result-disputed', evidenceHashes: [], by: OFFICER },
  'event.answer_flag': { event: EV, flag: 0, answer: 'handled-now', evidenceHashes: [hex64('e')], by: OFFICER },
  'event.close': { event: EV, check: 'verified-resolved', photoHashes: [], by: COMMANDER },
  'event.send_back': { event: EV, departments: [{ org: POLICE.id, deadlineMinutes: 60 }], reason: 'incomplete', by: COMMANDER },
  'event.escalate': { event: EV, department: POLICE.id, level: 1, by: COMMANDER },
  'event.rate': { event: EV, reporter: GRID_WORKER, rating: 5 },
  'event.define_grid': gridPayload(),
  'event.patrol': { grid: GRID, building: 'b1', worker: GRID_WORKER },
  'event.visit': { grid: GRID, building: 'b1', worker: GRID_WORKER, households: [household('1')], purpose: 'routine' },
  'event.configure_department': { department: 'police', orgs: [POLICE.id], by: COMMANDER },
  'event.import': {
    event: EV, category: 'other', severity: 'minor', grid: GRID, location: { kind: 'building', code: 'b1' }, descriptionHash: hex64('d'), reporter: GRID_WORKER,
    reporterKind: 'grid-worker', observedAt: T0 - 60_000, reportedAt: T0, check: 'verified-resolved', closedAt: T0 + 3_600_000, by: COMMANDER,
    departments: [{ org: POLICE.id, assignedAt: T0, dueAt: T0 + 3_600_000, acceptedAt: T0, handledAt: T0, result: 'resolved', sentBack: 0 }],
  },
};

describe('schemas', () => {
  it('every type has a valid example that passes, and refuses an extra property or a missing one', () => {
    expect(Object.keys(VALID).sort()).toEqual(eventsTypes.map((t) => t.type).sort());
    for (const [type, payload] of Object.entries(VALID)) {
      checkSchema(type, payload);
      refused(type, { ...(payload as object), note: 'free text' });
      const [first] = Object.keys(payload as object);
      const { [first as string]: _gone, ...missing } = payload as Record<string, unknown>;
      refused(type, missing);
    }
  });

  it('report: no free text, no unit, no phone number, only catalogue codes', () => {
    const bad: Partial<Record<keyof ReturnType<typeof reportPayload>, unknown>>[] = [
      { event: 'ev_123' },
      { event: EV.toUpperCase() },
      { category: 'earthquake' },
      { severity: 'apocalyptic' },
      { grid: 'G1' },
      { location: { kind: 'building', code: 'b1/1203' } }, // a unit
      { location: { kind: 'building', code: '13800138000' } }, // a phone number
      { location: { kind: 'unit', code: 'b1' } },
      { location: { kind: 'building', code: 'b1', unit: '1203' } },
      { location: { kind: 'building', code: 'x'.repeat(33) } },
      { descriptionHash: 'fire escape blocked' },
      { photoHashes: ['photo.jpg'] },
      { photoHashes: [hex64('a'), hex64('a')] },
      { photoHashes: Array.from({ length: 11 }, (_, i) => hex64(`p${i}`)) },
      { reporter: 'Zhang Wei' },
      { reporterKind: 'police' },
      { centre: 'Street Office' },
      { observedAt: -1 },
      { observedAt: 1.5 },
      { observedAt: String(T0) },
    ];
    for (const over of bad) refused('event.report', { ...reportPayload(), ...over });
  });

  it('triage: merge names an event and no reason, reject a reason and no event, accept neither', () => {
    checkSchema('event.triage', { event: EV, decision: 'merge', into: ev('2'), by: COMMANDER });
    checkSchema('event.triage', { event: EV, decision: 'reject', reason: 'outside-area', by: COMMANDER });
    refused('event.triage', { event: EV, decision: 'merge', by: COMMANDER });
    refused('event.triage', { event: EV, decision: 'merge', into: ev('2'), reason: 'outside-area', by: COMMANDER });
    refused('event.triage', { event: EV, decision: 'reject', by: COMMANDER });
    refused('event.triage', { event: EV, decision: 'reject', reason: 'because', by: COMMANDER });
    refused('event.triage', { event: EV, decision: 'reject', reason: 'outside-area', into: ev('2'), by: COMMANDER });
    refused('event.triage', { event: EV, decision: 'accept', reason: 'outside-area', by: COMMANDER });
    refused('event.triage', { event: EV, decision: 'accept', into: ev('2'), by: COMMANDER });
    refused('event.triage', { event: EV, decision: 'maybe', by: COMMANDER });
  });

  it('dispatch and send-back: 1–8 departments, deadlines 5 min to 30 days, whole minutes', () => {
    const d = (over: object) => ({ event: EV, departments: [{ org: POLICE.id, deadlineMinutes: 60, ...over }], by: COMMANDER });
    refused('event.dispatch', { event: EV, departments: [], by: COMMANDER });
    refused('event.dispatch', { event: EV, departments: Array.from({ length: 9 }, (_, i) => ({ org: `org-${i}`, deadlineMinutes: 60 })), by: COMMANDER });
    for (const deadlineMinutes of [0, 4, 43_201, 7.5]) refused('event.dispatch', d({ deadlineMinutes }));
    refused('event.dispatch', d({ org: 'Police Station' }));
    refused('event.dispatch', d({ note: 'hurry' }));
    refused('event.send_back', { ...d({}), reason: 'lazy' });
  });

  it('steps, flags, levels, ratings, codes', () => {
    refused('event.handle', { event: EV, result: 'done, all fine', photoHashes: [], by: OFFICER });
    refused('event.flag', { event: EV, step: -1, kind: 'not-handled', evidenceHashes: [], by: OFFICER });
    refused('event.flag', { event: EV, step: 1, kind: 'lazy', evidenceHashes: [], by: OFFICER });
    refused('event.answer_flag', { event: EV, flag: 0, answer: 'we were busy', evidenceHashes: [], by: OFFICER });
    refused('event.escalate', { event: EV, department: POLICE.id, level: 4, by: COMMANDER });
    refused('event.rate', { event: EV, reporter: GRID_WORKER, rating: 6 });
    refused('event.close', { event: EV, check: 'ok', photoHashes: [], by: COMMANDER });
    refused('event.visit', { grid: GRID, building: 'b1', worker: GRID_WORKER, households: [], purpose: 'routine' });
    refused('event.visit', { grid: GRID, building: 'b1', worker: GRID_WORKER, households: ['b1-1203'], purpose: 'routine' });
    refused('event.define_grid', gridPayload({ buildings: [{ building: 'b1', households: -1 }] }));
    refused('event.define_grid', gridPayload({ buildings: [] }));
    refused('event.configure_department', { department: 'fire-brigade', orgs: [], by: COMMANDER });
  });
});

describe('checkEventPayload', () => {
  const check = (type: string, p: unknown) => checkEventPayload(type, p as EventPayload, ORGS_BY_ID);

  it('accepts the valid examples', () => {
    for (const [type, payload] of Object.entries(VALID)) expect(check(type, payload), type).toBeNull();
  });

  it('refuses organisations outside the chain and anything named twice', () => {
    expect(check('event.report', reportPayload({ centre: 'nowhere' }))).toMatch(/nowhere is not an organisation/);
    expect(check('event.dispatch', { event: EV, departments: [{ org: 'fire-brigade', deadlineMinutes: 60 }], by: COMMANDER })).toMatch(/not an organisation/);
    expect(check('event.dispatch', { event: EV, departments: [{ org: POLICE.id, deadlineMinutes: 60 }, { org: POLICE.id, deadlineMinutes: 90 }], by: COMMANDER })).toMatch(/named twice/);
    expect(check('event.request_help', { event: EV, to: 'fire-brigade', reason: 'manpower', deadlineMinutes: 30, by: OFFICER })).toMatch(/not an organisation/);
    expect(check('event.escalate', { event: EV, department: 'fire-brigade', level: 1, by: COMMANDER })).toMatch(/not an organisation/);
    expect(check('event.configure_department', { department: 'police', orgs: ['fire-brigade'], by: COMMANDER })).toMatch(/not an organisation/);
    expect(check('event.define_grid', gridPayload({ buildings: [{ building: 'b1', households: 1 }, { building: 'b1', households: 1 }] }))).toMatch(/listed twice/);
  });
});
