/**
 * Webhooks routes (/v1/webhooks): the wiring of schemas to the service. Every route is of class `webhooks.manage`;
 * what they take and show is the core's client contract (modules/webhooks/api.ts). docs/spec/webhooks.md#api
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  webhookCreateSchema,
  webhookDeliveryPageSchema,
  webhookListSchema,
  webhookPingResultSchema,
  webhookViewSchema,
  type WebhookCreate,
} from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { errorRef } from '../../api/shared-schemas.js';
import { WEBHOOK_DELIVERIES_PAGE_DEFAULT, idParam, pageQuery, type IdParam, type PageQuery } from './schemas.js';
import type { WebhooksService } from './service.js';

export const webhooksRoutes: FastifyPluginAsync<{ service: WebhooksService }> = async (app, { service }) => {
  /** Subscribes a target URL to transaction types (by prefix) for the caller's organisation. */
  app.post<{ Body: WebhookCreate }>('/v1/webhooks', {
    config: { access: 'webhooks.manage' },
    schema: { body: webhookCreateSchema, response: { 201: webhookViewSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(service.create(principalOf(req), req.body)));

  /** The caller's organisation's subscriptions. */
  app.get('/v1/webhooks', {
    config: { access: 'webhooks.manage' },
    schema: { response: { 200: webhookListSchema, '4xx': errorRef } },
  }, async (req) => ({ webhooks: service.list(principalOf(req)) }));

  /** Deletes a subscription, its queue and its log. */
  app.delete<{ Params: IdParam }>('/v1/webhooks/:id', {
    config: { access: 'webhooks.manage' },
    schema: { params: idParam, response: { 204: { type: 'null', description: 'deleted' }, '4xx': errorRef } },
  }, async (req, reply) => {
    service.delete(principalOf(req), req.params.id);
    return reply.status(204).send();
  });

  /** A page of the subscription's deliveries, newest first, each with every attempt. */
  app.get<{ Params: IdParam; Querystring: PageQuery }>('/v1/webhooks/:id/deliveries', {
    config: { access: 'webhooks.manage' },
    schema: { params: idParam, querystring: pageQuery, response: { 200: webhookDeliveryPageSchema, '4xx': errorRef } },
  }, async (req) => service.deliveries(principalOf(req), req.params.id, req.query.limit ?? WEBHOOK_DELIVERIES_PAGE_DEFAULT, req.query.cursor === undefined ? undefined : Number(req.query.cursor)));

  /** Queues a signed test event (`org.machi.webhook.ping`) for the subscription. */
  app.post<{ Params: IdParam }>('/v1/webhooks/:id/ping', {
    config: { access: 'webhooks.manage' },
    schema: { params: idParam, response: { 202: webhookPingResultSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(202).send(service.ping(principalOf(req), req.params.id)));
};
