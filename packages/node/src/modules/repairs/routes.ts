/**
 * Repairs routes (Machi REST, /v1/repairs). Each declares its route class (the single authorisation hook checks role
 * against class); per-request decisions are the core's checkTransition inside RepairsService. Response schemas list
 * exactly what may leave. `repairsPlugin` wires the private store, the service, its SLA escalation job and both APIs
 * (this one and Open311) for a node. docs/spec/repairs.md#api
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  BUILDING_ID_PATTERN,
  CATEGORY_CODES,
  CAUSES,
  CONTENT_HASH_PATTERN,
  LOCATION_KINDS,
  MachiError,
  PARTS,
  PRIORITIES,
  REPAIRS_BUILDING_CHARS_MAX,
  REPAIRS_PARTS_MAX,
  REPAIRS_PART_QUANTITY_MAX,
  REPAIRS_PHOTOS_MAX,
  REPAIRS_RATING_MAX,
  REPAIRS_RATING_MIN,
  REPAIRS_SLA_HOURS_MAX,
  REPAIRS_SLA_HOURS_MIN,
  REQUEST_ID_PATTERN,
  STATUSES,
  type RepairCategory,
  type RepairCause,
  type RepairPartLine,
} from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import type { AuthOptions } from '../../auth/plugin.js';
import { errorSchema } from '../../api/routes/schemas.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import { DEMO_BUILDINGS, open311Routes, type BuildingInfo } from './open311.js';
import { REPAIRS_ESCALATION_INTERVAL_MS, RepairsService, type ReportBody, type SlaBody, type SubjectLinks } from './service.js';
import {
  REPAIRS_DESCRIPTION_CHARS_MAX,
  REPAIRS_NOTE_CHARS_MAX,
  REPAIRS_PHOTO_BYTES_MAX,
  REPAIRS_UNIT_CHARS_MAX,
  DEFAULT_STAFF_CARD,
  RepairStore,
  type StaffCardInput,
} from './store.js';

// ---- schemas ------------------------------------------------------------------------------------------------------

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const hash = { type: 'string', pattern: CONTENT_HASH_PATTERN } as const;
const enumOf = (values: readonly string[]) => ({ type: 'string', enum: [...values] });
const building = { type: 'string', minLength: 1, maxLength: REPAIRS_BUILDING_CHARS_MAX, pattern: BUILDING_ID_PATTERN } as const;
const photos = { type: 'array', maxItems: REPAIRS_PHOTOS_MAX, uniqueItems: true, items: hash } as const;
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength });

const requestParam = { type: 'object', properties: { request: { type: 'string', pattern: REQUEST_ID_PATTERN } }, required: ['request'] } as const;
const photoParam = { type: 'object', properties: { request: requestParam.properties.request, hash }, required: ['request', 'hash'] } as const;

const actResult = {
  type: 'object',
  properties: { request: str, action: str, status: str, txHash: str, height: int },
  required: ['request', 'action', 'status', 'txHash', 'height'],
} as const;

const note = { type: 'object', properties: { kind: str, text: str, hash: str, salt: str, at: int } } as const;

/** A request as shown (RequestView): the private part only when the service put it there. */
const requestView = {
  type: 'object',
  properties: {
    request: str, category: str, categoryName: str, priority: str, status: str, open: bool,
    location: { type: 'object', properties: { kind: str, building: str } },
    org: str, reporter: str, worker: str, workerOrg: str, workerUsername: str,
    createdAt: int, updatedAt: int, slaDueAt: int, overdue: bool,
    escalation: { type: ['object', 'null'], properties: { level: int, at: int, overdueMs: int } },
    followers: int, rating: int, descriptionHash: str, photos: { type: 'array', items: str },
    workerCard: { type: 'object', properties: { name: str, phone: str, photo: { type: 'boolean', const: true } } },
    yours: bool, following: bool,
    description: str, descriptionSalt: str, unit: str, notes: { type: 'array', items: note },
  },
} as const;
const slaHoursOut = { type: 'object', properties: { urgent: int, normal: int }, required: ['urgent', 'normal'] } as const;
/** A category's service level for an organisation (SlaView). */
const slaView = {
  type: 'object',
  properties: {
    category: str, name: str, defaultPriority: str, slaHours: slaHoursOut, defaultSlaHours: slaHoursOut, configured: bool,
    at: int, txHash: str, by: str, byUsername: str,
  },
  required: ['category', 'name', 'defaultPriority', 'slaHours', 'defaultSlaHours', 'configured'],
} as const;
const slaHoursIn = { type: 'integer', minimum: REPAIRS_SLA_HOURS_MIN, maximum: REPAIRS_SLA_HOURS_MAX } as const;
const slaBody = { type: 'object', additionalProperties: false, required: ['urgentHours', 'normalHours'], properties: { urgentHours: slaHoursIn, normalHours: slaHoursIn } } as const;
const categoryParam = { type: 'object', properties: { category: enumOf(CATEGORY_CODES) }, required: ['category'] } as const;

const viewList = (name: string) => ({ type: 'object', properties: { [name]: { type: 'array', items: requestView } } });

const timelineStep = {
  type: 'object',
  properties: {
    action: str, status: str, at: int, actor: str, txHash: str,
    worker: str, workerOrg: str, cause: str,
    parts: { type: 'array', items: { type: 'object', properties: { part: str, quantity: int } } },
    photoHashes: { type: 'array', items: str },
    rating: int, commentHash: str, reasonHash: str, level: int, overdueMs: int,
    // a proof bundle (docs/spec/formats.md): public ledger data, passed through whole for verifyBundle
    proof: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

const reportBody = {
  type: 'object',
  additionalProperties: false,
  required: ['category', 'location', 'description'],
  properties: {
    category: enumOf(CATEGORY_CODES),
    priority: enumOf(PRIORITIES),
    location: { type: 'object', additionalProperties: false, required: ['kind', 'building'], properties: { kind: enumOf(LOCATION_KINDS), building } },
    description: text(REPAIRS_DESCRIPTION_CHARS_MAX),
    unit: text(REPAIRS_UNIT_CHARS_MAX),
    photos,
  },
} as const;
const diagnoseBody = {
  type: 'object',
  additionalProperties: false,
  required: ['cause', 'parts'],
  properties: {
    cause: enumOf(CAUSES),
    parts: {
      type: 'array',
      maxItems: REPAIRS_PARTS_MAX,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['part', 'quantity'],
        properties: { part: enumOf(PARTS), quantity: { type: 'integer', minimum: 1, maximum: REPAIRS_PART_QUANTITY_MAX } },
      },
    },
    photos,
  },
} as const;
const finishBody = { type: 'object', additionalProperties: false, properties: { photos } } as const;
const assignBody = { type: 'object', additionalProperties: false, required: ['worker'], properties: { worker: text(64) } } as const;
const confirmBody = {
  type: 'object',
  additionalProperties: false,
  required: ['rating'],
  properties: { rating: { type: 'integer', minimum: REPAIRS_RATING_MIN, maximum: REPAIRS_RATING_MAX }, comment: text(REPAIRS_NOTE_CHARS_MAX) },
} as const;
const reopenBody = { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: text(REPAIRS_NOTE_CHARS_MAX) } } as const;
const boardQuery = { type: 'object', additionalProperties: false, properties: { building, category: enumOf(CATEGORY_CODES) } } as const;
const similarQuery = { ...boardQuery, required: ['building'] } as const;

const act = (body?: object) => ({
  params: requestParam,
  ...(body === undefined ? {} : { body }),
  response: { 200: actResult, '4xx': errorSchema },
});

type Req = { Params: { request: string } };

// ---- raw photo bodies ---------------------------------------------------------------------------------------------

const tooLarge = (): MachiError => new MachiError('BODY_TOO_LARGE', `a photo may be at most ${REPAIRS_PHOTO_BYTES_MAX} bytes (5 MiB)`);

/**
 * Reads any body as bytes, up to REPAIRS_PHOTO_BYTES_MAX (413 beyond, with that limit in the message). The content
 * type is not trusted: the service decides by magic bytes (415 for anything but PNG, JPEG, WebP).
 */
function rawPhotoParser(req: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: unknown) => void): void {
  if (Number(req.headers['content-length'] ?? 0) > REPAIRS_PHOTO_BYTES_MAX) return done(tooLarge());
  const chunks: Buffer[] = [];
  let bytes = 0;
  let settled = false;
  const finish = (err: Error | null, body?: Buffer): void => {
    if (settled) return;
    settled = true;
    done(err, body);
  };
  payload.on('data', (c: Buffer) => {
    bytes += c.length;
    if (bytes > REPAIRS_PHOTO_BYTES_MAX) finish(tooLarge());
    else if (!settled) chunks.push(c);
  });
  payload.on('end', () => finish(null, Buffer.concat(chunks)));
  payload.on('error', (e: Error) => finish(e));
}

/** Only the photo upload route reads raw bodies: its own context, with its own parser. */
const photoUpload: FastifyPluginAsync<{ service: RepairsService }> = async (app, { service }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', rawPhotoParser);
  app.post('/v1/repairs/photos', {
    config: { access: 'repairs.photos' },
    schema: { response: { 201: { type: 'object', properties: { hash: str, type: str, bytes: int }, required: ['hash', 'type', 'bytes'] }, '4xx': errorSchema } },
  }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new MachiError('REQUEST_INVALID', 'send the image bytes as the request body (Content-Type image/png, image/jpeg or image/webp)');
    return reply.status(201).send(service.uploadPhoto(principalOf(req), req.body));
  });
};

// ---- routes -------------------------------------------------------------------------------------------------------

export interface RepairsRouteOptions {
  service: RepairsService;
  /** the community's buildings (codes on the ledger, names for forms) */
  buildings?: readonly BuildingInfo[];
}

export const repairsRoutes: FastifyPluginAsync<RepairsRouteOptions> = async (app, { service, buildings = DEMO_BUILDINGS }) => {
  await app.register(photoUpload, { service });

  /**
   * The catalogues a client needs to build its forms. The SLAs are this node's organisation's (its setting, else the
   * catalogue's): a report through this node is recorded by it, so they are the ones the report will get.
   */
  app.get('/v1/repairs/categories', {
    config: { access: 'public' },
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            categories: {
              type: 'array',
              items: { type: 'object', properties: { code: str, name: str, defaultPriority: str, slaHours: slaHoursOut, defaultSlaHours: slaHoursOut, slaConfigured: bool } },
            },
            priorities: { type: 'array', items: str },
            locationKinds: { type: 'array', items: str },
            causes: { type: 'array', items: str },
            parts: { type: 'array', items: str },
            statuses: { type: 'array', items: str },
            buildings: { type: 'array', items: { type: 'object', properties: { code: str, name: str, lat: { type: 'number' }, long: { type: 'number' } } } },
          },
        },
      },
    },
  }, async () => ({
    categories: service.slaTable().map((e) => ({ code: e.category, name: e.name, defaultPriority: e.defaultPriority, slaHours: e.slaHours, defaultSlaHours: e.defaultSlaHours, slaConfigured: e.configured })),
    priorities: PRIORITIES, locationKinds: LOCATION_KINDS, causes: CAUSES, parts: PARTS, statuses: STATUSES, buildings,
  }));

  // -- residents (and staff reporting) --

  app.get<{ Querystring: { building: string; category?: RepairCategory } }>('/v1/repairs/similar', {
    config: { access: 'repairs.report' },
    schema: { querystring: similarQuery, response: { 200: viewList('requests'), '4xx': errorSchema } },
  }, async (req) => ({ requests: service.similar(principalOf(req), req.query.building, req.query.category) }));

  app.post<{ Body: ReportBody }>('/v1/repairs', {
    config: { access: 'repairs.report' },
    schema: { body: reportBody, response: { 201: actResult, '4xx': errorSchema } },
  }, async (req, reply) => reply.status(201).send(await service.report(principalOf(req), req.body)));

  app.post<Req>('/v1/repairs/:request/follow', { config: { access: 'repairs.report' }, schema: act() },
    async (req) => service.follow(principalOf(req), req.params.request));

  app.post<Req & { Body: { rating: number; comment?: string } }>('/v1/repairs/:request/confirm', { config: { access: 'repairs.report' }, schema: act(confirmBody) },
    async (req) => service.confirm(principalOf(req), req.params.request, req.body));

  app.post<Req & { Body: { reason: string } }>('/v1/repairs/:request/reopen', { config: { access: 'repairs.report' }, schema: act(reopenBody) },
    async (req) => service.reopen(principalOf(req), req.params.request, req.body));

  // -- dispatchers and property staff --

  app.get<{ Querystring: { building?: string; category?: RepairCategory } }>('/v1/repairs/board', {
    config: { access: 'repairs.board' },
    schema: { querystring: boardQuery, response: { 200: viewList('requests'), '4xx': errorSchema } },
  }, async (req) => ({ requests: service.board(principalOf(req), req.query) }));

  app.get('/v1/repairs/workers', {
    config: { access: 'repairs.board' },
    schema: { response: { 200: { type: 'object', properties: { workers: { type: 'array', items: { type: 'object', properties: { username: str, displayName: str } } } } }, '4xx': errorSchema } },
  }, async (req) => ({ workers: service.workers(principalOf(req)) }));

  /** Service levels of the caller's organisation: each category's SLA, set by it or the catalogue default. */
  app.get('/v1/repairs/sla', {
    config: { access: 'repairs.board' },
    schema: { response: { 200: { type: 'object', properties: { org: str, categories: { type: 'array', items: slaView } }, required: ['org', 'categories'] }, '4xx': errorSchema } },
  }, async (req) => {
    const p = principalOf(req);
    return { org: p.org, categories: service.slaTable(p.org, p) };
  });
  /** Sets the organisation's SLA for a category (`repair.configure_sla`), for its requests from then on. */
  app.put<{ Params: { category: RepairCategory }; Body: SlaBody }>('/v1/repairs/sla/:category', {
    config: { access: 'repairs.board' },
    schema: { params: categoryParam, body: slaBody, response: { 200: { ...slaView, properties: { ...slaView.properties, height: int } }, '4xx': errorSchema } },
  }, async (req) => service.setSla(principalOf(req), req.params.category, req.body));

  const cardSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['share'],
    properties: {
      phone: { type: 'string', minLength: 3, maxLength: 32, pattern: '^[+0-9][0-9 ()-]*$' },
      /** a photo the caller uploaded (POST /v1/repairs/photos), or the card's current one */
      photo: hash,
      // share.photo may be left out (false), as cards were before photos
      share: { type: 'object', additionalProperties: false, required: ['name', 'phone'], properties: { name: bool, phone: bool, photo: bool } },
    },
  } as const;
  const userParam = { type: 'object', properties: { username: text(64) }, required: ['username'] } as const;
  app.get<{ Params: { username: string } }>('/v1/repairs/workers/:username/card', {
    config: { access: 'repairs.board' },
    schema: { params: userParam, response: { 200: cardSchema, '4xx': errorSchema } },
  }, async (req) => service.staffCard(principalOf(req), req.params.username));
  /** What residents see of this worker on their jobs (the organisation's choice): name, work phone, photo. */
  app.put<{ Params: { username: string }; Body: StaffCardInput }>('/v1/repairs/workers/:username/card', {
    config: { access: 'repairs.board' },
    schema: { params: userParam, body: cardSchema, response: { 200: cardSchema, '4xx': errorSchema } },
  }, async (req) => service.setStaffCard(principalOf(req), req.params.username, req.body));

  app.post<Req & { Body: { worker: string } }>('/v1/repairs/:request/assign', { config: { access: 'repairs.board' }, schema: act(assignBody) },
    async (req) => service.assign(principalOf(req), req.params.request, req.body.worker));

  app.post<Req>('/v1/repairs/:request/escalate', { config: { access: 'repairs.board' }, schema: act() },
    async (req) => service.escalate(principalOf(req), req.params.request));

  // -- maintenance workers --

  app.get('/v1/repairs/jobs', {
    config: { access: 'repairs.work' },
    schema: { response: { 200: viewList('jobs'), '4xx': errorSchema } },
  }, async (req) => ({ jobs: service.jobs(principalOf(req)) }));

  for (const action of ['accept', 'arrive', 'start'] as const) {
    app.post<Req>(`/v1/repairs/:request/${action}`, { config: { access: 'repairs.work' }, schema: act() },
      async (req) => service.step(principalOf(req), req.params.request, action));
  }

  app.post<Req & { Body: { cause: RepairCause; parts: RepairPartLine[]; photos?: string[] } }>('/v1/repairs/:request/diagnose', { config: { access: 'repairs.work' }, schema: act(diagnoseBody) },
    async (req) => service.diagnose(principalOf(req), req.params.request, req.body));

  app.post<Req & { Body: { photos?: string[] } }>('/v1/repairs/:request/finish', {
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
    schema: { response: { 200: { type: 'object', properties: { reported: viewList('x').properties.x, following: viewList('x').properties.x } }, '4xx': errorSchema } },
  }, async (req) => service.mine(principalOf(req)));

  app.get<Req>('/v1/repairs/:request', {
    config: { access: 'repairs.view' },
    schema: { params: requestParam, response: { 200: requestView, '4xx': errorSchema } },
  }, async (req) => service.get(principalOf(req), req.params.request));

  app.get<Req>('/v1/repairs/:request/timeline', {
    config: { access: 'repairs.view' },
    schema: { params: requestParam, response: { 200: { type: 'object', properties: { request: str, status: str, steps: { type: 'array', items: timelineStep } } }, '4xx': errorSchema } },
  }, async (req) => service.timeline(req.params.request));

  app.get<{ Params: { request: string; hash: string } }>('/v1/repairs/:request/photos/:hash', {
    config: { access: 'repairs.view' },
    schema: { params: photoParam, response: { '4xx': errorSchema } },
  }, async (req, reply) => {
    const photo = service.photo(principalOf(req), req.params.request, req.params.hash);
    return reply.type(photo.type).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(photo.bytes);
  });

  /** The request's worker's photo, when the worker's card (on this node) shares one; 404 otherwise. */
  app.get<Req>('/v1/repairs/:request/worker-photo', {
    config: { access: 'repairs.view' },
    schema: { params: requestParam, response: { '4xx': errorSchema } },
  }, async (req, reply) => {
    const photo = service.workerPhoto(principalOf(req), req.params.request);
    return reply.type(photo.type).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(photo.bytes);
  });
};

// ---- wiring for a node --------------------------------------------------------------------------------------------
