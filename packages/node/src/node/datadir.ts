/**
 * A node's data directory: `genesis.json` (shared by the consortium), `org-key.json` (this org's private key, mode
 * 0600, never leaves the machine) and `ledger.db` (SQLite). `initDataDir` creates a single-org chain when empty.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { newChainRules, generateKeyPair, parseGenesis, signerFromJwk, type Ed25519Jwk, type Genesis, type Signer } from '@machi/core';

export const GENESIS_FILE = 'genesis.json';
export const KEY_FILE = 'org-key.json';
export const LEDGER_FILE = 'ledger.db';
/** Keys of member organisations this node hosts: DIR/hosted/<org>/org-key.json (docs/decisions/0001-hosted-departments.md). */
export const HOSTED_DIR = 'hosted';

export interface DataDir {
  dir: string;
  genesis: Genesis;
  signer: Signer;
  ledgerPath: string;
}

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`cannot read ${what} ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} ${path} is not valid JSON`);
  }
}

export function writeKeyFile(path: string, jwk: Ed25519Jwk): void {
  writeFileSync(path, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/** Creates DIR with a fresh org key and a one-org genesis if DIR holds neither. */
export function initDataDir(dir: string, opts: { orgId?: string; orgName?: string; chainId?: string } = {}): void {
  mkdirSync(dir, { recursive: true });
  const keyPath = join(dir, KEY_FILE);
  const genesisPath = join(dir, GENESIS_FILE);
  if (existsSync(keyPath) || existsSync(genesisPath)) return;
  const kp = generateKeyPair();
  writeKeyFile(keyPath, kp.jwk);
  const genesis: Genesis = {
    chainId: opts.chainId ?? `machi-local-${randomBytes(3).toString('hex')}`,
    genesisTime: new Date().toISOString(),
    orgs: [{ id: opts.orgId ?? 'community', name: opts.orgName ?? 'Local community', publicKey: kp.publicKey, power: 1 }],
    rules: newChainRules(),
  };
  writeFileSync(genesisPath, `${JSON.stringify(genesis, null, 2)}\n`, { flag: 'wx' });
}

export function openDataDir(dir: string, genesisFile?: string): DataDir {
  const genesis = parseGenesis(readJsonFile(genesisFile ?? join(dir, GENESIS_FILE), 'genesis file'));
  const jwk = readJsonFile(join(dir, KEY_FILE), 'org key') as Ed25519Jwk;
  let signer: Signer;
  try {
    signer = signerFromJwk(jwk);
  } catch {
    throw new Error(`org key ${join(dir, KEY_FILE)} is not an Ed25519 JWK`);
  }
  return { dir, genesis, signer, ledgerPath: join(dir, LEDGER_FILE) };
}

/** Display names for the organisations a community typically has; other ids get their id as name. */
export const KNOWN_ORGS: Record<string, string> = {
  'street-office': 'Street office',
  'property-company': 'Property-management company',
  'power-company': 'Power supply company',
  auditor: 'Audit office',
  'water-company': 'Water company',
  'civil-affairs': 'Civil affairs bureau',
  police: 'Police station',
  'urban-management': 'Urban management bureau',
  'housing-bureau': 'Housing bureau',
  judiciary: 'Judicial office',
  'comprehensive-management': 'Comprehensive management office',
  'finance-bureau': 'Finance bureau',
  'agent-bank': 'Agent bank',
};

export const DEFAULT_CONSORTIUM = ['street-office', 'property-company', 'power-company', 'auditor', 'water-company', 'civil-affairs', 'police'];

/**
 * Organisations that take part whether or not they run a validator: the departments of community events
 * (docs/spec/events.md) and the finance bureau and agent bank of welfare funds (docs/spec/funds.md). Those not among
 * a local consortium's validators become members without voting power whose keys the street office's node hosts
 * (docs/decisions/0001-hosted-departments.md).
 */
export const HOSTED_MEMBERS = ['police', 'urban-management', 'comprehensive-management', 'judiciary', 'civil-affairs', 'finance-bureau', 'agent-bank', 'housing-bureau'];
/** The organisation whose node hosts the departments' keys in a local consortium. */
export const DEPARTMENT_HOST = 'street-office';

export interface HostedMembers {
  /** the validator organisation whose node holds the keys */
  host: string;
  /** member organisations (power 0) whose keys go to OUT/<host>/hosted/<org>/org-key.json */
  orgs: string[];
}

/** The hosted members `machi up` adds to a consortium of `validators`: the departments that are not validators. */
export function defaultHostedMembers(validators: readonly string[]): HostedMembers | undefined {
  if (!validators.includes(DEPARTMENT_HOST)) return undefined;
  const orgs = HOSTED_MEMBERS.filter((o) => !validators.includes(o));
  return orgs.length === 0 ? undefined : { host: DEPARTMENT_HOST, orgs };
}

/** An organisation's earlier public keys, oldest first (a JSON array of strings): see keys.ts. */
export const RETIRED_KEYS_FILE = 'retired-keys.json';

/** The public keys the organisation of the key folder DIR (a node's, or a hosted member's) signed with before its rotations, oldest first. */
export function retiredKeys(dir: string): string[] {
  const path = join(dir, RETIRED_KEYS_FILE);
  if (!existsSync(path)) return [];
  const list = readJsonFile(path, 'retired keys');
  if (!Array.isArray(list) || !list.every((k) => typeof k === 'string')) throw new Error(`${path} is not a list of public keys`);
  return list as string[];
}

/** The key folder of a hosted member in the host's data directory: its org-key.json, and across a rotation org-key.next.json and retired-keys.json. */
export const hostedKeyDir = (dir: string, org: string): string => join(dir, HOSTED_DIR, org);

/**
 * The member organisations whose keys this node holds (DIR/hosted/<org>/org-key.json), each checked against the
 * genesis: the org exists, has no voting power (a validator signs on its own node), and the key is its genesis key —
 * or, after a key rotation (hosted-keys.ts), the genesis key is among the folder's retired keys. Which of them is in
 * force is the chain's member set's to say (HostedKeys).
 */
export function loadHostedSigners(dir: string, genesis: Genesis): Map<string, Signer> {
  const out = new Map<string, Signer>();
  const root = join(dir, HOSTED_DIR);
  if (!existsSync(root)) return out;
  for (const org of readdirSync(root).sort()) {
    const path = join(root, org, KEY_FILE);
    if (!existsSync(path)) continue;
    const member = genesis.orgs.find((o) => o.id === org);
    if (member === undefined) throw new Error(`hosted key ${path}: ${org} is not an organisation of the genesis`);
    if (member.power > 0) throw new Error(`hosted key ${path}: ${org} is a validator; it signs on its own node`);
    let signer: Signer;
    try {
      signer = signerFromJwk(readJsonFile(path, 'hosted org key') as Ed25519Jwk);
    } catch (e) {
      throw new Error(`hosted key ${path} is not an Ed25519 JWK (${(e as Error).message})`);
    }
    if (signer.publicKey !== member.publicKey && !retiredKeys(join(root, org)).includes(member.publicKey)) {
      throw new Error(`hosted key ${path} is not ${org}'s key in the genesis (nor a rotation of it: ${RETIRED_KEYS_FILE})`);
    }
    out.set(org, signer);
  }
  return out;
}

/**
 * Creates a consortium: one key per org in OUT/<org>/org-key.json, and the shared genesis (every org a validator
 * with power 1) in OUT/genesis.json and in each org's directory. `hosted`: member organisations without voting power
 * whose keys go to the host's directory (OUT/<host>/hosted/<org>/org-key.json). Refuses to overwrite an existing genesis.
 */
export function createConsortium(out: string, orgIds: string[], opts: { chainId?: string; hosted?: HostedMembers | undefined } = {}): Genesis {
  if (orgIds.length === 0) throw new Error('name at least one organisation');
  if (existsSync(join(out, GENESIS_FILE))) throw new Error(`${join(out, GENESIS_FILE)} already exists; choose another --out`);
  const hosted = opts.hosted;
  if (hosted !== undefined) {
    if (!orgIds.includes(hosted.host)) throw new Error(`the host ${hosted.host} of hosted members is not a validator of the consortium`);
    const both = hosted.orgs.find((o) => orgIds.includes(o));
    if (both !== undefined) throw new Error(`${both} is both a validator and a hosted member`);
  }
  const keys = orgIds.map(() => generateKeyPair());
  const hostedKeys = (hosted?.orgs ?? []).map(() => generateKeyPair());
  const genesis = parseGenesis({
    chainId: opts.chainId ?? `machi-${randomBytes(3).toString('hex')}`,
    genesisTime: new Date().toISOString(),
    orgs: [
      ...orgIds.map((id, i) => ({ id, name: KNOWN_ORGS[id] ?? id, publicKey: keys[i]!.publicKey, power: 1 })),
      ...(hosted?.orgs ?? []).map((id, i) => ({ id, name: KNOWN_ORGS[id] ?? id, publicKey: hostedKeys[i]!.publicKey, power: 0 })),
    ],
    rules: newChainRules(),
  });
  const text = `${JSON.stringify(genesis, null, 2)}\n`;
  mkdirSync(out, { recursive: true });
  orgIds.forEach((id, i) => {
    const dir = join(out, id);
    mkdirSync(dir, { recursive: true });
    writeKeyFile(join(dir, KEY_FILE), keys[i]!.jwk);
    writeFileSync(join(dir, GENESIS_FILE), text, { flag: 'wx' });
  });
  (hosted?.orgs ?? []).forEach((id, i) => {
    const dir = join(out, hosted!.host, HOSTED_DIR, id);
    mkdirSync(dir, { recursive: true });
    writeKeyFile(join(dir, KEY_FILE), hostedKeys[i]!.jwk);
  });
  writeFileSync(join(out, GENESIS_FILE), text, { flag: 'wx' });
  return genesis;
}
