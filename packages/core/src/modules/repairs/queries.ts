/**
 * Pure queries over the repairs state, through a key reader and a prefix scan (the node's state store provides both;
 * values are canonical JSON text, as stored), and pure helpers over one request record.
 */
import { parseState as parse, type StateRead, type StateScan } from '../../foundation/state.js';
import { isSlaStatus, type RepairCategory, type RepairStatus } from './catalogue.js';
import { nextStatus } from './transitions.js';
import { OPEN_PREFIX, REPAIRS_QUERY_ITEMS_MAX, openBuildingPrefix, requestKey, type RepairStep, type RequestRecord } from './types.js';


export function requestRecord(read: StateRead, request: string): RequestRecord | undefined {
  return parse<RequestRecord>(read(requestKey(request)));
}

export interface OpenRequestsOptions {
  /** only this category (read from the index, e.g. to offer "follow" instead of a duplicate) */
  category?: RepairCategory;
  /** index entries read, at most */
  limit?: number;
}

const byAge = (a: RequestRecord, b: RequestRecord): number => a.createdAt - b.createdAt || (a.request < b.request ? -1 : a.request > b.request ? 1 : 0);

/** Reads the records behind the index entries under `prefix` (`…/<request>` → category), oldest first. */
function openUnder(read: StateRead, scan: StateScan, prefix: string, options: OpenRequestsOptions): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (const [key, value] of scan(prefix, options.limit ?? REPAIRS_QUERY_ITEMS_MAX)) {
    if (options.category !== undefined && JSON.parse(value) !== options.category) continue;
    const record = requestRecord(read, key.slice(key.lastIndexOf('/') + 1));
    if (record !== undefined) out.push(record);
  }
  return out.sort(byAge);
}

/** The open requests of one building (the dispatcher's board; duplicates), oldest first. */
export function openRequestsInBuilding(read: StateRead, scan: StateScan, building: string, options: OpenRequestsOptions = {}): RequestRecord[] {
  return openUnder(read, scan, openBuildingPrefix(building), options);
}

/** Every open request (at most `limit` index entries, in building order), oldest first. */
export function openRequests(read: StateRead, scan: StateScan, options: OpenRequestsOptions = {}): RequestRecord[] {
  return openUnder(read, scan, OPEN_PREFIX, options);
}

/** Nobody on site yet and `now` (ms) is after `slaDueAt` (at `slaDueAt` itself the request is still on time). */
export function isOverdue(request: RequestRecord, now: number): boolean {
  return isSlaStatus(request.status) && now > request.slaDueAt;
}

export type TimelineEntry = RepairStep & {
  /** the request's status after the step */
  status: RepairStatus;
};

/** The request's steps, oldest first, each with the status it led to. */
export function timeline(request: RequestRecord): TimelineEntry[] {
  let status: RepairStatus = 'received';
  return request.steps.map((step) => {
    status = nextStatus(status, step.action);
    return { ...step, status };
  });
}
