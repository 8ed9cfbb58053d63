/** The provenance module's deterministic handlers: state in, writes out; no clock, no I/O. docs/spec/provenance.md */
import { MachiError } from '../../errors.js';
import type { HandlerContext, TxType } from '../../state/registry.js';
import { isValidGtin } from './gs1.js';
import {
  CAPTURE_CLOCK_SKEW_MS_MAX, PRESERVED_CUSTODY_STEPS_MAX, PRESERVED_PER_HASH_MAX, TRACE_EVENTS_PER_ITEM_MAX, WORK_GRANTS_MAX,
  custodySchema, itemKey, preserveSchema, preservedByHashKey, preservedKey, traceEventSchema, workKey, workLicenceSchema,
  workRegisterSchema, workTransferSchema,
  type CustodyPayload, type Holder, type PreservePayload, type PreservedRecord, type TraceEventPayload, type TracedItem,
  type WorkLicencePayload, type WorkRecord, type WorkRegisterPayload, type WorkTransferPayload,
} from './types.js';

const reject = (why: string): never => {
  throw new MachiError('HANDLER_REJECTED', why);
};
const sameHolder = (a: Holder, b: Holder): boolean => a.org === b.org && a.actor === b.actor;
const stamp = (ctx: HandlerContext) => ({ txHash: ctx.txHash, height: ctx.height, time: ctx.time });

function knownOrg(ctx: HandlerContext, org: string): void {
  if (!ctx.orgsById.has(org)) reject(`${org} is not an organisation of this chain`);
}

export const preserve: TxType<PreservePayload> = {
  type: 'provenance.preserve',
  schema: preserveSchema,
  handle(ctx, p) {
    if (ctx.state.get(preservedKey(p.record)) !== undefined) reject(`preserved record ${p.record} exists`);
    // provenance at capture: data cannot be chained before it was captured
    if (p.capture.capturedAt > ctx.time + CAPTURE_CLOCK_SKEW_MS_MAX) reject('capturedAt is after the block time');
    const byHash = (ctx.state.get(preservedByHashKey(p.hash)) as string[] | undefined) ?? [];
    if (byHash.length >= PRESERVED_PER_HASH_MAX) reject(`hash ${p.hash} is preserved ${PRESERVED_PER_HASH_MAX} times already`);
    const r: PreservedRecord = { ...p, org: ctx.org.id, ...stamp(ctx), holder: { org: ctx.org.id, actor: p.capture.by }, custody: [] };
    ctx.state.set(preservedKey(p.record), r);
    ctx.state.set(preservedByHashKey(p.hash), [...byHash, p.record]);
  },
};

export const custody: TxType<CustodyPayload> = {
  type: 'provenance.custody',
  schema: custodySchema,
  handle(ctx, p) {
    const r = ctx.state.get(preservedKey(p.record)) as PreservedRecord | undefined;
    if (r === undefined) return reject(`no preserved record ${p.record}`);
    // a handover is signed by the organisation of the one who hands over, who must hold the record
    if (!sameHolder(r.holder, p.from) || p.from.org !== ctx.org.id) reject('only the current holder hands a record over');
    if (sameHolder(p.from, p.to)) reject('a handover to oneself');
    knownOrg(ctx, p.to.org);
    if (r.custody.length >= PRESERVED_CUSTODY_STEPS_MAX) reject(`the record has ${PRESERVED_CUSTODY_STEPS_MAX} custody steps`);
    r.custody.push({ ...p, ...stamp(ctx) });
    r.holder = p.to;
    ctx.state.set(preservedKey(p.record), r);
  },
};

export const workRegister: TxType<WorkRegisterPayload> = {
  type: 'provenance.work.register',
  schema: workRegisterSchema,
  handle(ctx, p) {
    if (ctx.state.get(workKey(p.hash)) !== undefined) reject(`work ${p.hash} is registered already`);
    if (p.owner.org !== ctx.org.id) reject('the owner registers through their own organisation');
    const w: WorkRecord = { hash: p.hash, title: p.title, authors: p.authors, licence: p.licence, owner: p.owner, steps: [{ kind: 'register', payload: p, org: ctx.org.id, ...stamp(ctx) }] };
    ctx.state.set(workKey(p.hash), w);
  },
};

function ownedWork(ctx: HandlerContext, hash: string, by: Holder): WorkRecord {
  const w = ctx.state.get(workKey(hash)) as WorkRecord | undefined;
  if (w === undefined) return reject(`no work ${hash}`);
  if (!sameHolder(w.owner, by) || by.org !== ctx.org.id) reject('only the owner transfers or licenses a work');
  if (w.steps.length >= WORK_GRANTS_MAX) reject(`the work has ${WORK_GRANTS_MAX} steps`);
  return w;
}

export const workTransfer: TxType<WorkTransferPayload> = {
  type: 'provenance.work.transfer',
  schema: workTransferSchema,
  handle(ctx, p) {
    const w = ownedWork(ctx, p.hash, p.from);
    knownOrg(ctx, p.to.org);
    if (sameHolder(p.from, p.to)) reject('a transfer to oneself');
    w.owner = p.to;
    w.steps.push({ kind: 'transfer', payload: p, org: ctx.org.id, ...stamp(ctx) });
    ctx.state.set(workKey(p.hash), w);
  },
};

export const workLicence: TxType<WorkLicencePayload> = {
  type: 'provenance.work.licence',
  schema: workLicenceSchema,
  handle(ctx, p) {
    const w = ownedWork(ctx, p.hash, p.by);
    knownOrg(ctx, p.licensee.org);
    if (p.until !== undefined && p.until <= ctx.time) reject('the grant ends before it starts');
    w.steps.push({ kind: 'licence', payload: p, org: ctx.org.id, ...stamp(ctx) });
    ctx.state.set(workKey(p.hash), w);
  },
};

/**
 * Why a lifecycle event may not be recorded on `item` (undefined: it may): the handler's rule, also run by the node
 * before it submits so that a refused capture leaves nothing on the ledger.
 */
export function traceEventRefusal(item: TracedItem | undefined, p: TraceEventPayload): string | undefined {
  if (!isValidGtin(p.gtin)) return `GTIN ${p.gtin} has a wrong check digit`;
  const events = item?.events ?? [];
  if (events.length >= TRACE_EVENTS_PER_ITEM_MAX) return `the item has ${TRACE_EVENTS_PER_ITEM_MAX} events`;
  const same = events.filter((e) => e.eventId === p.eventId);
  if (p.errorDeclaration === undefined) {
    if (same.length > 0) return `event ${p.eventId} is recorded already`;
    if (events.length === 0 && p.step !== 'commissioned') return 'an item\'s first event is its commissioning';
    return undefined;
  }
  // a correction names the event it declares erroneous (same eventID), and is itself a new ledger step
  if (same.length === 0) return `no event ${p.eventId} to declare erroneous`;
  if (same.some((e) => e.errorDeclaration !== undefined)) return `event ${p.eventId} is declared erroneous already`;
  return undefined;
}

export const traceEvent: TxType<TraceEventPayload> = {
  type: 'provenance.trace.event',
  schema: traceEventSchema,
  handle(ctx, p) {
    const key = itemKey(p.gtin, p.serial);
    const found = ctx.state.get(key) as TracedItem | undefined;
    const refusal = traceEventRefusal(found, p);
    if (refusal !== undefined) reject(refusal);
    const item = found ?? { gtin: p.gtin, serial: p.serial, events: [] };
    if (p.batch !== undefined) item.batch = p.batch;
    if (p.expiry !== undefined) item.expiry = p.expiry;
    item.events.push({ ...p, org: ctx.org.id, ...stamp(ctx) });
    ctx.state.set(key, item);
  },
};

export const provenanceTypes = [preserve, custody, workRegister, workTransfer, workLicence, traceEvent] as const;
