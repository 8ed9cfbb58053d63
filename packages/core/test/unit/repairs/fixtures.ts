/**
 * Fixtures for the repairs tests: the privacy tests' in-memory state (canonical JSON text, StateAccess plus the
 * queries' reader and scan), a property company and a contractor, id makers, valid payloads, and `apply`, which runs a
 * handler the way executeBlock does (schema first; a rejected transaction leaves no writes).
 */
import {
  canonicalJson,
  createRegistry,
  type ActorInfo,
  type HandlerContext,
  type Org,
  type RepairAction,
  type RepairAssignPayload,
  type RepairCreatePayload,
  type RequestRecord,
  type SignedTx,
  type TxType,
} from '../../../src/index.js';
import { MemState, T0, hex32, hex64 } from '../privacy/fixtures.js';

export { MemState, T0, hex32, hex64 };

export const HOUR_MS = 60 * 60 * 1000;

const org = (id: string): Org => ({ id, name: `Org ${id}`, publicKey: `key-${id}`, power: 1 });
/** the property company: residents report through it, its dispatchers assign */
export const HOUSING = org('housing');
/** a contractor whose workers do some of the jobs */
export const FIXIT = org('fixit');
export const STREET = org('street-office');
export const ORGS: readonly Org[] = [HOUSING, FIXIT, STREET];
export const ORGS_BY_ID: ReadonlyMap<string, Org> = new Map(ORGS.map((o) => [o.id, o]));

export const rq = (label: string): string => `rq_${hex32(`request ${label}`)}`;
export const actor = (label: string): string => hex32(`actor ${label}`);
export const sub = (label: string): string => `sub_${hex32(`subject ${label}`)}`;

export const ALICE = actor('alice'); // resident, reporter
export const BOB = actor('bob'); // another resident
export const DISPATCHER = actor('dispatcher');
export const WANG = actor('worker wang'); // a FIXIT worker
export const LI = actor('worker li'); // another FIXIT worker
export const RQ = rq('1');

export function createPayload(over: Partial<RepairCreatePayload> = {}): RepairCreatePayload {
  return {
    request: RQ,
    category: 'burst-pipe',
    priority: 'urgent',
    location: { kind: 'home', building: 'b12' },
    descriptionHash: hex64('water everywhere'),
    photoHashes: [hex64('photo 1')],
    reporter: ALICE,
    subject: sub('alice'),
    ...over,
  };
}

export function assignPayload(over: Partial<RepairAssignPayload> = {}): RepairAssignPayload {
  return { request: RQ, worker: WANG, workerOrg: FIXIT.id, by: DISPATCHER, ...over };
}

export function ctxOf(state: MemState, signer: Org, time: number, txHash: string): HandlerContext {
  return { state, height: 1, time, txHash, seq: 1, org: signer, orgsById: ORGS_BY_ID, tx: {} as SignedTx };
}

const registry = createRegistry();

/** The tx hash `apply` uses: derived from what the transaction carries, so runs repeat. */
export const txHashOf = (type: string, signer: Org, payload: unknown, time: number): string => hex64(canonicalJson({ type, signer: signer.id, payload, time }));

export function apply<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0): void {
  registry.get(type.type)!.checkPayload(payload);
  const copy = new MemState();
  for (const [k, v] of state.map) copy.map.set(k, v);
  type.handle(ctxOf(copy, signer, time, txHashOf(type.type, signer, payload, time)), payload);
  for (const [k, v] of copy.log) {
    if (v === null) state.map.delete(k);
    else state.map.set(k, v);
    state.log.push([k, v]);
  }
}

/** A request record in `status` (as the handlers would write it, minus the steps that led there). */
export function recordIn(status: RequestRecord['status'], over: Partial<RequestRecord> = {}): RequestRecord {
  const assigned = !['received', 'cancelled'].includes(status);
  return {
    request: RQ,
    status,
    category: 'burst-pipe',
    priority: 'urgent',
    location: { kind: 'home', building: 'b12' },
    descriptionHash: hex64('water everywhere'),
    reporter: ALICE,
    org: HOUSING.id,
    ...(assigned ? { worker: WANG, workerOrg: FIXIT.id } : {}),
    createdAt: T0,
    slaDueAt: T0 + 2 * HOUR_MS,
    steps: [{ action: 'create', at: T0, actor: ALICE, txHash: hex64('create') }],
    followers: [],
    escalation: null,
    ...over,
  };
}

/** Every action's actor in the fixtures' story (who the transition table allows). */
export const ACTOR_FOR: Record<RepairAction, ActorInfo> = {
  create: { actor: ALICE, role: 'resident', org: HOUSING.id },
  assign: { actor: DISPATCHER, role: 'dispatcher', org: HOUSING.id },
  accept: { actor: WANG, role: 'maintenance-worker', org: FIXIT.id },
  arrive: { actor: WANG, role: 'maintenance-worker', org: FIXIT.id },
  diagnose: { actor: WANG, role: 'maintenance-worker', org: FIXIT.id },
  start: { actor: WANG, role: 'maintenance-worker', org: FIXIT.id },
  finish: { actor: WANG, role: 'maintenance-worker', org: FIXIT.id },
  confirm: { actor: ALICE, role: 'resident', org: HOUSING.id },
  reopen: { actor: ALICE, role: 'resident', org: HOUSING.id },
  cancel: { actor: ALICE, role: 'resident', org: HOUSING.id },
  follow: { actor: BOB, role: 'resident', org: HOUSING.id },
  escalate: { actor: DISPATCHER, role: 'dispatcher', org: HOUSING.id },
};
