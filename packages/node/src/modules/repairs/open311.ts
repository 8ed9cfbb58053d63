/**
 * Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the repairs module, at /open311/v2, JSON only:
 * service discovery, reading requests, posting a request. A service is a repair category; a request's location is a
 * building of the community (address_string / address_id / lat,long → building code); `open` are the open statuses,
 * every other status is `closed`. Errors leave in the Open311 format `[{code, description}]` with 400, 403 or 404
 * (5xx for server errors). Personal fields GeoReport allows (email, name, phone, device_id) are accepted and ignored:
 * nothing of them is stored. docs/spec/repairs.md#open311-georeport-v2
 */
import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  CATEGORIES,
  ERRORS,
  MachiError,
  REPAIRS_QUERY_ITEMS_MAX,
  REQUEST_ID_PATTERN,
  isCategory,
  isMachiError,
  isOpenStatus,
  isSlaStatus,
  type RepairCategory,
  type RepairStatus,
  type RequestRecord,
} from '@machi/core';
import { principalOfToken, type AuthOptions } from '../../auth/plugin.js';
import { routeDenial } from '../../auth/policy.js';
import type { Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import { DEMO_BUILDINGS, buildingOf, buildingSource, type BuildingInfo, type BuildingSource } from './buildings.js';
import { jurisdiction, nullable, postBody, requestSchema, requestsQuery, responses, serviceSchema, type PostBody, type RequestsQuery } from './open311-schemas.js';
import type { RepairsService } from './service.js';

export { DEMO_BUILDINGS, OPEN311_BUILDING_RADIUS_M, buildingOf, communityBuildings, type BuildingInfo } from './buildings.js';

/** GeoReport's default window for GET requests.json without dates. */
export const OPEN311_WINDOW_MS = 90 * 24 * 60 * 60 * 1000;

const GROUPS: Record<RepairCategory, { group: string; keywords: string }> = {
  'burst-pipe': { group: 'plumbing', keywords: 'water,leak,pipe,flood' },
  drainage: { group: 'plumbing', keywords: 'drain,blocked,sewer,toilet' },
  electrical: { group: 'electrical', keywords: 'power,socket,wiring,outage' },
  lift: { group: 'building', keywords: 'lift,elevator,stuck' },
  lighting: { group: 'electrical', keywords: 'light,lamp,dark,corridor' },
  'door-lock': { group: 'building', keywords: 'door,lock,key,entrance' },
  heating: { group: 'building', keywords: 'heating,radiator,cold' },
  sanitation: { group: 'cleaning', keywords: 'rubbish,litter,cleaning,bins' },
  other: { group: 'other', keywords: 'other' },
};

const STATUS_NOTES: Record<RepairStatus, string> = {
  received: 'received, waiting for a worker to be assigned',
  assigned: 'a maintenance worker is assigned',
  'en-route': 'the worker is on the way',
  'on-site': 'the worker is on site',
  diagnosed: 'the worker has diagnosed the problem',
  'in-progress': 'the repair is in progress',
  done: 'the repair is done, waiting for the reporter to confirm',
  confirmed: 'the reporter confirmed the repair',
  reopened: 'the reporter reopened the request',
  cancelled: 'the request was cancelled',
};

// ---- api_key ------------------------------------------------------------------------------------------------------

const BEARER = /^Bearer ([A-Za-z0-9_.-]+)$/i;

/** The token of a request: Authorization: Bearer, else `api_key` in the body or the query string. */
function tokenOf(req: FastifyRequest): string | undefined {
  const m = BEARER.exec(req.headers.authorization ?? '');
  if (m !== null) return m[1]!;
  const fromBody = (req.body as { api_key?: unknown } | undefined)?.api_key;
  const fromQuery = (req.query as { api_key?: unknown } | undefined)?.api_key;
  const key = fromBody ?? fromQuery;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/** GeoReport sends the key as a form field, parsed only after the hook has run: this route class is public there. */
async function principalOfKey(auth: AuthOptions, token: string): Promise<Principal> {
  return (await principalOfToken(auth, token)).principal;
}

// ---- errors -------------------------------------------------------------------------------------------------------

/** The Open311 status of a failure: the catalogue's, narrowed to 400 / 403 / 404 (server errors stay 5xx). */
function open311Status(status: number): number {
  if (status >= 500 || status === 404 || status === 403) return status;
  return status === 401 ? 403 : 400;
}

function open311Error(e: unknown): { status: number; description: string } | undefined {
  if (isMachiError(e)) return { status: open311Status(ERRORS[e.code].status), description: `${e.code}: ${e.message}` };
  const fe = e as FastifyError;
  if (fe.validation !== undefined) return { status: 400, description: `REQUEST_INVALID: ${fe.validationContext ?? 'request'} ${fe.message}` };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return { status: open311Status(fe.statusCode), description: fe.message };
  return undefined;
}

// ---- representation -----------------------------------------------------------------------------------------------

const iso = (ms: number): string => new Date(ms).toISOString();

export interface Open311Options {
  service: RepairsService;
  node: MachiNode;
  auth: AuthOptions;
  /** the community's buildings, or where to read them on each request */
  buildings?: readonly BuildingInfo[] | BuildingSource;
}

const split = (s: string | undefined): string[] | undefined => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

function parseDate(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new MachiError('REQUEST_INVALID', `${name} must be a date and time in ISO 8601 (e.g. 2026-01-31T08:00:00Z)`);
  return t;
}

export const open311Routes: FastifyPluginAsync<Open311Options> = async (app, { service, node, auth, buildings: given = DEMO_BUILDINGS }) => {
  const buildingsNow = buildingSource(given);
  // Open311 clients post forms; only this context parses them.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.setErrorHandler((err, req, reply) => {
    const e = open311Error(err);
    if (e === undefined) {
      req.log.error(err);
      return reply.status(500).send([{ code: 500, description: 'internal error' }]);
    }
    return reply.status(e.status).send([{ code: e.status, description: e.description }]);
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send([{ code: 404, description: `no Open311 resource ${req.method} ${req.url.split('?')[0]} (JSON only: …/services.json, …/requests.json, …/requests/{id}.json)` }]));

  const agency = (org: string): string => node.genesis.orgs.find((o) => o.id === org)?.name ?? org;
  const place = (code: string): BuildingInfo | undefined => buildingsNow().find((b) => b.code === code);

  /** An optional key on the read routes: with one that may read a request's private part, its description is shown. */
  const reader = async (req: FastifyRequest): Promise<Principal | undefined> => {
    const token = tokenOf(req);
    return token === undefined ? undefined : principalOfKey(auth, token);
  };

  const represent = (req: FastifyRequest, r: RequestRecord, p: Principal | undefined) => {
    const b = place(r.location.building);
    const last = r.steps[r.steps.length - 1];
    const photo = r.steps.flatMap((s) => s.photoHashes ?? [])[0];
    const notes = [STATUS_NOTES[r.status]];
    if (r.escalation !== null) notes.push(`escalated to level ${r.escalation.level} (overdue)`);
    if (r.rating !== undefined) notes.push(`rated ${r.rating}/5`);
    return {
      service_request_id: r.request,
      status: isOpenStatus(r.status) ? 'open' : 'closed',
      status_notes: notes.join('; '),
      service_name: CATEGORIES[r.category].name,
      service_code: r.category,
      // the description stays in the reporting organisation's private store: shown only to those who may read it
      description: p !== undefined && service.mayReadPrivate(p, r) ? (service.description(r) ?? '') : '',
      agency_responsible: agency(r.org),
      service_notice: isSlaStatus(r.status) ? `${r.priority} priority: a worker should be on site by ${iso(r.slaDueAt)}` : '',
      requested_datetime: iso(r.createdAt),
      updated_datetime: iso(last?.at ?? r.createdAt),
      expected_datetime: isSlaStatus(r.status) ? iso(r.slaDueAt) : null,
      address: `${b === undefined ? r.location.building : `${b.name} (${b.code})`}, ${r.location.kind === 'home' ? 'a home' : 'common area'}`,
      address_id: r.location.building,
      lat: b?.lat ?? null,
      long: b?.long ?? null,
      media_url: photo === undefined ? null : `${req.protocol}://${req.host}/v1/repairs/${r.request}/photos/${photo}`,
    };
  };

  app.get('/services.json', {
    config: { access: 'public' },
    schema: { querystring: { type: 'object', properties: jurisdiction }, response: responses({ type: 'array', items: serviceSchema }) },
  }, async () => service.slaTable().map((c) => {
    // this node's organisation's SLAs (its setting, else the catalogue's): the ones a request posted here gets
    const code = c.category;
    return {
      service_code: code,
      service_name: c.name,
      description: `${c.name}. Default priority ${c.defaultPriority}; a worker on site within ${c.slaHours.urgent} h (urgent) or ${c.slaHours.normal} h (normal).`,
      metadata: false,
      type: 'realtime',
      keywords: GROUPS[code].keywords,
      group: GROUPS[code].group,
    };
  }));

  app.get<{ Querystring: RequestsQuery }>('/requests.json', {
    config: { access: 'public' },
    schema: { querystring: requestsQuery, response: responses({ type: 'array', items: requestSchema }) },
  }, async (req) => {
    const p = await reader(req);
    const q = req.query;
    const ids = split(q.service_request_id);
    if (ids !== undefined) {
      // GeoReport: with ids, the other filters are ignored
      return ids.filter((id) => new RegExp(REQUEST_ID_PATTERN).test(id)).map((id) => service.record(id)).filter((r): r is RequestRecord => r !== undefined).map((r) => represent(req, r, p));
    }
    const codes = split(q.service_code);
    const unknown = codes?.find((c) => !isCategory(c));
    if (unknown !== undefined) throw new MachiError('REQUEST_INVALID', `service_code ${unknown} is not a service of this endpoint (GET services.json)`);
    const statuses = split(q.status);
    if (statuses?.some((s) => s !== 'open' && s !== 'closed')) throw new MachiError('REQUEST_INVALID', 'status must be open or closed');
    const end = parseDate('end_date', q.end_date) ?? node.clock();
    const start = parseDate('start_date', q.start_date) ?? end - OPEN311_WINDOW_MS;
    return service.all(REPAIRS_QUERY_ITEMS_MAX)
      .filter((r) => r.createdAt >= start && r.createdAt <= end)
      .filter((r) => codes === undefined || codes.includes(r.category))
      .filter((r) => statuses === undefined || statuses.includes(isOpenStatus(r.status) ? 'open' : 'closed'))
      .map((r) => represent(req, r, p));
  });

  app.get<{ Params: { file: string } }>('/requests/:file', {
    config: { access: 'public' },
    schema: { querystring: { type: 'object', properties: { ...jurisdiction, api_key: { type: 'string', maxLength: 4096 } } }, response: responses({ type: 'array', items: requestSchema }) },
  }, async (req) => {
    const m = /^(.+)\.json$/.exec(req.params.file);
    if (m === null) throw new MachiError('NOT_FOUND', 'only JSON is served: GET requests/{service_request_id}.json');
    const r = new RegExp(REQUEST_ID_PATTERN).test(m[1]!) ? service.record(m[1]!) : undefined;
    if (r === undefined) throw new MachiError('NOT_FOUND', `no service request ${m[1]}`);
    return [represent(req, r, await reader(req))];
  });

  app.post<{ Body: PostBody }>('/requests.json', {
    config: { access: 'open311.report' },
    schema: {
      body: postBody,
      response: responses({ type: 'array', items: { type: 'object', properties: { service_request_id: { type: 'string' }, service_notice: { type: 'string' }, account_id: nullable('string') } } }),
    },
  }, async (req) => {
    const token = tokenOf(req);
    if (token === undefined) throw new MachiError('UNAUTHENTICATED', 'api_key is required: a Machi session token (POST /v1/auth/login), as api_key or Authorization: Bearer');
    const p = await principalOfKey(auth, token);
    const denial = routeDenial('repairs.report', p.role);
    if (denial !== undefined) throw new MachiError('ACCESS_DENIED', denial);
    const b = req.body;
    if (!isCategory(b.service_code)) throw new MachiError('REQUEST_INVALID', `service_code ${b.service_code} is not a service of this endpoint (GET services.json)`);
    const buildings = buildingsNow();
    const buildingCode = buildingOf(b, buildings);
    if (buildingCode === undefined) {
      throw new MachiError('REQUEST_INVALID', `the location does not name a building of this community: send address_string (one of ${buildings.map((x) => `${x.code} "${x.name}"`).join(', ')}), address_id, or lat/long`);
    }
    const done = await service.report(p, { category: b.service_code, location: { kind: 'common', building: buildingCode }, description: b.description ?? '' });
    const r = service.record(done.request)!;
    return [{ service_request_id: done.request, service_notice: `${r.priority} priority: a worker should be on site by ${iso(r.slaDueAt)}`, account_id: service.actorOf(p) }];
  });
};
