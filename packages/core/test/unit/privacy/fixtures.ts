/**
 * Fixtures for the privacy tests: an in-memory state that stores canonical JSON text (as the node does) and offers the
 * handlers' StateAccess and the queries' reader and prefix scan; handler contexts for a few genesis orgs; id makers.
 */
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  createRegistry,
  type GrantPayload,
  type HandlerContext,
  type Org,
  type SignedTx,
  type StateAccess,
  type StateRead,
  type StateScan,
  type TxType,
} from '../../../src/index.js';

export const hex32 = (label: string): string => createHash('sha256').update(label).digest('hex').slice(0, 32);
export const hex64 = (label: string): string => createHash('sha256').update(label).digest('hex');
export const sub = (label: string): string => `sub_${hex32(`subject ${label}`)}`;
export const gr = (label: string): string => `gr_${hex32(`grant ${label}`)}`;
export const acc = (label: string): string => `acc_${hex32(`access ${label}`)}`;
export const actor = (label: string): string => hex32(`actor ${label}`);

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
/** 2025-01-06 10:00 in UTC+8 (02:00 UTC): inside working hours. */
export const T0 = Date.UTC(2025, 0, 6, 2, 0, 0);

const org = (id: string): Org => ({ id, name: `Org ${id}`, publicKey: `key-${id}`, power: 1 });
export const HOUSING = org('housing'); // the property company: holds residents' data
export const POWER = org('power-co');
export const STREET = org('street-office');
export const AUDIT = org('audit-office');
export const ORGS: readonly Org[] = [HOUSING, POWER, STREET, AUDIT];
export const ORGS_BY_ID: ReadonlyMap<string, Org> = new Map(ORGS.map((o) => [o.id, o]));

export class MemState implements StateAccess {
  readonly map = new Map<string, string>();
  /** every set/delete, in order (for determinism checks) */
  readonly log: [string, string | null][] = [];
  get(key: string): unknown {
    const v = this.map.get(key);
    return v === undefined ? undefined : JSON.parse(v);
  }
  set(key: string, value: unknown): void {
    const text = canonicalJson(value);
    this.map.set(key, text);
    this.log.push([key, text]);
  }
  delete(key: string): void {
    this.map.delete(key);
    this.log.push([key, null]);
  }
  readonly read: StateRead = (key) => this.map.get(key);
  readonly scan: StateScan = (prefix, limit) =>
    [...this.map.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit);
  keys(prefix = ''): string[] {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** A handler context; the tx hash stands for the transaction (derived from what it carries, so runs repeat). */
export function ctxOf(state: StateAccess, signer: Org, time = T0, height = 1, txHash = hex64(`tx ${signer.id} ${time}`)): HandlerContext {
  return { state, height, time, txHash, seq: height, org: signer, orgsById: ORGS_BY_ID, tx: {} as SignedTx };
}

/**
 * Runs a handler the way executeBlock does: the payload is checked against the schema first, and a rejected
 * transaction leaves no writes (here: the handler runs on a copy that is kept only on success).
 */
const registry = createRegistry();

export function apply<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0, height = 1): void {
  applyChecked(registry, type, state, signer, payload, time, height);
}

/** `apply` on a chain with `rules` (schemas of that chain's registry). */
export const applyOn = (rules: Record<string, number>) => {
  const r = createRegistry({ rules });
  return <P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0, height = 1): void => applyChecked(r, type, state, signer, payload, time, height);
};

function applyChecked<P>(registry: ReturnType<typeof createRegistry>, type: TxType<P>, state: MemState, signer: Org, payload: P, time: number, height: number): void {
  registry.get(type.type)!.checkPayload(payload);
  const copy = new MemState();
  for (const [k, v] of state.map) copy.map.set(k, v);
  type.handle(ctxOf(copy, signer, time, height, hex64(canonicalJson({ type: type.type, signer: signer.id, payload, time }))), payload);
  for (const [k, v] of copy.log) {
    if (v === null) state.map.delete(k);
    else state.map.set(k, v);
    state.log.push([k, v]);
  }
}

export function grantPayload(over: Partial<GrantPayload> = {}): GrantPayload {
  return {
    grant: gr('g1'),
    subjects: [sub('alice')],
    classes: ['contact', 'address'],
    toOrg: POWER.id,
    toRole: 'grid-worker',
    purpose: 'alarm-response',
    from: T0 - DAY_MS,
    until: T0 + DAY_MS,
    actor: actor('housing admin'),
    ...over,
  };
}
