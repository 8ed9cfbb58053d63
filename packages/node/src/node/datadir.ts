/**
 * A node's data directory: `genesis.json` (shared by the consortium), `org-key.json` (this org's private key, mode
 * 0600, never leaves the machine) and `ledger.db` (SQLite). `initDataDir` creates a single-org chain when empty.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { newChainRules, generateKeyPair, parseGenesis, signerFromJwk, type Ed25519Jwk, type Genesis, type Signer } from '@machi/core';

export const GENESIS_FILE = 'genesis.json';
export const KEY_FILE = 'org-key.json';
export const LEDGER_FILE = 'ledger.db';

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
};

export const DEFAULT_CONSORTIUM = ['street-office', 'property-company', 'power-company', 'auditor', 'water-company', 'civil-affairs', 'police'];

/**
 * Creates a consortium: one key per org in OUT/<org>/org-key.json, and the shared genesis (every org a validator
 * with power 1) in OUT/genesis.json and in each org's directory. Refuses to overwrite an existing genesis.
 */
export function createConsortium(out: string, orgIds: string[], opts: { chainId?: string } = {}): Genesis {
  if (orgIds.length === 0) throw new Error('name at least one organisation');
  if (existsSync(join(out, GENESIS_FILE))) throw new Error(`${join(out, GENESIS_FILE)} already exists; choose another --out`);
  const keys = orgIds.map(() => generateKeyPair());
  const genesis = parseGenesis({
    chainId: opts.chainId ?? `machi-${randomBytes(3).toString('hex')}`,
    genesisTime: new Date().toISOString(),
    orgs: orgIds.map((id, i) => ({ id, name: KNOWN_ORGS[id] ?? id, publicKey: keys[i]!.publicKey, power: 1 })),
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
  writeFileSync(join(out, GENESIS_FILE), text, { flag: 'wx' });
  return genesis;
}
