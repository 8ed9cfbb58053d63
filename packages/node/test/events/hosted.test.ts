/**
 * Hosted departments (docs/decisions/0001-hosted-departments.md): `machi up`'s consortium makes the departments that
 * are not validators power-0 members whose keys the street office's directory holds; a node loads only keys that are
 * those members' keys in the genesis, and never a validator's.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair, validatorsOf } from '@machi/core';
import { DEFAULT_CONSORTIUM, HOSTED_DIR, KEY_FILE, createConsortium, defaultHostedMembers, loadHostedSigners, openDataDir } from '../../src/node/datadir.js';

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'machi-hosted-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("machi up's consortium", () => {
  it('with 4 validators hosts police, urban management, the comprehensive management office, the judicial office, civil affairs, the finance bureau and the agent bank on the street office', () => {
    const out = temp();
    const validators = DEFAULT_CONSORTIUM.slice(0, 4);
    const hosted = defaultHostedMembers(validators);
    expect(hosted).toEqual({ host: 'street-office', orgs: ['police', 'urban-management', 'comprehensive-management', 'judiciary', 'civil-affairs', 'finance-bureau', 'agent-bank', 'housing-bureau'] });
    const genesis = createConsortium(out, validators, { chainId: 'machi-local', hosted });
    expect(validatorsOf(genesis)).toHaveLength(4);
    expect(genesis.orgs.filter((o) => o.power === 0).map((o) => o.id)).toEqual(hosted!.orgs);
    for (const org of hosted!.orgs) {
      expect(existsSync(join(out, 'street-office', HOSTED_DIR, org, KEY_FILE))).toBe(true);
      // no directory of its own: `machi up` starts no process for it
      expect(existsSync(join(out, org))).toBe(false);
    }
    const dd = openDataDir(join(out, 'street-office'));
    const signers = loadHostedSigners(dd.dir, dd.genesis);
    expect([...signers.keys()].sort()).toEqual([...hosted!.orgs].sort());
    for (const [org, s] of signers) expect(s.publicKey).toBe(genesis.orgs.find((o) => o.id === org)!.publicKey);
    // the other validators host nothing
    expect(loadHostedSigners(join(out, 'property-company'), dd.genesis).size).toBe(0);
  });

  it('with 7 validators police and civil affairs are validators with nodes of their own, not hosted', () => {
    const validators = DEFAULT_CONSORTIUM.slice(0, 7);
    expect(validators).toEqual(expect.arrayContaining(['police', 'civil-affairs']));
    expect(defaultHostedMembers(validators)).toEqual({ host: 'street-office', orgs: ['urban-management', 'comprehensive-management', 'judiciary', 'finance-bureau', 'agent-bank', 'housing-bureau'] });
    const genesis = createConsortium(temp(), validators, { hosted: defaultHostedMembers(validators) });
    expect(genesis.orgs.find((o) => o.id === 'police')!.power).toBe(1);
  });

  it('refuses a member that is also a validator, or a host that is not one', () => {
    expect(() => createConsortium(temp(), ['street-office', 'police'], { hosted: { host: 'street-office', orgs: ['police'] } })).toThrow(/both a validator and a hosted member/);
    expect(() => createConsortium(temp(), ['property-company'], { hosted: { host: 'street-office', orgs: ['police'] } })).toThrow(/not a validator/);
  });
});

describe('loading hosted keys', () => {
  it("refuses a key that is not the member's, an organisation not in the genesis, and a validator's key", () => {
    const out = temp();
    const genesis = createConsortium(out, ['street-office', 'property-company'], { hosted: { host: 'street-office', orgs: ['police'] } });
    const dir = join(out, 'street-office');
    const put = (org: string): void => {
      mkdirSync(join(dir, HOSTED_DIR, org), { recursive: true });
      writeFileSync(join(dir, HOSTED_DIR, org, KEY_FILE), JSON.stringify(generateKeyPair().jwk));
    };
    rmSync(join(dir, HOSTED_DIR, 'police'), { recursive: true });
    put('police');
    expect(() => loadHostedSigners(dir, genesis)).toThrow(/not police's key in the genesis/);
    rmSync(join(dir, HOSTED_DIR, 'police'), { recursive: true });
    put('fire-brigade');
    expect(() => loadHostedSigners(dir, genesis)).toThrow(/not an organisation of the genesis/);
    rmSync(join(dir, HOSTED_DIR, 'fire-brigade'), { recursive: true });
    put('property-company');
    expect(() => loadHostedSigners(dir, genesis)).toThrow(/is a validator/);
  });
});
