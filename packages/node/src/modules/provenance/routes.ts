/**
 * Provenance routes. `/v1/preserved` (preserving a record, its file, custody: `provenance.preserve`, any signed-in
 * user for their own matters; a record's ledger view is public), `/v1/certificates/{tx}` (PDF and export package:
 * public, the ledger's data only), `/v1/works` (register, transfer, license: `provenance.works`; lookup by hash:
 * public), `/v1/trace` (EPCIS capture and alerts: `provenance.trace`; an item, its EPCIS events, a Digital Link lookup
 * and the scan counter: public). Distinct from `/v1/evidence`, the consensus's evidence of validator misbehaviour.
 */
import type { FastifyPluginAsync } from 'fastify';
import { MachiError, type CustodyPayload } from '@machi/core';
import { principalOf } from '../../auth/principal.js';
import type { RouteClass } from '../../auth/policy.js';
import { errorRef } from '../../api/shared-schemas.js';
import { rawBodyParser } from '../../api/raw-body.js';
import { perAddressLimit } from '../../auth/rate-limit.js';
import {
  alertsSchema, capturedSchema, custodyBody, epcisBody, fileStoredSchema, hashParam, itemParam, itemViewSchema, itemsSchema, licenceBody,
  lookupQuery, packageSchema, preserveBody, preservedListSchema, preservedViewSchema, recordParam, scanAnswerSchema, scanBody, transferBody,
  txParam, workBody, workViewSchema,
} from './schemas.js';
import type { PreserveBody, ProvenanceService } from './service.js';
import { PRESERVED_FILE_BYTES_MAX } from './store.js';

/** Scans one client address may report per minute (the route is public: a flood must not drown the alerts). */
export const SCANS_PER_ADDRESS_PER_MINUTE = 60;
export const SCANS_RATE_WINDOW_MS = 60_000;

export const ACCESS = { preserve: 'provenance.preserve', works: 'provenance.works', trace: 'provenance.trace' } as const satisfies Record<string, RouteClass>;

type Opts = { service: ProvenanceService; clock: () => number };

/** The file of a preserved record: raw bytes in their own context with their own parser. */
const fileUpload: FastifyPluginAsync<Opts> = async (app, { service }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', rawBodyParser(PRESERVED_FILE_BYTES_MAX, 'a preserved file'));
  app.put<{ Params: { record: string } }>('/v1/preserved/:record/file', {
    config: { access: ACCESS.preserve },
    schema: { params: recordParam, response: { 200: fileStoredSchema, '4xx': errorRef } },
  }, async (req) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new MachiError('REQUEST_INVALID', 'send the file\'s bytes as the request body');
    const media = String(req.headers['content-type'] ?? 'application/octet-stream').slice(0, 100);
    return service.uploadFile(service.actors.req(req), req.params.record, req.body, media);
  });
};

export const provenanceRoutes: FastifyPluginAsync<Opts> = async (app, opts) => {
  const { service, clock } = opts;
  await app.register(fileUpload, opts);

  // -- preserved records --
  app.post<{ Body: PreserveBody }>('/v1/preserved', {
    config: { access: ACCESS.preserve },
    schema: { body: preserveBody, response: { 201: preservedViewSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(await service.preserve(service.actors.req(req), req.body)));

  app.get('/v1/preserved', {
    config: { access: ACCESS.preserve },
    schema: { response: { 200: preservedListSchema, '4xx': errorRef } },
  }, async (req) => ({ records: service.mine(service.actors.req(req)) }));

  app.get<{ Params: { record: string } }>('/v1/preserved/:record', {
    config: { access: 'public' },
    schema: { params: recordParam, response: { 200: preservedViewSchema, '4xx': errorRef } },
  }, async (req) => {
    // signed in or not: the label shows only to its holder or maker
    let p;
    try {
      p = service.actors.in(principalOf(req));
    } catch {
      p = undefined;
    }
    return service.view(req.params.record, p);
  });

  app.get<{ Params: { record: string } }>('/v1/preserved/:record/file', {
    config: { access: ACCESS.preserve },
    schema: { params: recordParam },
  }, async (req, reply) => {
    const f = service.file(service.actors.req(req), req.params.record);
    return reply.type(f.media).header('content-disposition', `attachment; filename="${req.params.record}"`).header('x-content-type-options', 'nosniff').send(f.bytes);
  });

  app.post<{ Params: { record: string }; Body: { to: string; purpose: CustodyPayload['purpose'] } }>('/v1/preserved/:record/custody', {
    config: { access: ACCESS.preserve },
    schema: { params: recordParam, body: custodyBody, response: { 200: preservedViewSchema, '4xx': errorRef } },
  }, async (req) => service.handOver(service.actors.req(req), req.params.record, req.body.to, req.body.purpose));

  // -- certificates: only for preserving transactions --
  app.get<{ Params: { tx: string } }>('/v1/certificates/:tx', {
    config: { access: 'public' },
    schema: { params: txParam, produces: ['application/pdf'] } as object,
  }, async (req, reply) => {
    const pdf = await service.certificate(req.params.tx);
    return reply.type('application/pdf').header('content-disposition', `inline; filename="certificate-${req.params.tx.slice(0, 16)}.pdf"`).send(Buffer.from(pdf));
  });

  app.get<{ Params: { tx: string } }>('/v1/certificates/:tx/package', {
    config: { access: 'public' },
    schema: { params: txParam, response: { 200: packageSchema, '4xx': errorRef } },
  }, async (req, reply) => {
    const pkg = service.package(req.params.tx);
    return reply.header('content-disposition', `attachment; filename="preserved-${req.params.tx.slice(0, 16)}.json"`).send(pkg);
  });

  // -- copyright works --
  app.post<{ Body: { hash: string; title: string; authors: string[]; licence: string } }>('/v1/works', {
    config: { access: ACCESS.works },
    schema: { body: workBody, response: { 201: workViewSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(await service.registerWork(service.actors.req(req), req.body)));

  app.get<{ Params: { hash: string } }>('/v1/works/:hash', {
    config: { access: 'public' },
    schema: { params: hashParam, response: { 200: workViewSchema, '4xx': errorRef } },
  }, async (req) => service.work(req.params.hash));

  app.post<{ Params: { hash: string }; Body: { to: string } }>('/v1/works/:hash/transfer', {
    config: { access: ACCESS.works },
    schema: { params: hashParam, body: transferBody, response: { 200: workViewSchema, '4xx': errorRef } },
  }, async (req) => service.transferWork(service.actors.req(req), req.params.hash, req.body.to));

  app.post<{ Params: { hash: string }; Body: { org: string; licence: string; until?: number } }>('/v1/works/:hash/licences', {
    config: { access: ACCESS.works },
    schema: { params: hashParam, body: licenceBody, response: { 200: workViewSchema, '4xx': errorRef } },
  }, async (req) => service.licenseWork(service.actors.req(req), req.params.hash, req.body));

  // -- traced items --
  app.post<{ Body: unknown }>('/v1/trace/events', {
    config: { access: ACCESS.trace },
    schema: { body: epcisBody, response: { 201: capturedSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(await service.capture(req.body)));

  app.get('/v1/trace/items', {
    config: { access: ACCESS.trace },
    schema: { response: { 200: itemsSchema, '4xx': errorRef } },
  }, async () => ({ items: service.items() }));

  app.get('/v1/trace/alerts', {
    config: { access: ACCESS.trace },
    schema: { response: { 200: alertsSchema, '4xx': errorRef } },
  }, async () => ({ alerts: service.alerts() }));

  app.get<{ Params: { gtin: string; serial: string } }>('/v1/trace/items/:gtin/:serial', {
    config: { access: 'public' },
    schema: { params: itemParam, response: { 200: itemViewSchema, '4xx': errorRef } },
  }, async (req) => service.itemView(req.params.gtin, req.params.serial));

  app.get<{ Params: { gtin: string; serial: string } }>('/v1/trace/items/:gtin/:serial/epcis', {
    config: { access: 'public' },
    schema: { params: itemParam },
  }, async (req, reply) => reply.type('application/ld+json').send(JSON.stringify(service.itemEpcis(req.params.gtin, req.params.serial))));

  app.get<{ Querystring: { uri: string } }>('/v1/trace/lookup', {
    config: { access: 'public' },
    schema: { querystring: lookupQuery, response: { 200: itemViewSchema, '4xx': errorRef } },
  }, async (req) => service.lookup(req.query.uri));

  app.post<{ Body: { uri: string; place?: string } }>('/v1/trace/scans', {
    config: { access: 'public', rateLimit: perAddressLimit(SCANS_PER_ADDRESS_PER_MINUTE, SCANS_RATE_WINDOW_MS) },
    schema: { body: scanBody, response: { 200: scanAnswerSchema, '4xx': errorRef } },
  }, async (req) => service.scan(req.body.uri, req.body.place, clock()));
};
