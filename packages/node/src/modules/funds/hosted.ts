/**
 * The member organisations whose keys this node hosts (DIR/hosted/<org>/org-key.json), as the events helper's ADR
 * describes (branch events-node: docs/decisions/0001-hosted-departments.md, `loadHostedSigners` in
 * src/node/datadir.ts). Until that branch lands, funds reads the same layout itself with the same checks; once it
 * lands this file goes and the module takes the node's hosted signers from its context.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { signerFromJwk, type Ed25519Jwk, type Genesis, type Signer } from '@machi/core';

export const HOSTED_DIR = 'hosted';
const KEY_FILE = 'org-key.json';

/** Each hosted member's signer, checked against the genesis: a member without voting power, and its key. */
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
    const signer = signerFromJwk(JSON.parse(readFileSync(path, 'utf8')) as Ed25519Jwk);
    if (signer.publicKey !== member.publicKey) throw new Error(`hosted key ${path} is not ${org}'s key in the genesis`);
    out.set(org, signer);
  }
  return out;
}
