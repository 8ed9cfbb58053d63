/** A case reference `event:ev_…` names a real event: privacy reads for it are bound to the event and its departments. */
import { describe, expect, it } from 'vitest';
import { CASE_KINDS, eventAccept, eventDispatch, eventReport, eventTriage, gridDefine, resolveCase, decideAccess, type SubjectRecord } from '../../../src/index.js';
import { COMMANDER, EV, MIN_MS, MemState, OFFICER, POLICE, STREET, T0, URBAN, apply, gridPayload, hex64, reportPayload, actor } from './fixtures.js';

function dispatched(): MemState {
  const s = new MemState();
  apply(gridDefine, s, STREET, gridPayload(), T0 - MIN_MS);
  apply(eventReport, s, STREET, reportPayload());
  apply(eventTriage, s, STREET, { event: EV, decision: 'accept', by: COMMANDER }, T0 + MIN_MS);
  apply(eventDispatch, s, STREET, { event: EV, departments: [{ org: POLICE.id, deadlineMinutes: 60 }, { org: URBAN.id, deadlineMinutes: 60 }], by: COMMANDER }, T0 + 2 * MIN_MS);
  apply(eventAccept, s, POLICE, { event: EV, by: OFFICER }, T0 + 3 * MIN_MS);
  return s;
}

describe('event cases', () => {
  it('resolve to the event: open, the command centre, the assigned departments, who acted for them, the manager roles', () => {
    expect(resolveCase(dispatched().read, `event:${EV}`)).toEqual({
      open: true,
      org: STREET.id,
      orgs: [POLICE.id, URBAN.id],
      assigned: [OFFICER],
      managerRoles: ['official', 'dispatcher', 'property-staff', 'utility-staff'],
    });
    expect(CASE_KINDS.map((k) => k.kind)).toContain('event');
  });

  it('are closed once rejected', () => {
    const s = new MemState();
    apply(gridDefine, s, STREET, gridPayload(), T0 - MIN_MS);
    apply(eventReport, s, STREET, reportPayload());
    expect(resolveCase(s.read, `event:${EV}`)?.open).toBe(true);
    apply(eventTriage, s, STREET, { event: EV, decision: 'reject', reason: 'not-an-event', by: COMMANDER }, T0 + MIN_MS);
    expect(resolveCase(s.read, `event:${EV}`)?.open).toBe(false);
  });

  it('name nothing for free text, an id not of the format or an event that does not exist', () => {
    const read = dispatched().read;
    for (const ref of ['event:ZhangWei-b2-1203', `event:${EV}x`, `event:ev_${'0'.repeat(32)}`, EV]) expect(resolveCase(read, ref), ref).toBeUndefined();
  });

  it('let a police officer read for the event, and not a department that is not on it', () => {
    const read = dispatched().read;
    const subject = `sub_${'a'.repeat(32)}`;
    const record: SubjectRecord = { holder: STREET.id, commitment: hex64('c'), classes: ['identity', 'contact', 'address'], erased: false, registeredAt: T0 };
    const ask = (org: string) =>
      decideAccess(record, [], { subject, org, role: 'official', purpose: 'case-handling', fields: ['phone'], caseRef: `event:${EV}`, case: resolveCase(read, `event:${EV}`), actor: actor('someone'), at: T0 });
    // the police are on the case, and need a grant from the holder (none here): the case check is passed
    expect(ask(POLICE.id)).toEqual({ decision: 'denied', reason: 'no-grant' });
    expect(ask('judiciary')).toEqual({ decision: 'denied', reason: 'not-on-case' });
    expect(ask(STREET.id)).toEqual({ decision: 'allowed', reason: 'holder' });
  });
});
