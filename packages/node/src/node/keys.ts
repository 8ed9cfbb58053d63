/**
 * An organisation's keys on its node, across a key rotation (docs/spec/membership.md#key-rotation):
 * `org-key.json` is the key the node signs with; `org-key.next.json` the pending key `machi key rotate` made, waiting
 * for the consortium's `rotate-key` decision to take effect; `retired-keys.json` the public keys the organisation
 * signed with before (oldest first), so the node still finds its organisation in the genesis.
 *
 * The node switches by itself: at the height the member set names the pending key for its organisation, the node
 * (node.ts, `signing-key`) tells the ring, which signs with it from then on (votes, proposals, transactions, peer
 * handshakes), and the files are promoted. Until then the old key signs; a restart before or after reads the same
 * files and the chain's member set decides which key is in force.
 *
 * A hosted member's key folder (DIR/hosted/<org>/, docs/decisions/0001-hosted-departments.md) holds the same three
 * files and rotates the same way: one KeyRing per hosted member, switched by hosted-keys.ts.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, signerFromJwk, type Ed25519Jwk, type Genesis, type Org, type Signer } from '@machi/core';
import { KEY_FILE, RETIRED_KEYS_FILE, readJsonFile, retiredKeys, writeKeyFile } from './datadir.js';

// where they live since hosted members' key folders use them too (datadir.ts); kept importable from here
export { RETIRED_KEYS_FILE, retiredKeys };

/** The pending key of a rotation, until it takes effect. */
export const NEXT_KEY_FILE = 'org-key.next.json';

/**
 * The pending key of the key folder DIR, made if there is none (mode 600), before anything is submitted: the key
 * exists before the chain can name it, and an attempt run again (a refused proposal) proposes the same key.
 */
export function pendingKeyOrNew(dir: string): Signer {
  const pending = readPendingKey(dir);
  if (pending !== undefined) return pending;
  writeKeyFile(join(dir, NEXT_KEY_FILE), generateKeyPair().jwk);
  return readPendingKey(dir)!;
}

/** The pending key in DIR, if any. */
export function readPendingKey(dir: string): Signer | undefined {
  const path = join(dir, NEXT_KEY_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return signerFromJwk(readJsonFile(path, 'pending org key') as Ed25519Jwk);
  } catch (e) {
    throw new Error(`pending org key ${path} is not an Ed25519 JWK (${(e as Error).message})`);
  }
}


/**
 * DIR's organisation in the genesis, found by its current key or a retired one; `rotated` when the current key is not
 * the genesis one (the node then names its organisation to MachiNode: `orgId`).
 */
export function genesisOrgOf(genesis: Genesis, dir: string, current: string): { org: Org; rotated: boolean } | undefined {
  const keys = [current, ...retiredKeys(dir)];
  const org = genesis.orgs.find((o) => keys.includes(o.publicKey));
  return org === undefined ? undefined : { org, rotated: org.publicKey !== current };
}

/** Writes `text` to `path` through a temporary file and a rename: a crash leaves the old file or the new one. */
function replaceFile(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

/**
 * The pending key has taken effect: the current public key goes to the retired list, then the pending file replaces
 * `org-key.json` (one rename). A crash in between leaves both files, and the next start promotes again.
 */
export function promotePendingKey(dir: string, current: string): void {
  const retired = retiredKeys(dir);
  if (!retired.includes(current)) replaceFile(join(dir, RETIRED_KEYS_FILE), `${JSON.stringify([...retired, current], null, 2)}\n`, 0o644);
  renameSync(join(dir, NEXT_KEY_FILE), join(dir, KEY_FILE));
}

/**
 * The signer a node hands to consensus, its peer links and its modules: the key in force for its organisation.
 * `publicKey` and `sign` follow `use`; a pending key in the data directory is read when the chain asks for it.
 */
export class KeyRing implements Signer {
  readonly #dir: string | undefined;
  readonly #signers = new Map<string, Signer>();
  #current: string;

  constructor(current: Signer, dir?: string) {
    this.#dir = dir;
    this.#signers.set(current.publicKey, current);
    this.#current = current.publicKey;
  }

  get publicKey(): string {
    return this.#current;
  }

  readonly sign = (message: Uint8Array): string => this.#signers.get(this.#current)!.sign(message);

  /** Whether the ring holds the private key of `publicKey`: the current one, or the data directory's pending one. */
  holds(publicKey: string): boolean {
    if (this.#signers.has(publicKey)) return true;
    if (this.#dir === undefined) return false;
    const pending = readPendingKey(this.#dir);
    if (pending?.publicKey !== publicKey) return false;
    this.#signers.set(publicKey, pending);
    return true;
  }

  /** Signs with `publicKey` from now on (held: see `holds`); the data directory's files follow. True if it changed. */
  use(publicKey: string): boolean {
    if (publicKey === this.#current) return false;
    if (!this.holds(publicKey)) throw new Error(`the key ${publicKey.slice(0, 8)}… is not held by this node`);
    const previous = this.#current;
    this.#current = publicKey;
    if (this.#dir !== undefined && readPendingKey(this.#dir)?.publicKey === publicKey) promotePendingKey(this.#dir, previous);
    // the old private key is dropped: the chain refuses its signatures from now on
    this.#signers.delete(previous);
    return true;
  }
}
