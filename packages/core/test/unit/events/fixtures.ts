/**
 * Fixtures for the events tests: a chain with a street office (command centre, grid owner) and departments under the
 * ids the catalogue's default directory uses, a grid, id makers, valid payloads, and `apply`, which runs a handler the
 * way executeBlock does (schema first; a rejected transaction leaves no writes).
 */
import {
  canonicalJson,
  createRegistry,
  type EventActorInfo,
  type EventAction,
  type EventReportPayload,
  type GridDefinePayload,
  type HandlerContext,
  type Org,
  type SignedTx,
  type TxType,
} from '../../../src/index.js';
import { MemState, T0, hex32, hex64 } from '../privacy/fixtures.js';
import { machiError } from '../helpers.js';
import { expect } from 'vitest';

export { MemState, T0, hex32, hex64 };

export const MIN_MS = 60 * 1000;
export const HOUR_MS = 60 * MIN_MS;
export const DAY_MS = 24 * HOUR_MS;

const org = (id: string): Org => ({ id, name: `Org ${id}`, publicKey: `key-${id}`, power: 1 });
export const STREET = org('street-office');
export const POLICE = org('police');
export const URBAN = org('urban-management');
export const PROPERTY = org('property-company');
export const WATER = org('water-company');
export const COMP = org('comprehensive-management');
export const JUDICIARY = org('judiciary');
export const CIVIL = org('civil-affairs');
/** an organisation of the chain that stands for no department */
export const AUDITOR = org('auditor');
export const ORGS: readonly Org[] = [STREET, POLICE, URBAN, PROPERTY, WATER, COMP, JUDICIARY, CIVIL, AUDITOR];
export const ORGS_BY_ID: ReadonlyMap<string, Org> = new Map(ORGS.map((o) => [o.id, o]));

export const ev = (label: string): string => `ev_${hex32(`event ${label}`)}`;
export const actor = (label: string): string => hex32(`actor ${label}`);
export const household = (label: string): string => hex64(`household ${label}`);

export const GRID = 'g-east-1';
export const GRID_WORKER = actor('grid worker liu'); // 网格员 of GRID (street office)
export const OTHER_WORKER = actor('grid worker ma'); // not of GRID
export const RESIDENT = actor('resident alice'); // reports through the property company
export const COMMANDER = actor('commander zhou'); // command centre (street office)
export const OFFICER = actor('officer xu'); // police
export const INSPECTOR = actor('inspector gao'); // urban management
export const CLERK = actor('clerk'); // any other department's staff member
export const EV = ev('1');

export const gridPayload = (over: Partial<GridDefinePayload> = {}): GridDefinePayload => ({
  grid: GRID,
  buildings: [
    { building: 'b1', households: 4 },
    { building: 'b2', households: 6 },
  ],
  workers: [GRID_WORKER],
  by: COMMANDER,
  ...over,
});

export function reportPayload(over: Partial<EventReportPayload> = {}): EventReportPayload {
  return {
    event: EV,
    category: 'safety-hazard',
    severity: 'serious',
    grid: GRID,
    location: { kind: 'building', code: 'b1' },
    descriptionHash: hex64('fire escape blocked by bicycles'),
    photoHashes: [hex64('photo 1')],
    reporter: GRID_WORKER,
    reporterKind: 'grid-worker',
    centre: STREET.id,
    observedAt: T0 - 10 * MIN_MS,
    ...over,
  };
}

export function ctxOf(state: MemState, signer: Org, time: number, txHash: string): HandlerContext {
  return { state, height: 1, time, txHash, seq: 1, org: signer, orgsById: ORGS_BY_ID, tx: {} as SignedTx };
}

const registry = createRegistry();

export const txHashOf = (type: string, signer: Org, payload: unknown, time: number): string => hex64(canonicalJson({ type, signer: signer.id, payload, time }));

/** Checks the payload against its registered schema (throws TX_PAYLOAD_INVALID). */
export const checkSchema = (type: string, payload: unknown): void => registry.get(type)!.checkPayload(payload);

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
export function rejected<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0 + HOUR_MS): string {
  const before = new Map(state.map);
  const e = machiError(() => apply(type, state, signer, payload, time));
  expect(e.code).toBe('HANDLER_REJECTED');
  expect(state.map).toEqual(before);
  return e.message;
}

/** Every action's actor in the fixtures' story (who the transition table allows, with roles). */
export const ACTOR_FOR: Record<EventAction, EventActorInfo> = {
  report: { actor: GRID_WORKER, role: 'grid-worker', org: STREET.id },
  triage: { actor: COMMANDER, role: 'official', org: STREET.id },
  dispatch: { actor: COMMANDER, role: 'official', org: STREET.id },
  acknowledge: { actor: OFFICER, role: 'official', org: POLICE.id },
  accept: { actor: OFFICER, role: 'official', org: POLICE.id },
  handle: { actor: OFFICER, role: 'official', org: POLICE.id },
  request_help: { actor: OFFICER, role: 'official', org: POLICE.id },
  flag: { actor: OFFICER, role: 'official', org: POLICE.id },
  answer_flag: { actor: INSPECTOR, role: 'official', org: URBAN.id },
  close: { actor: COMMANDER, role: 'official', org: STREET.id },
  send_back: { actor: COMMANDER, role: 'official', org: STREET.id },
  escalate: { actor: COMMANDER, role: 'official', org: STREET.id },
  rate: { actor: GRID_WORKER, role: 'grid-worker', org: STREET.id },
};
