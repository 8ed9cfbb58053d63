/**
 * The keys of the member organisations a node hosts (docs/decisions/0001-hosted-departments.md), across their key
 * rotations (docs/spec/membership.md#hosted-members-keys): one KeyRing per hosted member over its key folder
 * DIR/hosted/<org>/ (org-key.json, org-key.next.json, retired-keys.json — the files of keys.ts), loaded once and
 * shared by every module that signs for the member, so that all of them switch together.
 *
 * The chain decides which key is in force, as for the node's own key: after every commit (and at start) each ring
 * takes the key the member set of the next height names for its organisation, if it holds it — the folder's pending
 * key, which `machi key rotate --member <org>` made — and the files are promoted. Until then the old key signs; a
 * restart before or after the switch reads the same files and follows the chain.
 */
import type { Signer } from '@machi/core';
import { hostedKeyDir, loadHostedSigners } from './datadir.js';
import { KeyRing } from './keys.js';
import type { MachiNode } from './node.js';
import type { StoredBlock } from '../storage/store.js';

export class HostedKeys {
  readonly #node: MachiNode;
  readonly #rings = new Map<string, KeyRing>();
  readonly #log: (line: string) => void;
  /** members whose key in force this node does not hold, already logged (once per key) */
  readonly #missing = new Map<string, string>();
  readonly #onBlock = (_b: StoredBlock): void => this.follow();

  /** Loads DIR's hosted members' keys (checked against the genesis: loadHostedSigners), then follows the chain. */
  constructor(node: MachiNode, dir: string, log: (line: string) => void = () => {}) {
    this.#node = node;
    this.#log = log;
    for (const [org, signer] of loadHostedSigners(dir, node.genesis)) this.#rings.set(org, new KeyRing(signer, hostedKeyDir(dir, org)));
    // a rotation that took effect while the node was down (or a crash between promoting the files)
    this.follow();
    if (this.#rings.size > 0) node.on('block', this.#onBlock);
  }

  /** The hosted members' signers, by organisation: each signs with the member's key in force. */
  get signers(): ReadonlyMap<string, Signer> {
    return this.#rings;
  }

  /** Each ring to the key the member set of the next height names for its organisation, where it holds it. */
  follow(): void {
    for (const [org, ring] of this.#rings) {
      const inForce = this.#memberKey(org);
      if (inForce === undefined || inForce === ring.publicKey) continue;
      if (ring.holds(inForce)) {
        ring.use(inForce);
        this.#missing.delete(org);
        this.#log(`key rotation: hosted member ${org} signs with its new key ${inForce.slice(0, 8)}… from height ${this.#node.head.height + 1}; the old key is retired`);
      } else if (this.#missing.get(org) !== inForce) {
        this.#missing.set(org, inForce);
        this.#log(`key rotation: the member set names ${inForce.slice(0, 8)}… for hosted member ${org}, a key this node does not hold (hosted/${org}/org-key.json or org-key.next.json): its transactions signed here are refused`);
      }
    }
  }

  #memberKey(org: string): string | undefined {
    for (const o of this.#node.orgs.values()) if (o.id === org) return o.publicKey;
    return undefined;
  }

  close(): void {
    this.#node.off('block', this.#onBlock);
  }
}
