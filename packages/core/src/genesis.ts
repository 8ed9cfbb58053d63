/**
 * The genesis file names the chain, its organisations and their keys; validators are the organisations with
 * voting power > 0. Everything a verifier needs to check a proof offline comes from here. docs/spec/formats.md#genesis
 */
import { canonicalJson, isBase64url, tagged } from './encoding.js';
import { sha256Hex } from './crypto.js';
import { MachiError } from './errors.js';
import { ID_CHARS_MAX, ORGS_MAX, VOTING_POWER_TOTAL_MAX } from './limits.js';

export interface Org {
  /** short stable id, e.g. `street-office` */
  id: string;
  /** display name */
  name: string;
  /** Ed25519 public key, base64url */
  publicKey: string;
  /** consensus voting power; 0 = member without a vote */
  power: number;
}

export interface Genesis {
  chainId: string;
  /** ISO 8601 */
  genesisTime: string;
  orgs: Org[];
  /** rule name → the height from which it holds (foundation/rules.ts); absent: none of the newer rules */
  rules?: Record<string, number>;
}

export interface Validator {
  publicKey: string;
  power: number;
}

const ID_RE = /^[a-z0-9][a-z0-9-]*$/;

function fail(why: string): never {
  throw new MachiError('GENESIS_INVALID', `genesis is invalid: ${why}`);
}

/** Checks a parsed genesis file; returns it typed or throws GENESIS_INVALID naming the problem. */
export function parseGenesis(value: unknown): Genesis {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a JSON object');
  const g = value as Record<string, unknown>;
  if (typeof g.chainId !== 'string' || !ID_RE.test(g.chainId) || g.chainId.length > ID_CHARS_MAX) fail('chainId');
  if (typeof g.genesisTime !== 'string' || Number.isNaN(Date.parse(g.genesisTime))) fail('genesisTime');
  if (!Array.isArray(g.orgs) || g.orgs.length === 0 || g.orgs.length > ORGS_MAX) fail('orgs');
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const o of g.orgs as unknown[]) {
    const org = o as Record<string, unknown>;
    if (typeof org !== 'object' || org === null) fail('org is not an object');
    if (typeof org.id !== 'string' || !ID_RE.test(org.id) || org.id.length > ID_CHARS_MAX) fail(`org id ${String(org.id)}`);
    if (typeof org.name !== 'string' || org.name.length === 0) fail(`org ${org.id} name`);
    if (!isBase64url(org.publicKey, 32)) fail(`org ${org.id} publicKey`);
    if (typeof org.power !== 'number' || !Number.isSafeInteger(org.power) || org.power < 0) fail(`org ${org.id} power`);
    if (ids.has(org.id) || keys.has(org.publicKey as string)) fail(`org ${org.id} is listed twice`);
    ids.add(org.id);
    keys.add(org.publicKey as string);
  }
  const genesis: Genesis = {
    chainId: g.chainId,
    genesisTime: g.genesisTime,
    orgs: (g.orgs as Org[]).map((o) => ({ id: o.id, name: o.name, publicKey: o.publicKey, power: o.power })),
  };
  if (g.rules !== undefined) {
    if (typeof g.rules !== 'object' || g.rules === null || Array.isArray(g.rules)) fail('rules is not an object');
    const rules: Record<string, number> = {};
    for (const [name, from] of Object.entries(g.rules as Record<string, unknown>)) {
      if (!/^[a-z][a-z0-9.-]{0,63}$/.test(name)) fail(`rule name ${name}`);
      if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 1) fail(`rule ${name}: the height it holds from`);
      rules[name] = from;
    }
    genesis.rules = rules;
  }
  if (validatorsOf(genesis).length === 0) fail('no validator (an org with power > 0)');
  if (genesis.orgs.reduce((sum, o) => sum + o.power, 0) > VOTING_POWER_TOTAL_MAX) fail(`total voting power exceeds ${VOTING_POWER_TOTAL_MAX}`);
  return genesis;
}

/** Validators sorted by public key: the order used in hashes. */
export function validatorsOf(genesis: Genesis): Validator[] {
  return validatorsOfOrgs(genesis.orgs);
}

/** Validators (power > 0) of a list of organisations, sorted by public key: the order hashes use. */
export function validatorsOfOrgs(orgs: readonly Org[]): Validator[] {
  return orgs
    .filter((o) => o.power > 0)
    .map((o) => ({ publicKey: o.publicKey, power: o.power }))
    .sort((a, b) => (a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0));
}

export function validatorsHash(validators: Validator[]): string {
  return sha256Hex(tagged('machi.validators.v1', canonicalJson(validators)));
}

/** Hash of the genesis file's canonical form: the chain's identity, and the `prevHash` of block 1. */
export function genesisHash(genesis: Genesis): string {
  return sha256Hex(tagged('machi.genesis.v1', canonicalJson(genesis)));
}

export function orgByKey(genesis: Genesis): Map<string, Org> {
  return new Map(genesis.orgs.map((o) => [o.publicKey, o]));
}
