/**
 * FIWARE NGSI-LD: `POST /ngsi-ld/v1/entities` takes a smart-data-models `Alert` (normalized or key-values form, as
 * application/json or application/ld+json), so FIWARE-based systems can send alarms unchanged. Required, as the data
 * model says: `alertSource` (our device id, or `urn:ngsi-ld:Device:<id>`), `category`, `subCategory` (mapped to a
 * condition below, or a condition code itself), `dateIssued`. The source device's secret goes in `x-device-key`.
 * An Alert says the condition holds: it raises (or repeats) the alarm; the device's normal readings clear it.
 */
import type { FastifyPluginAsync } from 'fastify';
import { CONDITION_CODES, MachiError, conditionInfo } from '@machi/core';
import { errorRef } from '../../api/shared-schemas.js';
import type { Ingest } from './ingest.js';
import { ACCESS, answerOutcome, keyMatches } from './routes.js';
import type { DeviceStore } from './store.js';

/** smart-data-models Alert subCategory values (and a few common synonyms) → condition codes. */
export const ALERT_SUBCATEGORIES: Readonly<Record<string, string>> = {
  waterLeak: 'leak', leak: 'leak', flood: 'leak',
  smoke: 'smoke', fire: 'smoke', fireRisk: 'smoke',
  gasLeak: 'gas-high', gas: 'gas-high',
  carbonMonoxide: 'co-high',
  doorForced: 'door-forced', intrusion: 'door-forced', doorHeldOpen: 'door-held',
  liftEntrapment: 'entrapment', elevatorEntrapment: 'entrapment', personTrapped: 'entrapment',
  liftFault: 'lift-fault', elevatorFault: 'lift-fault',
  lowPressure: 'pressure-low', pressureLow: 'pressure-low',
  meterTamper: 'meter-tamper', tamper: 'meter-tamper',
};

const DEVICE_URN = 'urn:ngsi-ld:Device:';
const text = { type: 'string', minLength: 1, maxLength: 256 } as const;
const value = { anyOf: [text, { type: 'object', required: ['value'], properties: { value: text } }] } as const;

const alertBody = {
  type: 'object',
  required: ['id', 'type', 'alertSource', 'category', 'subCategory', 'dateIssued'],
  maxProperties: 32,
  properties: { id: text, type: { type: 'string', const: 'Alert' }, alertSource: value, category: value, subCategory: value, dateIssued: value },
} as const;

type Prop = string | { value: string };
const valueOf = (p: Prop): string => (typeof p === 'string' ? p : p.value);

export const ngsiRoutes: FastifyPluginAsync<{ ingest: Ingest; store: DeviceStore }> = async (app, { ingest, store }) => {
  app.addContentTypeParser('application/ld+json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (e) {
      done(Object.assign(e as Error, { statusCode: 400 }), undefined);
    }
  });

  app.post<{ Body: { id: string; alertSource: Prop; category: Prop; subCategory: Prop; dateIssued: Prop } }>('/ngsi-ld/v1/entities', {
    config: { access: ACCESS.ingest },
    schema: { body: alertBody, response: { 201: { type: 'null' }, '4xx': errorRef } },
  }, async (req, reply) => {
    const b = req.body;
    const source = valueOf(b.alertSource);
    const id = source.startsWith(DEVICE_URN) ? source.slice(DEVICE_URN.length) : source;
    if (!keyMatches(ingest, id, req.headers['x-device-key'])) {
      if (ingest.device(id) !== undefined) store.health(id).refused += 1;
      throw new MachiError('DEVICE_UNAUTHORIZED', 'unknown alertSource or wrong x-device-key');
    }
    const sub = valueOf(b.subCategory);
    const condition = ALERT_SUBCATEGORIES[sub] ?? (CONDITION_CODES.includes(sub) ? sub : undefined);
    const d = ingest.device(id)!;
    if (condition === undefined || conditionInfo(d.class, condition) === undefined) throw new MachiError('REQUEST_INVALID', `subCategory ${sub} is not a condition a ${d.class} device reports`);
    const at = Date.parse(valueOf(b.dateIssued));
    if (!Number.isSafeInteger(at)) throw new MachiError('REQUEST_INVALID', 'dateIssued is not a date-time');
    answerOutcome(reply, ingest.alert(id, condition, at, JSON.stringify({ ngsiLd: b.id, category: valueOf(b.category), subCategory: sub })));
    return reply.status(201).header('location', `/ngsi-ld/v1/entities/${encodeURIComponent(b.id)}`).send();
  });
};
