/**
 * Request and response schemas of the provenance routes. Ledger data (records, steps, proof bundles, the genesis)
 * passes through whole as the pages verify it; each view's own fields are listed, so nothing else leaks.
 */
import { CODE_TEXT_PATTERN, CUSTODY_PURPOSES, HASH_HEX_PATTERN, LICENCE_PATTERN, ORG_ID_PATTERN, PRESERVED_ID_PATTERN, PRESERVED_KINDS, WORK_AUTHORS_MAX, WORK_TITLE_CHARS_MAX } from '@machi/core';
import { PRESERVED_LABEL_CHARS_MAX } from './store.js';

const ledger = { type: 'object', additionalProperties: true } as const;
const ledgerOrNull = { type: ['object', 'null'], additionalProperties: true } as const;
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const hash = { type: 'string', pattern: HASH_HEX_PATTERN } as const;
const org = { type: 'string', pattern: ORG_ID_PATTERN, maxLength: 64 } as const;
const closed = (required: readonly string[], properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required: [...required], properties }) as const;

export const recordParam = closed(['record'], { record: { type: 'string', pattern: PRESERVED_ID_PATTERN } });
export const txParam = closed(['tx'], { tx: hash });
export const hashParam = closed(['hash'], { hash });
export const itemParam = closed(['gtin', 'serial'], { gtin: { type: 'string', pattern: '^[0-9]{14}$' }, serial: { type: 'string', minLength: 1, maxLength: 20 } });

export const preserveBody = closed(['hash', 'kind', 'device', 'capturedAt', 'keepFile'], {
  hash,
  kind: { type: 'string', enum: [...PRESERVED_KINDS] },
  device: { type: 'string', pattern: CODE_TEXT_PATTERN },
  capturedAt: { type: 'integer', minimum: 0 },
  place: { type: 'string', pattern: CODE_TEXT_PATTERN },
  label: { type: 'string', maxLength: PRESERVED_LABEL_CHARS_MAX },
  keepFile: { type: 'boolean' },
});
export const custodyBody = closed(['to', 'purpose'], { to: org, purpose: { type: 'string', enum: [...CUSTODY_PURPOSES] } });
export const workBody = closed(['hash', 'title', 'authors', 'licence'], {
  hash,
  title: { type: 'string', minLength: 1, maxLength: WORK_TITLE_CHARS_MAX },
  authors: { type: 'array', minItems: 1, maxItems: WORK_AUTHORS_MAX, items: { type: 'string', minLength: 1, maxLength: 100 } },
  licence: { type: 'string', pattern: LICENCE_PATTERN },
});
export const transferBody = closed(['to'], { to: org });
export const licenceBody = closed(['org', 'licence'], { org, licence: { type: 'string', pattern: LICENCE_PATTERN }, until: { type: 'integer', minimum: 0 } });
export const lookupQuery = closed(['uri'], { uri: { type: 'string', minLength: 1, maxLength: 400 } });
export const scanBody = closed(['uri'], { uri: { type: 'string', minLength: 1, maxLength: 400 }, place: { type: 'string', pattern: CODE_TEXT_PATTERN } });
/** An EPCIS document is checked against the EPCIS 2.0 schema by the service (so that its message is the schema's). */
export const epcisBody = { type: 'object' } as const;

export const preservedViewSchema = closed(['record', 'org', 'holder', 'custody', 'fileAvailable'], {
  record: ledger, org: str, holder: ledger, custody: { type: 'array', items: ledger }, fileAvailable: { type: 'boolean' },
  proof: ledger, custodyProofs: { type: 'array', items: ledger }, label: str,
});
export const preservedListSchema = closed(['records'], { records: { type: 'array', items: preservedViewSchema } });
export const fileStoredSchema = closed(['record', 'bytes'], { record: str, bytes: int });
export const packageSchema = closed(['format', 'instructions', 'verifyAt', 'fileHash', 'filingNumber', 'organisation', 'record', 'proof', 'custody', 'genesis', 'genesisHash'], {
  format: str, instructions: { type: 'array', items: str }, verifyAt: str, fileHash: str, filingNumber: str, organisation: ledger,
  record: ledger, proof: ledger, custody: { type: 'array', items: ledger }, genesis: ledger, genesisHash: str,
});
export const workViewSchema = closed(['hash', 'title', 'authors', 'licence', 'owner', 'steps'], {
  hash: str, title: str, authors: { type: 'array', items: str }, licence: str, owner: ledger, steps: { type: 'array', items: ledger },
});
const eventViewSchema = closed(['event', 'org', 'erroneous'], { event: ledger, org: str, proof: ledgerOrNull, erroneous: { type: 'boolean' } });
export const itemViewSchema = closed(['uri', 'gtin', 'serial', 'replaced', 'events', 'scans'], {
  uri: str, gtin: str, serial: str, batch: str, expiry: str, installedAt: str, replaced: { type: 'boolean' },
  lastInspection: eventViewSchema, events: { type: 'array', items: eventViewSchema }, scans: closed(['total', 'places'], { total: int, places: int }),
});
export const scanAnswerSchema = closed(['item'], { item: itemViewSchema, alert: closed(['kind', 'message'], { kind: str, message: str }) });
export const capturedSchema = closed(['events'], { events: { type: 'array', items: closed(['gtin', 'serial', 'eventId', 'txHash'], { gtin: str, serial: str, eventId: str, txHash: str }) } });
export const itemsSchema = closed(['items'], {
  items: { type: 'array', items: closed(['gtin', 'serial', 'replaced', 'events', 'scans'], { gtin: str, serial: str, batch: str, installedAt: str, lastInspection: int, replaced: { type: 'boolean' }, events: int, scans: int }) },
});
export const alertsSchema = closed(['alerts'], {
  alerts: { type: 'array', items: closed(['id', 'gtin', 'serial', 'kind', 'place', 'at', 'scans'], { id: int, gtin: str, serial: str, kind: str, place: str, at: int, scans: int }) },
});
