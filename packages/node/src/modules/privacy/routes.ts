/**
 * Private-data routes. Each declares its route class (the single authorisation hook checks role against class);
 * per-record decisions are the core's decideAccess inside PrivacyService. Response schemas list exactly what may
 * leave: nothing else is serialised.
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  DATA_CLASSES, FIELDS, FIELD_NAMES, MachiError, PURPOSES, accessesOfSubject, alertsOfSubject, allAlerts,
  subjectRecord, type Purpose,
} from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import type { MachiNode } from '../../node/node.js';
import type { PrivacyService } from './service.js';
import type { Fields, Vault } from './vault.js';
import { errorSchema } from '../../api/routes/schemas.js';

export interface PrivacyRouteOptions {
  node: MachiNode;
  service: PrivacyService;
  vault: Vault;
}

const subjectParam = { type: 'object', properties: { subject: { type: 'string', pattern: '^sub_[0-9a-f]{32}$' } }, required: ['subject'] } as const;
const fieldsSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: Object.fromEntries(FIELD_NAMES.map((f) => [f, { type: 'string', minLength: 1, maxLength: 200 }])),
} as const;
const readQuery = {
  type: 'object',
  required: ['purpose', 'fields'],
  properties: {
    purpose: { type: 'string', enum: [...PURPOSES] },
    fields: { type: 'string', maxLength: 500, description: 'comma-separated field names' },
    caseRef: { type: 'string', maxLength: 80 },
  },
} as const;
const readResponse = {
  type: 'object',
  properties: {
    subject: { type: 'string' },
    decision: { type: 'string' },
    reason: { type: 'string' },
    access: { type: 'string' },
    txHash: { type: 'string' },
    height: { type: 'integer' },
    fields: fieldsSchema,
    commitment: { type: 'string' },
    opening: {
      type: 'object',
      properties: {
        salts: { type: 'object', additionalProperties: { type: 'string' } },
        digests: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
} as const;
const txResult = { type: 'object', properties: { txHash: { type: 'string' }, height: { type: 'integer' } } } as const;
const recordItem = { type: 'object', additionalProperties: true } as const;

function splitFields(text: string): string[] {
  return text.split(',').map((f) => f.trim()).filter(Boolean);
}

export const privacyRoutes: FastifyPluginAsync<PrivacyRouteOptions> = async (app, { node, service, vault }) => {
  const read = (k: string): string | undefined => node.store.read(k);
  const scan = (prefix: string, limit: number): [string, string][] => node.store.scan(prefix, limit);

  app.post<{ Body: { fields: Fields; linkUser?: string } }>('/v1/subjects', {
    config: { access: 'subjects.register' },
    schema: {
      body: { type: 'object', additionalProperties: false, required: ['fields'], properties: { fields: fieldsSchema, linkUser: { type: 'string', maxLength: 64 } } },
      response: { 201: { type: 'object', properties: { subject: { type: 'string' }, commitment: { type: 'string' }, classes: { type: 'array', items: { type: 'string' } }, txHash: { type: 'string' }, height: { type: 'integer' } } }, '4xx': errorSchema },
    },
  }, async (req, reply) => reply.status(201).send(await service.register(principalOf(req), req.body.fields, req.body.linkUser)));

  const answerRead = (r: Awaited<ReturnType<PrivacyService['read']>>, subject: string) => {
    if (r.decision.decision === 'denied') {
      throw new MachiError('ACCESS_DENIED', `access denied (${r.decision.reason}); the attempt is recorded as ${r.access} in tx ${r.txHash}`, { reason: r.decision.reason });
    }
    return {
      subject, decision: r.decision.decision, reason: r.decision.reason, access: r.access, txHash: r.txHash, height: r.height,
      fields: r.fields, commitment: r.commitment, opening: r.opening,
    };
  };

  app.get<{ Params: { subject: string }; Querystring: { purpose: Purpose; fields: string; caseRef?: string } }>('/v1/subjects/:subject', {
    config: { access: 'subjects.read' },
    schema: { params: subjectParam, querystring: readQuery, response: { 200: readResponse, '4xx': errorSchema } },
  }, async (req) => {
    const r = await service.read(principalOf(req), {
      subject: req.params.subject, purpose: req.query.purpose, fields: splitFields(req.query.fields),
      ...(req.query.caseRef === undefined ? {} : { caseRef: req.query.caseRef }),
    });
    return answerRead(r, req.params.subject);
  });

  /** A resident reads their own record (the read is recorded like any other). */
  app.get<{ Querystring: { fields?: string } }>('/v1/me/record', {
    config: { access: 'subjects.read-own' },
    schema: { querystring: { type: 'object', properties: { fields: { type: 'string', maxLength: 500 } } }, response: { 200: readResponse, '4xx': errorSchema } },
  }, async (req) => {
    const p = principalOf(req);
    const subject = vault.subjectOfUser(p.userId);
    if (subject === undefined) throw new MachiError('SUBJECT_NOT_FOUND', 'no record is linked to this account');
    const held = subjectRecord(read, subject);
    const fields = req.query.fields === undefined ? FIELD_NAMES.filter((f) => held?.classes.includes(FIELDS[f]) === true) : splitFields(req.query.fields);
    const r = await service.read(p, { subject, purpose: 'identity-verification', fields }, subject);
    return answerRead(r, subject);
  });

  /** Every use of my data, each with a proof bundle to verify against the ledger, and the alerts raised on them. */
  app.get('/v1/me/uses', {
    config: { access: 'self' },
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            subject: { type: 'string' },
            uses: { type: 'array', items: { type: 'object', properties: { record: recordItem, proof: recordItem } } },
            alerts: { type: 'array', items: recordItem },
          },
        },
        '4xx': errorSchema,
      },
    },
  }, async (req) => {
    const p = principalOf(req);
    const subject = vault.subjectOfUser(p.userId);
    if (subject === undefined) throw new MachiError('SUBJECT_NOT_FOUND', 'no record is linked to this account');
    const uses = accessesOfSubject(scan, subject).map((record) => ({ record, proof: node.proof(record.txHash) }));
    return { subject, uses, alerts: alertsOfSubject(scan, subject) };
  });

  app.get<{ Params: { subject: string } }>('/v1/subjects/:subject/accesses', {
    config: { access: 'access-log.read' },
    schema: { params: subjectParam, response: { 200: { type: 'object', properties: { accesses: { type: 'array', items: recordItem }, alerts: { type: 'array', items: recordItem } } }, '4xx': errorSchema } },
  }, async (req) => {
    if (subjectRecord(read, req.params.subject) === undefined) throw new MachiError('SUBJECT_NOT_FOUND', `no subject ${req.params.subject}`);
    return { accesses: accessesOfSubject(scan, req.params.subject), alerts: alertsOfSubject(scan, req.params.subject) };
  });

  app.get('/v1/alerts', {
    config: { access: 'alerts.read-all' },
    schema: { response: { 200: { type: 'object', properties: { alerts: { type: 'array', items: recordItem } } } } },
  }, async () => ({ alerts: allAlerts(read, scan) }));

  app.post<{ Body: { subjects: string[]; classes: string[]; fields?: string[]; toOrg: string; toRole: string; purpose: string; from: number; until: number } }>('/v1/grants', {
    config: { access: 'grants.manage' },
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['subjects', 'classes', 'toOrg', 'toRole', 'purpose', 'from', 'until'],
        properties: {
          subjects: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', maxLength: 40 } },
          classes: { type: 'array', minItems: 1, maxItems: DATA_CLASSES.length, items: { type: 'string', maxLength: 40 } },
          fields: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', maxLength: 40 } },
          toOrg: { type: 'string', maxLength: 64 },
          toRole: { type: 'string', maxLength: 40 },
          purpose: { type: 'string', maxLength: 40 },
          from: { type: 'integer', minimum: 0 },
          until: { type: 'integer', minimum: 0 },
        },
      },
      response: { 201: { type: 'object', properties: { grant: { type: 'string' }, txHash: { type: 'string' }, height: { type: 'integer' } } }, '4xx': errorSchema },
    },
  }, async (req, reply) => reply.status(201).send(await service.grant(principalOf(req), req.body as never)));

  app.delete<{ Params: { grant: string } }>('/v1/grants/:grant', {
    config: { access: 'grants.manage' },
    schema: { params: { type: 'object', properties: { grant: { type: 'string', pattern: '^gr_[0-9a-f]{32}$' } }, required: ['grant'] }, response: { 200: txResult, '4xx': errorSchema } },
  }, async (req) => service.revoke(principalOf(req), req.params.grant));

  app.post<{ Params: { subject: string } }>('/v1/subjects/:subject/erase', {
    config: { access: 'subjects.erase' },
    schema: { params: subjectParam, response: { 200: txResult, '4xx': errorSchema } },
  }, async (req) => service.erase(principalOf(req), req.params.subject));
};
