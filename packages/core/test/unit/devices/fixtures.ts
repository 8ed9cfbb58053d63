/**
 * Fixtures for the devices tests: a chain with a property company, a lift maintenance company, a second one, a fire
 * brigade and a gas company; registered devices; `apply` (schema first, then the handler; a rejected transaction
 * leaves no writes) and `rejected`.
 */
import { expect } from 'vitest';
import {
  canonicalJson,
  createRegistry,
  repairCreate,
  type DeviceRegisterPayload,
  type HandlerContext,
  type Org,
  type SignedTx,
  type TxType,
} from '../../../src/index.js';
import { MemState, T0, hex32, hex64 } from '../privacy/fixtures.js';
import { machiError } from '../helpers.js';

export { MemState, T0, hex32, hex64 };

export const MIN_MS = 60 * 1000;

const org = (id: string): Org => ({ id, name: `Org ${id}`, publicKey: `key-${id}`, power: 1 });
export const PROPERTY = org('property-company');
export const LIFT = org('lift-maintenance');
export const LIFT2 = org('lift-maintenance-2');
export const FIRE = org('fire-brigade');
export const GAS = org('gas-company');
export const OTHER = org('other-property');
export const ORGS: readonly Org[] = [PROPERTY, LIFT, LIFT2, FIRE, GAS, OTHER];
export const ORGS_BY_ID: ReadonlyMap<string, Org> = new Map(ORGS.map((o) => [o.id, o]));

export const actor = (label: string): string => hex32(`actor ${label}`);
export const al = (label: string): string => `al_${hex32(`alarm ${label}`)}`;
export const rq = (label: string): string => `rq_${hex32(`request ${label}`)}`;
export const STAFF = actor('li staff');
export const NODE = actor('devices ingest');
export const LIFT_TECH = actor('lift tech');
export const LEADER = actor('leader');

export function registerPayload(device: string, cls: DeviceRegisterPayload['class'], over: Partial<DeviceRegisterPayload> = {}): DeviceRegisterPayload {
  return { device, class: cls, location: { kind: 'building', code: 'b1' }, credential: { kind: 'secret', hash: hex64(`secret ${device}`) }, signedMessages: false, by: STAFF, ...over };
}

export function ctxOf(state: MemState, signer: Org, time: number, txHash: string): HandlerContext {
  return { state, height: 1, time, txHash, seq: 1, org: signer, orgsById: ORGS_BY_ID, tx: {} as SignedTx };
}

const registry = createRegistry();
export const checkSchema = (type: string, payload: unknown): void => registry.get(type)!.checkPayload(payload);
const txHashOf = (type: string, signer: Org, payload: unknown, time: number): string => hex64(canonicalJson({ type, signer: signer.id, payload, time }));

export function apply<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0): void {
  checkSchema(type.type, payload);
  const copy = new MemState();
  for (const [k, v] of state.map) copy.map.set(k, v);
  type.handle(ctxOf(copy, signer, time, txHashOf(type.type, signer, payload, time)), payload);
  for (const [k, v] of copy.log) {
    if (v === null) state.map.delete(k);
    else state.map.set(k, v);
    state.log.push([k, v]);
  }
}

/** Runs a handler that must reject; checks the code and that nothing was written. Returns the reason. */
export function rejected<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0): string {
  const before = new Map(state.map);
  const e = machiError(() => apply(type, state, signer, payload, time));
  expect(e.code).toBe('HANDLER_REJECTED');
  expect(state.map).toEqual(before);
  return e.message;
}

/** A work order of `signer` in the state, as repair.create writes it. */
export function workOrder(state: MemState, signer: Org, request: string, time = T0): void {
  apply(repairCreate, state, signer, {
    request, category: 'burst-pipe', priority: 'urgent', location: { kind: 'common', building: 'b1' }, descriptionHash: hex64(`wo ${request}`), photoHashes: [], reporter: NODE,
  }, time);
}
