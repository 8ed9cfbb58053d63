/**
 * provenance — preserved records (judicial evidence with provenance at capture and a chain of custody), copyright
 * registrations, and traced items (GS1 Digital Link + EPCIS lifecycle events). Named "provenance" so that it is never
 * confused with `/v1/evidence` (evidence of validator misbehaviour, consensus). docs/spec/provenance.md
 */
import { sha256Hex } from '../../crypto.js';
import { ACTOR_PATTERN, HASH_HEX_PATTERN, ORG_ID_PATTERN, closedObject, enumString, integerIn, patternString } from '../../foundation/patterns.js';

export const PROVENANCE_PREFIX = 'provenance/';

// -- limits --
export const PRESERVED_CUSTODY_STEPS_MAX = 100;
export const PRESERVED_PER_HASH_MAX = 100;
export const WORK_TITLE_CHARS_MAX = 200;
export const WORK_AUTHORS_MAX = 20;
export const WORK_GRANTS_MAX = 200;
export const TRACE_EVENTS_PER_ITEM_MAX = 500;
/** Device, system and place descriptions: short codes, never free text about people. */
export const CODE_TEXT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9 ._:/()+-]{0,99}$';
export const LICENCE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$';
export const PRESERVED_ID_PATTERN = '^pr_[0-9a-f]{16}$';
export const EPCIS_EVENT_ID_PATTERN = '^ni:///sha-256;[0-9a-f]{64}\\?ver=CBV2\\.0$';
export const URI_TEXT_PATTERN = '^[a-z][a-z0-9+.-]*:[^\\s]{1,300}$';
/** A time may be at most this far after the block that records it (clocks of phones and cameras drift), ms. */
export const CAPTURE_CLOCK_SKEW_MS_MAX = 5 * 60_000;

// -- preserved records --
export const PRESERVED_KINDS = ['photo', 'video', 'audio', 'document', 'data-export', 'other'] as const;
export type PreservedKind = (typeof PRESERVED_KINDS)[number];
export const CUSTODY_PURPOSES = ['transfer', 'forensic-exam', 'submit-to-court', 'return'] as const;

export interface Holder {
  org: string;
  /** the holder's pseudonym (a resident's is per record: never a stable subject id) */
  actor: string;
}

/**
 * The pseudonym of an organisation's desk: a record handed over to an organisation is held by its desk (any of its
 * staff may act for it), not by a person the sender cannot name. First 32 hex of SHA-256("machi/provenance/desk:" ‖ org).
 */
export const deskActor = (org: string): string => sha256Hex(`machi/provenance/desk:${org}`).slice(0, 32);

export interface CaptureProvenance {
  /** who captured: pseudonym and role */
  by: string;
  role: string;
  /** which device or system produced the data, as a code ("camera:HUAWEI-P40", "cctv:b1-lobby-2") */
  device: string;
  /** when the data was captured, by the device's clock, ms */
  capturedAt: number;
  /** where: a place code ("b1-stairwell-3") */
  place?: string;
}

export interface PreservePayload {
  record: string;
  hash: string;
  kind: PreservedKind;
  capture: CaptureProvenance;
  /** the node keeps the file, encrypted (never on the ledger) */
  fileKept: boolean;
}

export interface CustodyPayload {
  record: string;
  from: Holder;
  to: Holder;
  purpose: (typeof CUSTODY_PURPOSES)[number];
}

export interface CustodyStep extends CustodyPayload {
  txHash: string;
  height: number;
  time: number;
}

export interface PreservedRecord extends PreservePayload {
  org: string;
  txHash: string;
  height: number;
  time: number;
  holder: Holder;
  custody: CustodyStep[];
}

// -- copyright --
export interface WorkRegisterPayload {
  hash: string;
  title: string;
  /** pseudonyms of the authors (per work) */
  authors: string[];
  licence: string;
  owner: Holder;
}
export interface WorkTransferPayload {
  hash: string;
  from: Holder;
  to: Holder;
}
export interface WorkLicencePayload {
  hash: string;
  by: Holder;
  licensee: Holder;
  licence: string;
  /** end of the grant, ms; absent: no end */
  until?: number;
}
export interface WorkStep {
  kind: 'register' | 'transfer' | 'licence';
  payload: WorkRegisterPayload | WorkTransferPayload | WorkLicencePayload;
  org: string;
  txHash: string;
  height: number;
  time: number;
}
export interface WorkRecord {
  hash: string;
  title: string;
  authors: string[];
  licence: string;
  owner: Holder;
  steps: WorkStep[];
}

// -- traced items --
/** Machi's lifecycle steps and the CBV 2.0 business steps they are. */
export const TRACE_STEPS = ['commissioned', 'shipped', 'received', 'installed', 'inspected', 'replaced'] as const;
export type TraceStep = (typeof TRACE_STEPS)[number];
export const TRACE_BIZ_STEPS: Readonly<Record<TraceStep, string>> = {
  commissioned: 'commissioning', shipped: 'shipping', received: 'receiving', installed: 'installing', inspected: 'inspecting', replaced: 'replacing',
};
export const TRACE_DISPOSITIONS = ['active', 'in_transit', 'in_progress', 'conformant', 'non_conformant', 'inactive', 'needs_replacement', 'disposed'] as const;

export interface TraceEventPayload {
  gtin: string;
  serial: string;
  batch?: string;
  /** AI 17, YYMMDD */
  expiry?: string;
  step: TraceStep;
  /** EPCIS eventID (hash of the event as received) */
  eventId: string;
  /** when it happened, ms */
  eventTime: number;
  eventTimeZoneOffset: string;
  disposition?: (typeof TRACE_DISPOSITIONS)[number];
  readPoint?: string;
  bizLocation?: string;
  /** a correction: this event declares the event `eventId` names erroneous (EPCIS errorDeclaration); never an edit */
  errorDeclaration?: { declarationTime: number; reason: string; correctiveEventIds?: string[] };
}
export interface TraceEvent extends TraceEventPayload {
  org: string;
  txHash: string;
  height: number;
  time: number;
}
export interface TracedItem {
  gtin: string;
  serial: string;
  batch?: string;
  expiry?: string;
  events: TraceEvent[];
}

// -- state keys --
export const preservedKey = (record: string): string => `${PROVENANCE_PREFIX}record/${record}`;
export const preservedByHashKey = (hash: string): string => `${PROVENANCE_PREFIX}hash/${hash}`;
export const workKey = (hash: string): string => `${PROVENANCE_PREFIX}works/${hash}`;
export const itemKey = (gtin: string, serial: string): string => `${PROVENANCE_PREFIX}item/${gtin}/${encodeURIComponent(serial)}`;
export const ITEMS_SCAN_PREFIX = `${PROVENANCE_PREFIX}item/`;

// -- schema parts --
const holder = closedObject(['org', 'actor'], { org: patternString(ORG_ID_PATTERN), actor: patternString(ACTOR_PATTERN) });
export const holderSchema = holder;
const time = integerIn(0, 8_640_000_000_000_000);

export const preserveSchema = closedObject(['record', 'hash', 'kind', 'capture', 'fileKept'], {
  record: patternString(PRESERVED_ID_PATTERN),
  hash: patternString(HASH_HEX_PATTERN),
  kind: enumString(PRESERVED_KINDS),
  capture: closedObject(['by', 'role', 'device', 'capturedAt'], {
    by: patternString(ACTOR_PATTERN),
    role: { type: 'string', pattern: '^[a-z-]{1,40}$' },
    device: patternString(CODE_TEXT_PATTERN),
    capturedAt: time,
    place: patternString(CODE_TEXT_PATTERN),
  }),
  fileKept: { type: 'boolean' },
});
export const custodySchema = closedObject(['record', 'from', 'to', 'purpose'], {
  record: patternString(PRESERVED_ID_PATTERN), from: holder, to: holder, purpose: enumString(CUSTODY_PURPOSES),
});
export const workRegisterSchema = closedObject(['hash', 'title', 'authors', 'licence', 'owner'], {
  hash: patternString(HASH_HEX_PATTERN),
  title: { type: 'string', minLength: 1, maxLength: WORK_TITLE_CHARS_MAX },
  authors: { type: 'array', minItems: 1, maxItems: WORK_AUTHORS_MAX, uniqueItems: true, items: patternString(ACTOR_PATTERN) },
  licence: patternString(LICENCE_PATTERN),
  owner: holder,
});
export const workTransferSchema = closedObject(['hash', 'from', 'to'], { hash: patternString(HASH_HEX_PATTERN), from: holder, to: holder });
export const workLicenceSchema = closedObject(['hash', 'by', 'licensee', 'licence'], {
  hash: patternString(HASH_HEX_PATTERN), by: holder, licensee: holder, licence: patternString(LICENCE_PATTERN), until: time,
});
export const traceEventSchema = closedObject(['gtin', 'serial', 'step', 'eventId', 'eventTime', 'eventTimeZoneOffset'], {
  gtin: patternString('^[0-9]{14}$'),
  serial: { type: 'string', minLength: 1, maxLength: 20 },
  batch: { type: 'string', minLength: 1, maxLength: 20 },
  expiry: patternString('^[0-9]{6}$'),
  step: enumString(TRACE_STEPS),
  eventId: patternString(EPCIS_EVENT_ID_PATTERN),
  eventTime: time,
  eventTimeZoneOffset: patternString('^[+-](0[0-9]|1[0-3]):[0-5][0-9]$|^[+-]14:00$'),
  disposition: enumString(TRACE_DISPOSITIONS),
  readPoint: patternString(URI_TEXT_PATTERN),
  bizLocation: patternString(URI_TEXT_PATTERN),
  errorDeclaration: closedObject(['declarationTime', 'reason'], {
    declarationTime: time,
    // a CBV 2.0 error reason (`incorrect_data`, `did_not_occur`) or a URI
    reason: patternString('^([a-z_]{1,40}|[a-z][a-z0-9+.-]*:[^\\s]{1,300})$'),
    correctiveEventIds: { type: 'array', maxItems: 10, items: patternString(EPCIS_EVENT_ID_PATTERN) },
  }),
});
