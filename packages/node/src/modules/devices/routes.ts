/**
 * Devices routes: property staff register devices (credentials shown once), see their health and set rules
 * (`devices.admin`); on-duty staff of the owner and of organisations an alarm was escalated to see the alarm board and
 * acknowledge and resolve (`devices.board`); gateways without MQTT post readings over HTTP with the device's secret in
 * `x-device-key` (the base class `public`: no sign-in; the route checks the device's credentials itself).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { MachiError, type DeviceClass } from '@machi/core';
import { principalOf } from '../../auth/principal.js';
import { errorRef } from '../../api/shared-schemas.js';
import { secretHash } from './credentials.js';
import type { Ingest, IngestOutcome } from './ingest.js';
import { alarmParam, alarmSchema, boardSchema, deviceListSchema, deviceParam, ingestedSchema, noticesSchema, readingBody, registerBody, registeredSchema, retiredSchema, ruleBody, ruleParam, rulesSchema, txSchema } from './schemas.js';
import type { DevicesService, RegisterBody, RuleBody } from './service.js';
import type { RouteClass } from '../../auth/policy.js';
import type { DeviceStore } from './store.js';

/**
 * The module's route classes as typed constants (devices/index.ts defines them). Naming the type here also makes the
 * checker resolve the policy table before the routes, which it otherwise reaches through a cycle of imports.
 */
export const ACCESS = { admin: 'devices.admin', board: 'devices.board', ingest: 'public' } as const satisfies Record<string, RouteClass>;

export interface DevicesRouteOptions {
  service: DevicesService;
  ingest: Ingest;
  store: DeviceStore;
  mqttUrl: () => string;
  clock: () => number;
}

/** An ingest outcome as an answer: 202, or the error it is. */
export function answerOutcome(reply: FastifyReply, outcome: IngestOutcome): { outcome: string } {
  if (outcome === 'accepted') {
    void reply.status(202);
    return { outcome };
  }
  if (outcome === 'rate-limited') throw new MachiError('DEVICE_RATE_LIMITED', 'the device is over its rate limit');
  if (outcome === 'unknown-device' || outcome === 'retired' || outcome === 'unauthorized') throw new MachiError('DEVICE_UNAUTHORIZED', 'unknown device or wrong credentials');
  throw new MachiError('REQUEST_INVALID', `the reading was dropped: ${outcome}`);
}

/** Whether the request's `x-device-key` is the secret of device `id` (devices with a key sign their bodies instead). */
export function keyMatches(ingest: Ingest, id: string, key: unknown): boolean {
  const d = ingest.device(id);
  return d !== undefined && d.credential.kind === 'secret' && typeof key === 'string' && secretHash(key) === d.credential.hash;
}

export const devicesRoutes: FastifyPluginAsync<DevicesRouteOptions> = async (app, { service, ingest, store, mqttUrl, clock }) => {
  // -- property staff --
  app.post<{ Body: RegisterBody }>('/v1/devices', {
    config: { access: ACCESS.admin },
    schema: { body: registerBody, response: { 201: registeredSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(await service.register(principalOf(req), req.body)));

  app.get('/v1/devices', {
    config: { access: ACCESS.admin },
    schema: { response: { 200: deviceListSchema, '4xx': errorRef } },
  }, async (req) => ({ devices: service.list(principalOf(req)), refusedUnknown: store.refusedUnknown, mqtt: mqttUrl() }));

  app.post<{ Params: { device: string } }>('/v1/devices/:device/retire', {
    config: { access: ACCESS.admin },
    schema: { params: deviceParam, response: { 200: retiredSchema, '4xx': errorRef } },
  }, async (req) => service.retire(principalOf(req), req.params.device));

  app.get('/v1/devices/rules', {
    config: { access: ACCESS.admin },
    schema: { response: { 200: rulesSchema, '4xx': errorRef } },
  }, async (req) => ({ rules: service.rules(principalOf(req)) }));

  app.put<{ Params: { class: DeviceClass; condition: string }; Body: RuleBody }>('/v1/devices/rules/:class/:condition', {
    config: { access: ACCESS.admin },
    schema: { params: ruleParam, body: ruleBody, response: { 200: txSchema, '4xx': errorRef } },
  }, async (req) => service.setRule(principalOf(req), req.params.class, req.params.condition, req.body));

  // -- on-duty staff and leaders --
  app.get('/v1/devices/alarms', {
    config: { access: ACCESS.board },
    schema: { response: { 200: boardSchema, '4xx': errorRef } },
  }, async (req) => {
    const p = principalOf(req);
    const now = clock();
    return { org: p.org, now, alarms: service.board(p, now) };
  });

  app.get('/v1/devices/notices', {
    config: { access: ACCESS.board },
    schema: { response: { 200: noticesSchema, '4xx': errorRef } },
  }, async () => ({ notices: service.notices() }));

  app.get<{ Params: { alarm: string } }>('/v1/devices/alarms/:alarm', {
    config: { access: ACCESS.board },
    schema: { params: alarmParam, response: { 200: alarmSchema, '4xx': errorRef } },
  }, async (req) => service.alarm(principalOf(req), req.params.alarm));

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post<{ Params: { alarm: string } }>(`/v1/devices/alarms/:alarm/${action}`, {
      config: { access: ACCESS.board },
      schema: { params: alarmParam, response: { 200: alarmSchema, '4xx': errorRef } },
    }, async (req) => service.act(principalOf(req), req.params.alarm, action));
  }

  // -- gateways --
  app.post<{ Params: { device: string }; Body: Record<string, unknown> }>('/v1/devices/:device/readings', {
    config: { access: ACCESS.ingest },
    schema: { params: deviceParam, body: readingBody, response: { 202: ingestedSchema, '4xx': errorRef } },
  }, async (req, reply) => {
    const id = req.params.device;
    const authenticated = keyMatches(ingest, id, req.headers['x-device-key']);
    // without the key, only a body signed by the device's Ed25519 key is taken (ingest checks `sig`)
    const d = ingest.device(id);
    if (!authenticated && (d === undefined || d.credential.kind !== 'ed25519' || typeof req.body.sig !== 'string')) {
      if (d !== undefined) store.health(id).refused += 1;
      throw new MachiError('DEVICE_UNAUTHORIZED', 'unknown device or wrong credentials');
    }
    return answerOutcome(reply, ingest.ingest(id, req.body, { authenticated }));
  });
};
