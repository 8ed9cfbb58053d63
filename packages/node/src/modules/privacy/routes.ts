/**
 * Private-data routes. Each declares its route class (the single authorisation hook checks role against class);
 * per-record decisions are the core's decideAccess inside PrivacyService. Response schemas list exactly what may
 * leave: nothing else is serialised.
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  FIELDS, FIELD_NAMES, MachiError, accessLogSchema, accessesOfNames, alertListSchema, alertsOfNames, allAlerts, grantCreatedSchema,
  myUsesSchema, privacyTxResultSchema, readResultSchema, subjectRecord, subjectRegisteredSchema,
  type AccessLog, type AlertList, type MyUses, type ReadResultView,
} from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import type { MachiNode } from '../../node/node.js';
import type { PrivacyService } from './service.js';
import type { Vault } from './vault.js';
import { errorRef } from '../../api/shared-schemas.js';
import {
  grantBody, grantParam, ownRecordQuery, readQuery, registerBody, subjectParam,
  type GrantBody, type GrantParam, type OwnRecordQuery, type ReadQuery, type RegisterBody, type SubjectParam,
} from './schemas.js';

export interface PrivacyRouteOptions {
  node: MachiNode;
  service: PrivacyService;
  vault: Vault;
}

function splitFields(text: string): string[] {
  return text.split(',').map((f) => f.trim()).filter(Boolean);
}

export const privacyRoutes: FastifyPluginAsync<PrivacyRouteOptions> = async (app, { node, service, vault }) => {
  const read = (k: string): string | undefined => node.store.read(k);
  const scan = (prefix: string, limit: number): [string, string][] => node.store.scan(prefix, limit);

  app.post<{ Body: RegisterBody }>('/v1/subjects', {
    config: { access: 'subjects.register' },
    schema: {
      body: registerBody,
      response: { 201: subjectRegisteredSchema, '4xx': errorRef },
    },
  }, async (req, reply) => reply.status(201).send(await service.register(principalOf(req), req.body.fields, req.body.linkUser)));

  const answerRead = (r: Awaited<ReturnType<PrivacyService['read']>>, subject: string): ReadResultView => {
    if (r.decision.decision === 'denied') {
      throw new MachiError('ACCESS_DENIED', `access denied (${r.decision.reason}); the attempt is recorded as ${r.access} in tx ${r.txHash}`, { reason: r.decision.reason });
    }
    return {
      subject, decision: r.decision.decision, reason: r.decision.reason, access: r.access, txHash: r.txHash, height: r.height,
      fields: r.fields, commitment: r.commitment, opening: r.opening,
    };
  };

  app.get<{ Params: SubjectParam; Querystring: ReadQuery }>('/v1/subjects/:subject', {
    config: { access: 'subjects.read' },
    schema: { params: subjectParam, querystring: readQuery, response: { 200: readResultSchema, '4xx': errorRef } },
  }, async (req) => {
    const r = await service.read(principalOf(req), {
      subject: req.params.subject, purpose: req.query.purpose, fields: splitFields(req.query.fields),
      ...(req.query.caseRef === undefined ? {} : { caseRef: req.query.caseRef }),
    });
    return answerRead(r, req.params.subject);
  });

  /** A resident reads their own record (the read is recorded like any other). */
  app.get<{ Querystring: OwnRecordQuery }>('/v1/me/record', {
    config: { access: 'subjects.read-own' },
    schema: { querystring: ownRecordQuery, response: { 200: readResultSchema, '4xx': errorRef } },
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
    schema: { response: { 200: myUsesSchema, '4xx': errorRef } },
  }, async (req): Promise<MyUses> => {
    const p = principalOf(req);
    const subject = vault.subjectOfUser(p.userId);
    if (subject === undefined) throw new MachiError('SUBJECT_NOT_FOUND', 'no record is linked to this account');
    // the ledger names them per context: the holder finds their records by the pseudonyms it derived (pseudonyms.ts)
    const names = service.ledgerNames(subject, 'privacy.access/');
    const uses = accessesOfNames(scan, names).map((record) => ({ record, proof: node.proof(record.txHash) }));
    return { subject, uses, alerts: alertsOfNames(scan, names) };
  });

  app.get<{ Params: SubjectParam }>('/v1/subjects/:subject/accesses', {
    config: { access: 'access-log.read' },
    schema: { params: subjectParam, response: { 200: accessLogSchema, '4xx': errorRef } },
  }, async (req): Promise<AccessLog> => {
    if (subjectRecord(read, req.params.subject) === undefined) throw new MachiError('SUBJECT_NOT_FOUND', `no subject ${req.params.subject}`);
    // by the names this node knows: all of them at the holder, at another node those of the reads it recorded
    const names = service.ledgerNames(req.params.subject, 'privacy.access/');
    return { accesses: accessesOfNames(scan, names), alerts: alertsOfNames(scan, names) };
  });

  app.get('/v1/alerts', {
    config: { access: 'alerts.read-all' },
    schema: { response: { 200: alertListSchema } },
  }, async (): Promise<AlertList> => ({ alerts: allAlerts(read, scan) }));

  app.post<{ Body: GrantBody }>('/v1/grants', {
    config: { access: 'grants.manage' },
    schema: { body: grantBody, response: { 201: grantCreatedSchema, '4xx': errorRef } },
  }, async (req, reply) => reply.status(201).send(await service.grant(principalOf(req), req.body as never))); // classes, role and purpose: checked (and typed) by the core's handler

  app.delete<{ Params: GrantParam }>('/v1/grants/:grant', {
    config: { access: 'grants.manage' },
    schema: { params: grantParam, response: { 200: privacyTxResultSchema, '4xx': errorRef } },
  }, async (req) => service.revoke(principalOf(req), req.params.grant));

  app.post<{ Params: SubjectParam }>('/v1/subjects/:subject/erase', {
    config: { access: 'subjects.erase' },
    schema: { params: subjectParam, response: { 200: privacyTxResultSchema, '4xx': errorRef } },
  }, async (req) => service.erase(principalOf(req), req.params.subject));
};
