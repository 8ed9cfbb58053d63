/**
 * The address register on a node: the core's pure checks first (with the caller's role: 404 / 409 / 403, nothing
 * signed), then `address.*` signed with this node's organisation's key (the defining organisation is the signer),
 * and the answer waits for the commit. docs/spec/addresses.md#api
 */
import { randomBytes } from 'node:crypto';
import {
  MachiError,
  signTx,
  type Signer,
  addressErrorCode,
  addressRecord,
  checkAddressChange,
  checkAddressPayload,
  checkAddressRegister,
  checkAddressRetire,
  listAddresses,
  type AddressActResult,
  type AddressCheck,
  type AddressListQuery,
  type AddressRecord,
  type AddressRegisterBody,
  type AddressUpdateBody,
  type AddressView,
} from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';

const must = (c: AddressCheck): void => {
  if (!c.ok) throw new MachiError(addressErrorCode(c.status), c.reason);
};

export class AddressesService {
  readonly node: MachiNode;
  readonly #submitter: OrgSubmitter;
  /** one change at a time per code (two registrations of one code: the second is refused before signing) */
  #queue: Promise<unknown> = Promise.resolve();

  readonly #signer: Signer | undefined;

  constructor(node: MachiNode, submitter: OrgSubmitter, signer?: Signer) {
    this.node = node;
    this.#submitter = submitter;
    this.#signer = signer;
  }

  read = (key: string): string | undefined => this.node.store.read(key);
  scan = (prefix: string, limit: number): [string, string][] => this.node.store.scan(prefix, limit);

  view(r: AddressRecord): AddressView {
    return { ...r, orgName: this.node.genesis.orgs.find((o) => o.id === r.org)?.name ?? r.org };
  }

  list(q: AddressListQuery = {}): AddressView[] {
    return listAddresses(this.read, this.scan, q).map((r) => this.view(r));
  }

  get(code: string): AddressView {
    const r = addressRecord(this.read, code);
    if (r === undefined) throw new MachiError('ADDRESS_NOT_FOUND', `no address ${code} in the register`);
    return this.view(r);
  }

  #acting(p: Principal): { org: string; role: string } {
    if (p.org !== this.node.self.id) throw new MachiError('ADDRESS_FORBIDDEN', `this node signs the register for ${this.node.self.id}, not ${p.org}`);
    return { org: p.org, role: p.role };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #commit(type: string, code: string, payload: Record<string, unknown>): Promise<AddressActResult> {
    const r = await this.#submitter.submit(type, payload);
    if (r.code !== undefined) throw new MachiError('HANDLER_REJECTED', `${r.message ?? r.code} (recorded with no effect in tx ${r.hash})`);
    return { address: this.get(code), txHash: r.hash, height: r.height! };
  }

  register(p: Principal, b: AddressRegisterBody): Promise<AddressActResult> {
    return this.#serial(async () => {
      const a = this.#acting(p);
      const invalid = checkAddressPayload(b);
      if (invalid !== null) throw new MachiError('REQUEST_INVALID', invalid);
      const parent = b.parent === undefined ? undefined : addressRecord(this.read, b.parent);
      must(checkAddressRegister(addressRecord(this.read, b.code), parent, b, a));
      return this.#commit('address.register', b.code, { ...b, ...(b.position === undefined ? {} : { position: { ...b.position } }), by: p.actor });
    });
  }

  /**
   * Registers several buildings at once: checked one by one, then signed and submitted together so that they are
   * proposed in one block — the register goes from empty to all of them in one step, and a repairs node never serves
   * a half-filled register (the demo seed). Without the organisation's signer (tests), one after the other.
   */
  registerBuildings(p: Principal, bodies: readonly AddressRegisterBody[]): Promise<number> {
    return this.#serial(async () => {
      const a = this.#acting(p);
      const todo = bodies.filter((b) => addressRecord(this.read, b.code) === undefined);
      for (const b of todo) {
        if (b.kind !== 'building') throw new MachiError('REQUEST_INVALID', `${b.code} is not a building`);
        must(checkAddressRegister(undefined, undefined, b, a));
      }
      const payloads = todo.map((b) => ({ ...b, ...(b.position === undefined ? {} : { position: { ...b.position } }), by: p.actor }));
      if (this.#signer === undefined) {
        for (const payload of payloads) await this.#commit('address.register', payload.code, payload);
        return todo.length;
      }
      const signer = this.#signer;
      const txs = payloads.map((payload) => signTx({
        chainId: this.node.genesis.chainId, type: 'address.register', payload, signer: signer.publicKey, nonce: randomBytes(16).toString('hex'), time: this.node.clock(),
      }, signer.sign));
      const outcomes = await this.node.submit(txs);
      for (const o of outcomes) {
        if (!o.ok) throw new MachiError(o.code, o.message);
        const r = await this.node.waitCommitted(o.hash, 15_000);
        if (r.code !== undefined) throw new MachiError('HANDLER_REJECTED', `${r.message ?? r.code} (recorded with no effect in tx ${r.hash})`);
      }
      return todo.length;
    });
  }

  update(p: Principal, code: string, b: AddressUpdateBody): Promise<AddressActResult> {
    return this.#serial(async () => {
      must(checkAddressChange(addressRecord(this.read, code), code, this.#acting(p)));
      return this.#commit('address.update', code, { code, ...b, by: p.actor });
    });
  }

  retire(p: Principal, code: string): Promise<AddressActResult> {
    return this.#serial(async () => {
      must(checkAddressRetire(addressRecord(this.read, code), code, this.#acting(p)));
      return this.#commit('address.retire', code, { code, by: p.actor });
    });
  }
}
