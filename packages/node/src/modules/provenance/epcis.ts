/**
 * EPCIS 2.0 (JSON-LD) in and out for traced items: a capture document is checked against the EPCIS 2.0 JSON schema
 * (data/epcis/, see its SOURCE.md), then each ObjectEvent × each Digital Link in its epcList becomes one
 * `provenance.trace.event` payload; an item's ledger events are served back as an EPCISDocument. docs/spec/provenance.md#epcis
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  EPCIS_EVENT_ID_PATTERN, MachiError, TRACE_BIZ_STEPS, TRACE_DISPOSITIONS, TRACE_STEPS, canonicalJson, formatDigitalLink, parseDigitalLink,
  type TraceEvent, type TraceEventPayload, type TraceStep, type TracedItem,
} from '@machi/core';

/** The EPCIS 2.0 JSON schema Machi validates with (the file's `$id` is GS1's: https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json). */
export const EPCIS_SCHEMA_FILE = new URL('../../../data/epcis/EPCIS-JSON-Schema.json', import.meta.url);
export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
/** Events one capture document may carry (each × each item of its epcList is one transaction). */
export const EPCIS_CAPTURE_EVENTS_MAX = 50;
export const EPCIS_CAPTURE_ITEMS_MAX = 200;
/** Where a Digital Link URI of an item points by default (the GS1 resolver); a node serves its own on its address. */
export const GS1_RESOLVER = 'https://id.gs1.org';

// ajv-formats is CommonJS: its default export is the function under ESM interop
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

let validator: ValidateFunction | undefined;
/** The compiled EPCIS 2.0 schema (compiled once). */
export function epcisValidator(): ValidateFunction {
  if (validator === undefined) {
    const ajv = new Ajv({ strict: false, allErrors: false });
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(EPCIS_SCHEMA_FILE, 'utf8')) as object);
  }
  return validator;
}

/** The schema's own message for a document, or undefined when it validates. */
export function epcisSchemaError(doc: unknown): string | undefined {
  const v = epcisValidator();
  if (v(doc)) return undefined;
  const e = v.errors?.[0];
  return e === undefined ? 'invalid' : `${e.instancePath === '' ? '(document)' : e.instancePath} ${e.message ?? 'is invalid'}${e.params === undefined ? '' : ` ${JSON.stringify(e.params)}`}`;
}

const invalid = (why: string): never => {
  throw new MachiError('EPCIS_INVALID', why);
};

/** A CBV value as a bare word: `inspecting`, `urn:epcglobal:cbv:bizstep:inspecting`, `https://ref.gs1.org/cbv/BizStep-inspecting`. */
function cbvWord(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /(?:^|[:-])([a-z_]+)$/.exec(v);
  return m?.[1];
}

const STEP_OF_BIZ = new Map<string, TraceStep>(TRACE_STEPS.map((s) => [TRACE_BIZ_STEPS[s], s]));

/** The hash-based eventID Machi gives an event that came without one (canonical JSON of the event, SHA-256). */
export const eventIdOf = (event: unknown): string => `ni:///sha-256;${createHash('sha256').update(canonicalJson(event)).digest('hex')}?ver=CBV2.0`;

const timeOf = (v: unknown, field: string): number => {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(t)) invalid(`${field} is not a date-time`);
  return t;
};

/**
 * The ledger payloads of a capture document (already schema-valid): ObjectEvents only, each bizStep one of Machi's
 * lifecycle steps, each epcList entry a GS1 Digital Link URI with a valid GTIN and a serial.
 */
export function capturePayloads(doc: Record<string, unknown>): TraceEventPayload[] {
  const body = doc.epcisBody as { eventList?: unknown[] } | undefined;
  const events = body?.eventList ?? (doc.type === 'ObjectEvent' ? [doc] : []);
  if (events.length === 0) invalid('no events (epcisBody.eventList is empty)');
  if (events.length > EPCIS_CAPTURE_EVENTS_MAX) invalid(`more than ${EPCIS_CAPTURE_EVENTS_MAX} events`);
  const out: TraceEventPayload[] = [];
  for (const [i, raw] of events.entries()) {
    const e = raw as Record<string, unknown>;
    const at = `eventList[${i}]`;
    if (e.type !== 'ObjectEvent') invalid(`${at}.type: Machi takes ObjectEvents (lifecycle of serialised items), not ${String(e.type)}`);
    const decl = e.errorDeclaration as { declarationTime?: unknown; reason?: unknown; correctiveEventIDs?: unknown[] } | undefined;
    const step = STEP_OF_BIZ.get(cbvWord(e.bizStep) ?? '');
    if (step === undefined) invalid(`${at}.bizStep: ${String(e.bizStep)} is not one of ${Object.values(TRACE_BIZ_STEPS).join(', ')}`);
    const disposition = cbvWord(e.disposition);
    if (e.disposition !== undefined && !(TRACE_DISPOSITIONS as readonly string[]).includes(disposition ?? '')) invalid(`${at}.disposition: ${String(e.disposition)} is not one of ${TRACE_DISPOSITIONS.join(', ')}`);
    let eventId = typeof e.eventID === 'string' ? e.eventID : undefined;
    if (eventId !== undefined && !new RegExp(EPCIS_EVENT_ID_PATTERN).test(eventId)) invalid(`${at}.eventID: Machi takes hash-based ids (ni:///sha-256;{hex}?ver=CBV2.0)`);
    if (decl !== undefined && eventId === undefined) invalid(`${at}.eventID: an error declaration names the event it corrects by its eventID`);
    eventId ??= eventIdOf(e);
    const epcs = Array.isArray(e.epcList) ? e.epcList : [];
    if (epcs.length === 0) invalid(`${at}.epcList: no items`);
    for (const [j, uri] of epcs.entries()) {
      const dl = parseDigitalLink(String(uri));
      if (!dl.ok) throw new MachiError('DIGITAL_LINK_INVALID', `${at}.epcList[${j}]: ${dl.reason}`);
      if (dl.link.serial === undefined) invalid(`${at}.epcList[${j}]: a traced item's Digital Link has a serial (/21/…)`);
      const p: TraceEventPayload = {
        gtin: dl.link.gtin, serial: dl.link.serial!, step: step!, eventId,
        eventTime: timeOf(e.eventTime, `${at}.eventTime`), eventTimeZoneOffset: String(e.eventTimeZoneOffset),
      };
      if (dl.link.batch !== undefined) p.batch = dl.link.batch;
      if (dl.link.expiry !== undefined) p.expiry = dl.link.expiry;
      if (disposition !== undefined) p.disposition = disposition as TraceEventPayload['disposition'];
      const readPoint = (e.readPoint as { id?: string } | undefined)?.id;
      const bizLocation = (e.bizLocation as { id?: string } | undefined)?.id;
      if (readPoint !== undefined) p.readPoint = readPoint;
      if (bizLocation !== undefined) p.bizLocation = bizLocation;
      if (decl !== undefined) {
        p.errorDeclaration = { declarationTime: timeOf(decl.declarationTime, `${at}.errorDeclaration.declarationTime`), reason: String(decl.reason ?? 'incorrect_data') };
        if (Array.isArray(decl.correctiveEventIDs)) p.errorDeclaration.correctiveEventIds = decl.correctiveEventIDs.map(String);
      }
      out.push(p);
      if (out.length > EPCIS_CAPTURE_ITEMS_MAX) invalid(`more than ${EPCIS_CAPTURE_ITEMS_MAX} item events in one document`);
    }
  }
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** One ledger event as an EPCIS 2.0 ObjectEvent. */
export function epcisEvent(item: TracedItem, e: TraceEvent, base = GS1_RESOLVER): Record<string, unknown> {
  const o: Record<string, unknown> = {
    type: 'ObjectEvent',
    eventID: e.eventId,
    eventTime: iso(e.eventTime),
    eventTimeZoneOffset: e.eventTimeZoneOffset,
    recordTime: iso(e.time),
    epcList: [formatDigitalLink(base, { gtin: item.gtin, serial: item.serial, ...(e.batch === undefined ? {} : { batch: e.batch }) })],
    action: e.step === 'commissioned' ? 'ADD' : 'OBSERVE',
    bizStep: TRACE_BIZ_STEPS[e.step],
  };
  if (e.disposition !== undefined) o.disposition = e.disposition;
  if (e.readPoint !== undefined) o.readPoint = { id: e.readPoint };
  if (e.bizLocation !== undefined) o.bizLocation = { id: e.bizLocation };
  if (e.errorDeclaration !== undefined) {
    o.errorDeclaration = {
      declarationTime: iso(e.errorDeclaration.declarationTime), reason: e.errorDeclaration.reason,
      ...(e.errorDeclaration.correctiveEventIds === undefined ? {} : { correctiveEventIDs: e.errorDeclaration.correctiveEventIds }),
    };
  }
  return o;
}

/** An item's ledger events as an EPCISDocument (creationDate: the last event's block time, so the answer is stable). */
export function epcisDocument(item: TracedItem, base = GS1_RESOLVER): Record<string, unknown> {
  return {
    '@context': [EPCIS_CONTEXT],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: iso(item.events.at(-1)?.time ?? 0),
    epcisBody: { eventList: item.events.map((e) => epcisEvent(item, e, base)) },
  };
}
