/**
 * Repairs routes (Machi REST, /v1/repairs): the wiring of schemas to the service. Each declares its route class (the
 * single authorisation hook checks role against class); per-request decisions are the core's checkTransition inside
 * the service. What the routes take is in schemas.ts; what they show is the core's client contract
 * (modules/repairs/api.ts): response schemas list exactly what may leave. docs/spec/repairs.md#api
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  CAUSES,
  LOCATION_KINDS,
  PARTS,
  PRIORITIES,
  STATUSES,
  actResultSchema,
  jobListSchema,
  myRequestsSchema,
  repairCataloguesSchema,
  requestListSchema,
  requestViewSchema,
  slaSetSchema,
  slaTableSchema,
  staffCardSchema,
  timelineSchema,
  workerListSchema,
  type RepairCatalogues,
  type StaffCardBody,
} from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { errorRef } from '../../api/shared-schemas.js';
import { DEMO_BUILDINGS, buildingSource, type BuildingInfo, type BuildingSource } from './buildings.js';
import { photoUpload } from './photo-upload.js';
import {
  act,
  boardQuery,
  categoryParam,
  photoParam,
  reportBody,
  requestParam,
  similarQuery,
  slaBody,
  userParam,
  type AssignBody,
  type BoardQuery,
  type CategoryParam,
  type ConfirmBody,
  type DiagnoseBody,
  type FinishBody,
  type PhotoParam,
  type ReopenBody,
  type ReportBody,
  type RequestParam,
  type SimilarQuery,
  type SlaBody,
  type UserParam,
  assignBody,
  confirmBody,
  diagnoseBody,
  finishBody,
  reopenBody,
} from './schemas.js';
import type { RepairsService } from './service.js';

type Req = { Params: RequestParam };

export interface RepairsRouteOptions {
  service: RepairsService;
  /** the community's buildings (codes on the ledger, names for forms), or where to read them on each request */
  buildings?: readonly BuildingInfo[] | BuildingSource;
}

export const repairsRoutes: FastifyPluginAsync<RepairsRouteOptions> = async (app, { service, buildings: given = DEMO_BUILDINGS }) => {
  const buildings = buildingSource(given);
  await app.register(photoUpload, { service });

  /**
   * The catalogues a client needs to build its forms. The SLAs are this node's organisation's (its setting, else the
   * catalogue's): a report through this node is recorded by it, so they are the ones the report will get.
   */
  app.get('/v1/repairs/categories', {
    config: { access: 'public' },
    schema: { response: { 200: repairCataloguesSchema } },
  }, async (): Promise<RepairCatalogues> => ({
    categories: service.slaTable().map((e) => ({ code: e.category, name: e.name, defaultPriority: e.defaultPriority, slaHours: e.slaHours, defaultSlaHours: e.defaultSlaHours, slaConfigured: e.configured })),
    priorities: [...PRIORITIES], locationKinds: [...LOCATION_KINDS], causes: [...CAUSES], parts: [...PARTS], statuses: [...STATUSES], buildings: [...buildings()],
  }));

  // -- residents (and staff reporting) --

  app.get<{ Querystring: SimilarQuery }>('/v1/repairs/similar', {
    config: { access: 'repairs.report' },
    schema: { querystring: similarQuery, response: { 200: requestListSchema, '4xx': errorRef } },
  }, async (req) => ({ requests: service.similar(principalOf(req), req.query.building, req.query.category) }));

  app.post<{ Body: ReportBody }>('/v1/repairs', {
    config: { access: 'repairs.report' },
    schema: { body: reportBody, response: { 201: actResultSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(await service.report(principalOf(req), req.body)));

  app.post<Req>('/v1/repairs/:request/follow', { config: { access: 'repairs.report' }, schema: act() },
    async (req) => service.follow(principalOf(req), req.params.request));

  app.post<Req & { Body: ConfirmBody }>('/v1/repairs/:request/confirm', { config: { access: 'repairs.report' }, schema: act(confirmBody) },
    async (req) => service.confirm(principalOf(req), req.params.request, req.body));

  app.post<Req & { Body: ReopenBody }>('/v1/repairs/:request/reopen', { config: { access: 'repairs.report' }, schema: act(reopenBody) },
    async (req) => service.reopen(principalOf(req), req.params.request, req.body));

  // -- dispatchers and property staff --

  app.get<{ Querystring: BoardQuery }>('/v1/repairs/board', {
    config: { access: 'repairs.board' },
    schema: { querystring: boardQuery, response: { 200: requestListSchema, '4xx': errorRef } },
  }, async (req) => ({ requests: service.board(principalOf(req), req.query) }));

  app.get('/v1/repairs/workers', {
    config: { access: 'repairs.board' },
    schema: { response: { 200: workerListSchema, '4xx': errorRef } },
  }, async (req) => ({ workers: service.workers(principalOf(req)) }));

  /** Service levels of the caller's organisation: each category's SLA, set by it or the catalogue default. */
  app.get('/v1/repairs/sla', {
    config: { access: 'repairs.board' },
    schema: { response: { 200: slaTableSchema, '4xx': errorRef } },
  }, async (req) => {
    const p = principalOf(req);
    return { org: p.org, categories: service.slaTable(p.org, p) };
  });
  /** Sets the organisation's SLA for a category (`repair.configure_sla`), for its requests from then on. */
  app.put<{ Params: CategoryParam; Body: SlaBody }>('/v1/repairs/sla/:category', {
    config: { access: 'repairs.board' },
    schema: { params: categoryParam, body: slaBody, response: { 200: slaSetSchema, '4xx': errorRef } },
  }, async (req) => service.setSla(principalOf(req), req.params.category, req.body));

  app.get<{ Params: UserParam }>('/v1/repairs/workers/:username/card', {
    config: { access: 'repairs.board' },
    schema: { params: userParam, response: { 200: staffCardSchema, '4xx': errorRef } },
  }, async (req) => service.staffCard(principalOf(req), req.params.username));
  /** What residents see of this worker on their jobs (the organisation's choice): name, work phone, photo. */
  app.put<{ Params: UserParam; Body: StaffCardBody }>('/v1/repairs/workers/:username/card', {
    config: { access: 'repairs.board' },
    schema: { params: userParam, body: staffCardSchema, response: { 200: staffCardSchema, '4xx': errorRef } },
  }, async (req) => service.setStaffCard(principalOf(req), req.params.username, req.body));

  app.post<Req & { Body: AssignBody }>('/v1/repairs/:request/assign', { config: { access: 'repairs.board' }, schema: act(assignBody) },
    async (req) => service.assign(principalOf(req), req.params.request, req.body.worker));

  app.post<Req>('/v1/repairs/:request/escalate', { config: { access: 'repairs.board' }, schema: act() },
    async (req) => service.escalate(principalOf(req), req.params.request));

  // -- maintenance workers --

  app.get('/v1/repairs/jobs', {
    config: { access: 'repairs.work' },
    schema: { response: { 200: jobListSchema, '4xx': errorRef } },
  }, async (req) => ({ jobs: service.jobs(principalOf(req)) }));

  for (const action of ['accept', 'arrive', 'start'] as const) {
    app.post<Req>(`/v1/repairs/:request/${action}`, { config: { access: 'repairs.work' }, schema: act() },
      async (req) => service.step(principalOf(req), req.params.request, action));
  }

  app.post<Req & { Body: DiagnoseBody }>('/v1/repairs/:request/diagnose', { config: { access: 'repairs.work' }, schema: act(diagnoseBody) },
    async (req) => service.diagnose(principalOf(req), req.params.request, req.body));

  app.post<Req & { Body: FinishBody }>('/v1/repairs/:request/finish', {
    config: { access: 'repairs.work' },
    schema: act(finishBody),
    // a finish without photos may come without a body
    preValidation: async (req) => {
      req.body ??= {};
    },
  }, async (req) => service.finish(principalOf(req), req.params.request, req.body));

  // -- anyone signed in (the transition check decides who may cancel; the service what of a request is shown) --

  app.post<Req>('/v1/repairs/:request/cancel', { config: { access: 'repairs.view' }, schema: act() },
    async (req) => service.cancel(principalOf(req), req.params.request));

  app.get('/v1/repairs/mine', {
    config: { access: 'repairs.view' },
    schema: { response: { 200: myRequestsSchema, '4xx': errorRef } },
  }, async (req) => service.mine(principalOf(req)));

  app.get<Req>('/v1/repairs/:request', {
    config: { access: 'repairs.view' },
    schema: { params: requestParam, response: { 200: requestViewSchema, '4xx': errorRef } },
  }, async (req) => service.get(principalOf(req), req.params.request));

  app.get<Req>('/v1/repairs/:request/timeline', {
    config: { access: 'repairs.view' },
    schema: { params: requestParam, response: { 200: timelineSchema, '4xx': errorRef } },
  }, async (req) => service.timeline(req.params.request));

  app.get<{ Params: PhotoParam }>('/v1/repairs/:request/photos/:hash', {
    config: { access: 'repairs.view' },
    schema: { params: photoParam, response: { '4xx': errorRef } },
  }, async (req, reply) => {
    const photo = service.photo(principalOf(req), req.params.request, req.params.hash);
    return reply.type(photo.type).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(photo.bytes);
  });

  /** The request's worker's photo, when the worker's card (on this node) shares one; 404 otherwise. */
  app.get<Req>('/v1/repairs/:request/worker-photo', {
    config: { access: 'repairs.view' },
    schema: { params: requestParam, response: { '4xx': errorRef } },
  }, async (req, reply) => {
    const photo = service.workerPhoto(principalOf(req), req.params.request);
    return reply.type(photo.type).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(photo.bytes);
  });
};
