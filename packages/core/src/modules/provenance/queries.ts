/** Pure reads over the provenance module's state. */
import type { StateRead } from '../../foundation/state.js';
import { itemKey, preservedByHashKey, preservedKey, workKey, type PreservedRecord, type TraceEvent, type TracedItem, type WorkRecord } from './types.js';

const json = <T>(read: StateRead, key: string): T | undefined => {
  const raw = read(key);
  return raw === undefined ? undefined : (JSON.parse(raw) as T);
};

export const preservedRecord = (read: StateRead, record: string): PreservedRecord | undefined => json(read, preservedKey(record));
export const preservedByHash = (read: StateRead, hash: string): string[] => json<string[]>(read, preservedByHashKey(hash)) ?? [];
export const workRecord = (read: StateRead, hash: string): WorkRecord | undefined => json(read, workKey(hash));
export const tracedItem = (read: StateRead, gtin: string, serial: string): TracedItem | undefined => json(read, itemKey(gtin, serial));

/** Events in force: those not declared erroneous (the declarations themselves are kept, and shown, as steps). */
export function eventsInForce(item: TracedItem): TraceEvent[] {
  const erroneous = new Set(item.events.filter((e) => e.errorDeclaration !== undefined).map((e) => e.eventId));
  return item.events.filter((e) => e.errorDeclaration === undefined && !erroneous.has(e.eventId));
}

/** The last inspection in force, and where the item is installed (the last installation in force), if any. */
export function itemStatus(item: TracedItem): { lastInspection?: TraceEvent; installedAt?: string; replaced: boolean } {
  const live = eventsInForce(item);
  const lastInspection = live.filter((e) => e.step === 'inspected').at(-1);
  const installedAt = live.filter((e) => e.step === 'installed').at(-1)?.bizLocation;
  const replaced = live.some((e) => e.step === 'replaced');
  return { ...(lastInspection === undefined ? {} : { lastInspection }), ...(installedAt === undefined ? {} : { installedAt }), replaced };
}
