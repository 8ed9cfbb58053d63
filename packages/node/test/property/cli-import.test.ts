/**
 * `machi property import FILE.csv` against a listening in-process node of the property company: the report (rows
 * imported, each refused row with its line and reason) on stdout, exit 1 when rows were refused and 0 when none were,
 * and a failed request (a bad token, a malformed file) an error — the command's exit 2 — with nothing imported.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Role } from '@machi/core';
import { TEST_PASSWORD, oneNode, type OneNode } from '../support/node.js';
import { ledger, ok } from '../devices/helpers.js';
import { demoResidents } from '../../src/modules/privacy/demo.js';
import type { PrivacyExports } from '../../src/modules/privacy/index.js';
import { propertyCommand } from '../../src/cli/property.js';

let n: OneNode;
let dir: string;
let subject: string;

beforeAll(async () => {
  const users: Record<string, Role> = { 'li.staff': 'property-staff', 'chen.dispatch': 'dispatcher', resident1: 'resident' };
  n = await oneNode({ modules: ['property', 'addresses'], users, listen: true });
  for (const [code, parent] of [['b1', undefined], ['b1-u0101', 'b1'], ['b1-u0102', 'b1']] as const) {
    ok(await n.call('POST', '/v1/addresses', { as: 'chen.dispatch', body: { code, kind: parent === undefined ? 'building' : 'unit', ...(parent === undefined ? {} : { parent }), name: `${code}号` } }), 201);
  }
  const privacy = n.use<PrivacyExports>('privacy');
  subject = (await privacy.service.register(n.principals.get('li.staff')!, { ...demoResidents(1)[0]! }, n.principals.get('resident1')!.userId)).subject;
  dir = mkdtempSync(join(tmpdir(), 'machi-import-'));
}, 60_000);
afterAll(async () => {
  await n?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the command as `machi property import FILE …` would; its exit code and what it printed. */
async function machiImport(csv: string, v: Record<string, string | boolean>): Promise<{ code: number; out: string }> {
  const file = join(dir, `register-${Math.random().toString(16).slice(2)}.csv`);
  writeFileSync(file, csv);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await propertyCommand.run({ node: n.url, ...v }, ['import', file]), out };
  } finally {
    spy.mockRestore();
  }
}

const imports = () => ledger(n).filter((t) => t.type === 'property.import');

describe('machi property import', () => {
  it('prints the rows imported and every refused row with its line and reason; exit 1 when rows were refused', async () => {
    const csv = ['unit,type,area_m2,owner_subject', `b1-u0101,residential,89.50,${subject}`, 'b9-u0101,residential,80,', 'b1-u0102,villa,70,'].join('\n');
    const r = await machiImport(csv, { token: n.token('li.staff') });
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^imported 1 row in tx [0-9a-f]{64}$/);
    expect(lines.slice(1)).toEqual([
      'refused line 3 (b9-u0101): unknown unit: not an active unit of the standard address register',
      'refused line 4 (b1-u0102): type must be one of residential, commercial, office',
      '2 rows refused',
    ]);
    expect(imports()).toHaveLength(1);
  });

  it('exit 0 when every row is imported (signing in as the staff account); --json prints the report', async () => {
    const csv = ['unit,type,area_m2,owner_subject', 'b1-u0102,office,70.25,'].join('\n');
    const r = await machiImport(csv, { user: 'li.staff', password: TEST_PASSWORD, json: true });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ imported: 1, refused: [] });
    expect(imports()).toHaveLength(2);
    const reg = ok(await n.call('GET', '/v1/property/register', { as: 'li.staff' }));
    expect(reg.units.map((u: any) => [u.unit, u.areaDm2])).toEqual([['b1-u0101', 8950], ['b1-u0102', 7025]]);
  });

  it('a failed request is an error (exit 2), nothing imported', async () => {
    await expect(machiImport('unit,type,area_m2,owner_subject\nb1-u0101,residential,80,\n', { token: 'not-a-token' })).rejects.toThrow(/401/);
    await expect(machiImport('unit;type\nb1-u0101;residential\n', { token: n.token('li.staff') })).rejects.toThrow(/400 REQUEST_INVALID/);
    await expect(machiImport('unit,type,area_m2,owner_subject\n', { token: n.token('resident1') })).rejects.toThrow(/403/);
    expect(imports()).toHaveLength(2);
  });
});
