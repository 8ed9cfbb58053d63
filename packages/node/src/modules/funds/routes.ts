/**
 * Funds routes (/v1/funds): the wiring of schemas to the service. Each declares its route class (the single
 * authorisation hook checks the role); which organisation may take which step of which programme is the core's
 * check inside the service. Public routes answer with schemas that list every field. docs/spec/funds.md
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AlertKind } from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { errorRef, type FromRoute } from '../../api/shared-schemas.js';
import {
  alertsQuery, answerBody, applicationParam, applyBody, feedQuery, importBody, instructBody, listOf, noticeBody, objectionBody, objectionParam,
  paymentParam, personStatusBody, programmeBody, programmeParam, publicNoticesSchema, publicProgrammesSchema, publicTotalsSchema, receiptBody,
  reconcileBody, recordSchema, reissueBody, reviewBody, signersSchema, stepResultSchema, subjectParam, verifyBody,
} from './schemas.js';
import type { ApplyBody, FundsService } from './service.js';

type P<T> = { Params: T };
type B<T> = { Body: T };
const step = (body?: object, params?: object) => ({ ...(body === undefined ? {} : { body }), ...(params === undefined ? {} : { params }), response: { 201: stepResultSchema, '4xx': errorRef } });
const view = (params?: object, querystring?: object, out: object = recordSchema) => ({ ...(params === undefined ? {} : { params }), ...(querystring === undefined ? {} : { querystring }), response: { 200: out, '4xx': errorRef } });

export const fundsRoutes: FastifyPluginAsync<{ service: FundsService }> = async (app, { service: s }) => {
  // -- programme owners --
  app.put<P<{ programme: string }> & B<FromRoute<typeof programmeBody>>>('/v1/funds/programmes/:programme', { config: { access: 'funds.define' }, schema: step(programmeBody, programmeParam) },
    async (req, reply) => reply.status(201).send(await s.defineProgramme(principalOf(req), req.params.programme, req.body)));

  // -- community staff --
  app.post<B<ApplyBody>>('/v1/funds/applications', { config: { access: 'funds.community' }, schema: step(applyBody) },
    async (req, reply) => reply.status(201).send(await s.apply(principalOf(req), req.body)));
  app.post<P<{ application: string }> & B<FromRoute<typeof verifyBody>>>('/v1/funds/applications/:application/verify', { config: { access: 'funds.community' }, schema: step(verifyBody, applicationParam) },
    async (req, reply) => reply.status(201).send(await s.verify(principalOf(req), req.params.application, req.body)));
  app.post<B<{ programme: string; applications: string[] }>>('/v1/funds/notices', { config: { access: 'funds.community' }, schema: { body: noticeBody, response: { 201: recordSchema, '4xx': errorRef } } },
    async (req, reply) => reply.status(201).send(await s.publishNotice(principalOf(req), req.body)));
  app.post<P<{ application: string }> & B<{ ground: string; text: string }>>('/v1/funds/applications/:application/objections', { config: { access: 'funds.community' }, schema: step(objectionBody, applicationParam) },
    async (req, reply) => reply.status(201).send(await s.object(principalOf(req), req.params.application, req.body)));
  app.post<P<{ application: string; objection: number }> & B<{ outcome: string; finding: string }>>('/v1/funds/applications/:application/objections/:objection/answer', { config: { access: 'funds.community' }, schema: step(answerBody, objectionParam) },
    async (req, reply) => reply.status(201).send(await s.answerObjection(principalOf(req), req.params.application, req.params.objection, req.body)));
  app.post<P<{ subject: string }> & B<{ status: string }>>('/v1/funds/people/:subject/status', { config: { access: 'funds.community' }, schema: step(personStatusBody, subjectParam) },
    async (req, reply) => reply.status(201).send(await s.personStatus(principalOf(req), req.params.subject, req.body.status)));

  // -- department reviewers --
  app.post<P<{ application: string }> & B<FromRoute<typeof reviewBody>>>('/v1/funds/applications/:application/review', { config: { access: 'funds.review' }, schema: step(reviewBody, applicationParam) },
    async (req, reply) => reply.status(201).send(await s.review(principalOf(req), req.params.application, req.body)));
  app.post<B<ApplyBody & { approvedOn: number }>>('/v1/funds/imports', { config: { access: 'funds.review' }, schema: step(importBody) },
    async (req, reply) => reply.status(201).send(await s.importBeneficiary(principalOf(req), req.body)));

  // -- treasury --
  app.post<B<{ application: string; period: string; amountFen: number }>>('/v1/funds/payments', { config: { access: 'funds.treasury' }, schema: step(instructBody) },
    async (req, reply) => reply.status(201).send(await s.instruct(principalOf(req), req.body)));
  app.post<P<{ payment: string }> & B<{ accountNumber?: string }>>('/v1/funds/payments/:payment/reissue', { config: { access: 'funds.treasury' }, schema: step(reissueBody, paymentParam) },
    async (req, reply) => reply.status(201).send(await s.reissue(principalOf(req), req.params.payment, req.body)));

  // -- bank --
  app.post<P<{ payment: string }> & B<FromRoute<typeof receiptBody>>>('/v1/funds/payments/:payment/receipts', { config: { access: 'funds.bank' }, schema: step(receiptBody, paymentParam) },
    async (req, reply) => reply.status(201).send(await s.receipt(principalOf(req), req.params.payment, req.body)));
  app.post<B<FromRoute<typeof reconcileBody>>>('/v1/funds/reconciliations', { config: { access: 'funds.bank' }, schema: step(reconcileBody) },
    async (req, reply) => reply.status(201).send(await s.reconcile(principalOf(req), req.body)));

  // -- staff of every part, regulators and third parties (read-only) --
  app.get('/v1/funds/programmes', { config: { access: 'funds.oversight' }, schema: view(undefined, undefined, listOf(recordSchema)) }, async () => ({ items: s.programmes() }));
  app.get<P<{ programme: string }>>('/v1/funds/programmes/:programme', { config: { access: 'funds.oversight' }, schema: view(programmeParam) }, async (req) => s.programme(req.params.programme));
  app.get<P<{ programme: string }>>('/v1/funds/programmes/:programme/applications', { config: { access: 'funds.oversight' }, schema: view(programmeParam, undefined, listOf(recordSchema)) },
    async (req) => ({ items: s.applications(req.params.programme) }));
  app.get<P<{ programme: string }>>('/v1/funds/programmes/:programme/budget', { config: { access: 'funds.oversight' }, schema: view(programmeParam) }, async (req) => s.budget(req.params.programme));
  app.get<P<{ programme: string }>>('/v1/funds/programmes/:programme/metrics', { config: { access: 'funds.oversight' }, schema: view(programmeParam) }, async (req) => s.metrics(req.params.programme));
  app.get<P<{ programme: string }>>('/v1/funds/programmes/:programme/notices', { config: { access: 'funds.oversight' }, schema: view(programmeParam, undefined, listOf(recordSchema)) },
    async (req) => ({ items: s.notices(req.params.programme) }));
  app.get<P<{ application: string }>>('/v1/funds/applications/:application', { config: { access: 'funds.oversight' }, schema: view(applicationParam) }, async (req) => s.application(req.params.application));
  app.get<P<{ payment: string }>>('/v1/funds/payments/:payment', { config: { access: 'funds.oversight' }, schema: view(paymentParam) }, async (req) => s.payment(req.params.payment));
  app.get<{ Querystring: { programme?: string; kind?: AlertKind } }>('/v1/funds/alerts', { config: { access: 'funds.oversight' }, schema: view(undefined, alertsQuery, listOf(recordSchema)) },
    async (req) => ({ items: s.alerts(principalOf(req), { ...(req.query.programme === undefined ? {} : { programme: req.query.programme }), ...(req.query.kind === undefined ? {} : { kind: req.query.kind }) }) }));
  app.get<{ Querystring: { since?: number; limit?: number } }>('/v1/funds/feed', { config: { access: 'funds.oversight' }, schema: view(undefined, feedQuery, listOf(recordSchema)) },
    async (req) => ({ items: s.feed(req.query.since ?? 0, req.query.limit) }));

  // -- residents --
  app.get('/v1/funds/me/benefits', { config: { access: 'funds.mine' }, schema: view(undefined, undefined, listOf(recordSchema)) }, async (req) => ({ items: s.myBenefits(principalOf(req)) }));

  // -- the public --
  app.get('/v1/funds/public/programmes', { config: { access: 'public' }, schema: view(undefined, undefined, publicProgrammesSchema) },
    async () => ({ items: s.programmes().map((p) => ({ programme: p.programme, recurrence: p.recurrence, owner: p.owner })) }));
  // the organisations whose staff sign in here for funds (the treasury and the bank hosted here): the sign-in page
  app.get('/v1/funds/public/signers', { config: { access: 'public' }, schema: view(undefined, undefined, signersSchema) }, async () => ({ items: s.signsFor() }));
  app.get<P<{ programme: string }>>('/v1/funds/public/programmes/:programme', { config: { access: 'public' }, schema: view(programmeParam, undefined, publicTotalsSchema) },
    async (req) => s.publicTotals(req.params.programme));
  app.get<P<{ programme: string }>>('/v1/funds/public/programmes/:programme/notice', { config: { access: 'public' }, schema: view(programmeParam, undefined, publicNoticesSchema) },
    async (req) => ({ items: s.publicNotices(req.params.programme) }));
};
