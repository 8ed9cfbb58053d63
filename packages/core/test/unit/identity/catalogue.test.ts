import { describe, expect, it } from 'vitest';
import {
  CLAIM_FIELDS,
  CREDENTIAL_TYPES,
  CREDENTIAL_TYPE_IDS,
  FIELDS,
  VOLUNTEER_HOURS_MAX,
  SERVICES,
  ageOn,
  checkClaims,
  credentialTypeOfVct,
  fieldsOfClaims,
  mayIssue,
  meetsRequirement,
  requiredClaims,
  serviceTypes,
} from '../../../src/index.js';

/** 2026-03-01 12:00 in UTC+8. */
const NOW = Date.UTC(2026, 2, 1, 4, 0, 0);

/** An 18-character ID number with a valid GB 11643 check character for the birth date. */
function idNumber(birth: string, seq = '123'): string {
  const first17 = `310115${birth.replace(/-/g, '')}${seq}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11]!;
}

describe('credential types', () => {
  it('each has a distinct vct, found back by credentialTypeOfVct', () => {
    const vcts = CREDENTIAL_TYPE_IDS.map((t) => CREDENTIAL_TYPES[t].vct);
    expect(new Set(vcts).size).toBe(vcts.length);
    for (const t of CREDENTIAL_TYPE_IDS) expect(credentialTypeOfVct(CREDENTIAL_TYPES[t].vct)?.id).toBe(t);
    expect(credentialTypeOfVct('urn:machi:vct:passport')).toBeUndefined();
  });

  it('names who may issue what', () => {
    expect(mayIssue('street-office', 'residence')).toBe(true);
    expect(mayIssue('property-company', 'residence')).toBe(true);
    expect(mayIssue('property-company', 'elderly')).toBe(false);
    expect(mayIssue('street-office', 'vehicle')).toBe(false);
    expect(mayIssue('police', 'vehicle')).toBe(true);
    expect(mayIssue('auditor', 'residence')).toBe(false);
    expect(mayIssue('street-office', 'passport')).toBe(false);
    // community labels are the street office's; service hours are the organisation's that runs the activities
    expect(mayIssue('street-office', 'volunteer')).toBe(true);
    expect(mayIssue('property-company', 'volunteer')).toBe(false);
    expect(mayIssue('street-office', 'volunteer-hours')).toBe(true);
    expect(mayIssue('property-company', 'volunteer-hours')).toBe(true);
    expect(mayIssue('police', 'volunteer-hours')).toBe(false);
  });
});

describe('checkClaims', () => {
  const elderly = { name: '王秀英', idNumber: idNumber('1950-05-02'), birthDate: '1950-05-02' };

  it('derives the age thresholds from the birth date at the time of issuance', () => {
    const r = checkClaims('elderly', elderly, NOW);
    expect(r).toEqual({ ok: true, claims: { ...elderly, age60OrOver: true, age70OrOver: true, age80OrOver: false } });
  });

  it('refuses the elderly credential to someone under 60, and a birth date the ID number contradicts', () => {
    const young = { name: '李明', idNumber: idNumber('1970-01-01'), birthDate: '1970-01-01' };
    expect(checkClaims('elderly', young, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/aged 56/) });
    expect(checkClaims('elderly', { ...elderly, birthDate: '1950-05-03' }, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/does not match/) });
  });

  it('refuses derived claims given as input, unknown claims, missing ones and bad values', () => {
    expect(checkClaims('elderly', { ...elderly, age60OrOver: true }, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/computed by the issuer/) });
    expect(checkClaims('residence', { name: 'x', nickname: 'y' }, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/no claim nickname/) });
    expect(checkClaims('residence', { name: 'x' }, NOW)).toMatchObject({ ok: false });
    const bad = { ...elderly, idNumber: `${elderly.idNumber.slice(0, 17)}${elderly.idNumber[17] === '0' ? '1' : '0'}` };
    expect(checkClaims('elderly', bad, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/check character/) });
    expect(checkClaims('disability', { name: 'x', idNumber: elderly.idNumber, category: 'visual', grade: 5 }, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/grade/) });
    expect(checkClaims('low-income', { name: 'x', idNumber: elderly.idNumber, eligible: false, category: 'minimum-living', validFrom: '2025-01-01' }, NOW)).toMatchObject({ ok: false });
  });

  it('volunteer hours: name, whole hours and a date, no label', () => {
    const hours = { name: '李明', hours: 20, since: '2026-03-01' };
    expect(checkClaims('volunteer-hours', hours, NOW)).toEqual({ ok: true, claims: hours });
    expect(checkClaims('volunteer-hours', { ...hours, hours: 20.5 }, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/hours must be an integer/) });
    expect(checkClaims('volunteer-hours', { ...hours, hours: VOLUNTEER_HOURS_MAX + 1 }, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/hours/) });
    expect(checkClaims('volunteer-hours', { ...hours, label: 'volunteer' }, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/no claim label/) });
    expect(checkClaims('volunteer-hours', { name: '李明', hours: 20 }, NOW)).toMatchObject({ ok: false, why: expect.stringMatching(/since/) });
  });

  it('ageOn counts whole years in UTC+8', () => {
    // 2026-05-01 23:30 UTC+8 = 15:30 UTC: already the birthday in the community's calendar
    expect(ageOn('1966-05-01', Date.UTC(2026, 4, 1, 15, 30))).toBe(60);
    expect(ageOn('1966-05-02', Date.UTC(2026, 4, 1, 15, 30))).toBe(59);
  });
});

describe('services', () => {
  it('ask only for claims their credential types have, and the desks may be named', () => {
    for (const s of Object.values(SERVICES)) {
      expect(s.requirements.length).toBeGreaterThan(0);
      for (const r of s.requirements) for (const c of requiredClaims(r)) expect(Object.keys(CREDENTIAL_TYPES[r.type].claims)).toContain(c);
    }
    expect(serviceTypes('elderly-subsidy')).toEqual(['residence', 'elderly']);
    expect(serviceTypes('low-income-subsidy')).toEqual(['residence', 'low-income']);
  });

  it('every service discloses at least one personal-data field (its consent becomes a grant of that class)', () => {
    for (const s of Object.values(SERVICES)) expect(fieldsOfClaims(s.requirements.flatMap(requiredClaims)).length).toBeGreaterThan(0);
    for (const f of Object.values(CLAIM_FIELDS)) expect(Object.keys(FIELDS)).toContain(f);
  });

  it('the elderly subsidy needs age60OrOver true, and not the birth date', () => {
    const r = SERVICES['elderly-subsidy'].requirements[1]!;
    expect(requiredClaims(r)).not.toContain('birthDate');
    expect(meetsRequirement(r, { name: 'x', age60OrOver: true })).toEqual({ ok: true });
    expect(meetsRequirement(r, { name: 'x', age60OrOver: false })).toMatchObject({ ok: false });
    expect(meetsRequirement(r, { name: 'x' })).toMatchObject({ ok: false, why: 'not disclosed: age60OrOver' });
  });
});
