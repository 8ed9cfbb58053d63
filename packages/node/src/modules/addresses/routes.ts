/**
 * Address register routes (Machi REST, /v1/addresses): registrars (official, dispatcher) of the defining
 * organisation register, update and retire; anyone signed in lists and reads. docs/spec/addresses.md#api
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  ADDRESS_CODE_CHARS_MAX,
  ADDRESS_CODE_PATTERN,
  addressActResultSchema,
  addressListSchema,
  addressQuerySchema,
  addressRegisterBodySchema,
  addressUpdateBodySchema,
  addressViewSchema,
  type AddressListQuery,
  type AddressRegisterBody,
  type AddressUpdateBody,
} from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { errorRef, type FromRoute } from '../../api/shared-schemas.js';
import type { AddressesService } from './service.js';

const codeParam = {
  type: 'object',
  properties: { code: { type: 'string', pattern: ADDRESS_CODE_PATTERN, minLength: 1, maxLength: ADDRESS_CODE_CHARS_MAX } },
  required: ['code'],
} as const;
type CodeParam = FromRoute<typeof codeParam>;

export const addressesRoutes: FastifyPluginAsync<{ service: AddressesService }> = async (app, { service }) => {
  app.get<{ Querystring: AddressListQuery }>('/v1/addresses', {
    config: { access: 'addresses.view' },
    schema: { querystring: addressQuerySchema, response: { 200: addressListSchema, '4xx': errorRef } },
  }, async (req) => ({ addresses: service.list(req.query) }));

  app.get<{ Params: CodeParam }>('/v1/addresses/:code', {
    config: { access: 'addresses.view' },
    schema: { params: codeParam, response: { 200: addressViewSchema, '4xx': errorRef } },
  }, async (req) => service.get(req.params.code));

  app.post<{ Body: AddressRegisterBody }>('/v1/addresses', {
    config: { access: 'addresses.manage' },
    schema: { body: addressRegisterBodySchema, response: { 201: addressActResultSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(await service.register(principalOf(req), req.body)));

  app.patch<{ Params: CodeParam; Body: AddressUpdateBody }>('/v1/addresses/:code', {
    config: { access: 'addresses.manage' },
    schema: { params: codeParam, body: addressUpdateBodySchema, response: { 200: addressActResultSchema, '4xx': errorRef } },
  }, async (req) => service.update(principalOf(req), req.params.code, req.body));

  app.post<{ Params: CodeParam }>('/v1/addresses/:code/retire', {
    config: { access: 'addresses.manage' },
    schema: { params: codeParam, response: { 200: addressActResultSchema, '4xx': errorRef } },
  }, async (req) => service.retire(principalOf(req), req.params.code));
};
