/**
 * Events routes (Machi REST, /v1/events): the wiring of schemas to the service. Each declares its route class (the
 * single authorisation hook checks role against class); per-request decisions are the core's transition checks inside
 * the service. What the routes take and show is the core's client contract (modules/events/api.ts); the route list is
 * docs/spec/events.md#api.
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  configResultSchema,
  departmentConfigureBodySchema,
  gridDefineBodySchema,
  gridEntryListSchema,
  DEPARTMENT_CODES,
  type DepartmentCode,
  type DepartmentConfigureBody,
  type GridDefineBody,
  departmentRecordListSchema,
  departmentRecordSchema,
  eventActResultSchema,
  eventAnswerFlagBodySchema,
  eventBoardQuerySchema,
  eventBoardSchema,
  eventCataloguesSchema,
  eventCloseBodySchema,
  eventDispatchBodySchema,
  eventEscalateBodySchema,
  eventFlagBodySchema,
  eventHandleBodySchema,
  eventHelpBodySchema,
  eventListSchema,
  eventRateBodySchema,
  eventReportBodySchema,
  eventSendBackBodySchema,
  eventTimelineSchema,
  eventTriageBodySchema,
  eventViewSchema,
  followResultSchema,
  gridListSchema,
  gridRecordSchema,
  gridWorkResultSchema,
  myEventsSchema,
  patrolBodySchema,
  periodQuerySchema,
  visitBodySchema,
  type EventAnswerFlagBody,
  type EventBoardQuery,
  type EventCloseBody,
  type EventDispatchBody,
  type EventEscalateBody,
  type EventFlagBody,
  type EventHandleBody,
  type EventHelpBody,
  type EventRateBody,
  type EventReportBody,
  type EventImportRequest,
  eventImportBodySchema,
  type EventSendBackBody,
  type EventTriageBody,
  type PatrolBody,
  type PeriodQuery,
  type VisitBody,
} from '@machi/core';
import { errorRef } from '../../api/shared-schemas.js';
import { eventPhotoUpload } from './photo-upload.js';
import { eventParam, gridParam, orgParam, photoParam, step, type EventParam, type GridParam, type OrgParam, type PhotoParam } from './schemas.js';
import type { EventsService } from './service.js';

type Ev = { Params: EventParam };

export const eventsRoutes: FastifyPluginAsync<{ service: EventsService }> = async (app, { service }) => {
  await app.register(eventPhotoUpload, { service });

  app.get('/v1/events/catalogue', {
    config: { access: 'public' },
    schema: { response: { 200: eventCataloguesSchema } },
  }, async () => service.catalogues());

  // -- the street office: grids and the department directory --

  app.get('/v1/events/grids', {
    config: { access: 'events.view' },
    schema: { response: { 200: gridEntryListSchema, '4xx': errorRef } },
  }, async () => ({ grids: service.gridEntries() }));

  app.put<{ Params: GridParam; Body: GridDefineBody }>('/v1/events/grids/:grid', {
    config: { access: 'events.configure' },
    schema: { params: gridParam, body: gridDefineBodySchema, response: { 200: configResultSchema, '4xx': errorRef } },
  }, async (req) => service.defineGridFromBody(service.actors.req(req), req.params.grid, req.body));

  app.put<{ Params: { department: DepartmentCode }; Body: DepartmentConfigureBody }>('/v1/events/directory/:department', {
    config: { access: 'events.configure' },
    schema: {
      params: { type: 'object', properties: { department: { type: 'string', enum: DEPARTMENT_CODES } }, required: ['department'] },
      body: departmentConfigureBodySchema, response: { 200: configResultSchema, '4xx': errorRef },
    },
  }, async (req) => service.configureDepartment(service.actors.req(req), req.params.department, req.body.orgs));

  // -- grid workers --

  app.get('/v1/events/grids/mine', {
    config: { access: 'events.grid' },
    schema: { response: { 200: gridListSchema, '4xx': errorRef } },
  }, async (req) => ({ grids: service.myGrids(service.actors.req(req)) }));

  app.post<{ Params: GridParam; Body: PatrolBody }>('/v1/events/grids/:grid/patrol', {
    config: { access: 'events.grid' },
    schema: { params: gridParam, body: patrolBodySchema, response: { 200: gridWorkResultSchema, '4xx': errorRef } },
  }, async (req) => service.patrol(service.actors.req(req), req.params.grid, req.body.building));

  app.post<{ Params: GridParam; Body: VisitBody }>('/v1/events/grids/:grid/visits', {
    config: { access: 'events.grid' },
    schema: { params: gridParam, body: visitBodySchema, response: { 200: gridWorkResultSchema, '4xx': errorRef } },
  }, async (req) => service.visit(service.actors.req(req), req.params.grid, req.body));

  app.get<{ Params: GridParam }>('/v1/events/grids/:grid/events', {
    config: { access: 'events.view' },
    schema: { params: gridParam, response: { 200: eventListSchema, '4xx': errorRef } },
  }, async (req) => ({ events: service.gridEvents(service.actors.req(req), req.params.grid) }));

  app.get<{ Params: GridParam; Querystring: PeriodQuery }>('/v1/events/grids/:grid/record', {
    config: { access: 'events.view' },
    schema: { params: gridParam, querystring: periodQuerySchema, response: { 200: gridRecordSchema, '4xx': errorRef } },
  }, async (req) => service.gridRecordView(req.params.grid, req.query));

  // -- reporting: grid workers and residents --

  app.post<{ Body: EventReportBody }>('/v1/events', {
    config: { access: 'events.report' },
    schema: { body: eventReportBodySchema, response: { 201: eventActResultSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(await service.report(service.actors.req(req), req.body)));

  // -- the command centre: finished events from its previous system (event.import) --

  app.post<{ Body: EventImportRequest }>('/v1/events/imports', {
    config: { access: 'events.centre' },
    schema: { body: eventImportBodySchema, response: { 201: eventActResultSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(await service.importEvent(service.actors.req(req), req.body)));

  app.get('/v1/events/mine', {
    config: { access: 'events.report' },
    schema: { response: { 200: myEventsSchema, '4xx': errorRef } },
  }, async (req) => service.mine(service.actors.req(req)));

  app.post<Ev>('/v1/events/:event/follow', {
    config: { access: 'events.report' },
    schema: { params: eventParam, response: { 200: followResultSchema, '4xx': errorRef } },
  }, async (req) => service.follow(service.actors.req(req), req.params.event, true));

  app.delete<Ev>('/v1/events/:event/follow', {
    config: { access: 'events.report' },
    schema: { params: eventParam, response: { 200: followResultSchema, '4xx': errorRef } },
  }, async (req) => service.follow(service.actors.req(req), req.params.event, false));

  app.post<Ev & { Body: EventRateBody }>('/v1/events/:event/rate', { config: { access: 'events.report' }, schema: step(eventRateBodySchema) },
    async (req) => service.rate(service.actors.req(req), req.params.event, req.body.rating));

  // -- the command centre --

  app.get<{ Querystring: EventBoardQuery }>('/v1/events/board', {
    config: { access: 'events.centre' },
    schema: { querystring: eventBoardQuerySchema, response: { 200: eventBoardSchema, '4xx': errorRef } },
  }, async (req) => service.board(service.actors.req(req), req.query));

  app.post<Ev & { Body: EventTriageBody }>('/v1/events/:event/triage', { config: { access: 'events.centre' }, schema: step(eventTriageBodySchema) },
    async (req) => service.triage(service.actors.req(req), req.params.event, req.body));

  app.post<Ev & { Body: EventDispatchBody }>('/v1/events/:event/dispatch', { config: { access: 'events.centre' }, schema: step(eventDispatchBodySchema) },
    async (req) => service.dispatch(service.actors.req(req), req.params.event, req.body.departments));

  app.post<Ev & { Body: EventCloseBody }>('/v1/events/:event/close', { config: { access: 'events.centre' }, schema: step(eventCloseBodySchema) },
    async (req) => service.close(service.actors.req(req), req.params.event, req.body.check, req.body.photos));

  app.post<Ev & { Body: EventSendBackBody }>('/v1/events/:event/send-back', { config: { access: 'events.centre' }, schema: step(eventSendBackBodySchema) },
    async (req) => service.sendBack(service.actors.req(req), req.params.event, req.body.departments, req.body.reason));

  app.post<Ev & { Body: EventEscalateBody }>('/v1/events/:event/escalate', { config: { access: 'events.centre' }, schema: step(eventEscalateBodySchema) },
    async (req) => service.escalate(service.actors.req(req), req.params.event, req.body.department));

  // -- departments --

  app.get('/v1/events/inbox', {
    config: { access: 'events.department' },
    schema: { response: { 200: eventListSchema, '4xx': errorRef } },
  }, async (req) => ({ events: service.inbox(service.actors.req(req)) }));

  app.post<Ev>('/v1/events/:event/acknowledge', { config: { access: 'events.department' }, schema: step() },
    async (req) => service.acknowledge(service.actors.req(req), req.params.event));

  app.post<Ev>('/v1/events/:event/accept', { config: { access: 'events.department' }, schema: step() },
    async (req) => service.accept(service.actors.req(req), req.params.event));

  app.post<Ev & { Body: EventHandleBody }>('/v1/events/:event/handle', { config: { access: 'events.department' }, schema: step(eventHandleBodySchema) },
    async (req) => service.handle(service.actors.req(req), req.params.event, req.body.result, req.body.photos));

  app.post<Ev & { Body: EventHelpBody }>('/v1/events/:event/request-help', { config: { access: 'events.department' }, schema: step(eventHelpBodySchema) },
    async (req) => service.requestHelp(service.actors.req(req), req.params.event, req.body));

  app.post<Ev & { Body: EventFlagBody }>('/v1/events/:event/flag', { config: { access: 'events.department' }, schema: step(eventFlagBodySchema) },
    async (req) => service.flag(service.actors.req(req), req.params.event, req.body));

  app.post<Ev & { Body: EventAnswerFlagBody }>('/v1/events/:event/answer-flag', { config: { access: 'events.department' }, schema: step(eventAnswerFlagBodySchema) },
    async (req) => service.answerFlag(service.actors.req(req), req.params.event, req.body));

  // -- anyone signed in --

  app.get('/v1/events/departments', {
    config: { access: 'events.view' },
    schema: { response: { 200: departmentRecordListSchema, '4xx': errorRef } },
  }, async () => ({ departments: service.departmentRecords() }));

  app.get<{ Params: OrgParam }>('/v1/events/departments/:org/record', {
    config: { access: 'events.view' },
    schema: { params: orgParam, response: { 200: departmentRecordSchema, '4xx': errorRef } },
  }, async (req) => service.departmentRecord(req.params.org));

  app.get<Ev>('/v1/events/:event', {
    config: { access: 'events.view' },
    schema: { params: eventParam, response: { 200: eventViewSchema, '4xx': errorRef } },
  }, async (req) => service.get(service.actors.req(req), req.params.event));

  app.get<Ev>('/v1/events/:event/timeline', {
    config: { access: 'events.view' },
    schema: { params: eventParam, response: { 200: eventTimelineSchema, '4xx': errorRef } },
  }, async (req) => service.timeline(service.actors.req(req), req.params.event));

  app.get<{ Params: PhotoParam }>('/v1/events/:event/photos/:hash', {
    config: { access: 'events.view' },
    schema: { params: photoParam, response: { '4xx': errorRef } },
  }, async (req, reply) => {
    const photo = service.photo(req.params.event, req.params.hash);
    return reply.type(photo.type).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(photo.bytes);
  });
};
