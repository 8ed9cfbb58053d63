/**
 * Property routes (/v1/property): request bodies are the core's transaction schemas without the fields the node
 * fills in (`by`, the new id), so a body's rule is written once. Each route declares its route class; which
 * organisation may take a step is the core handler's check. docs/spec/property.md#api
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  BALLOT_CHOICES, BID_ID_PATTERN, FUND_USE_ID_PATTERN, HASH_HEX_PATTERN, PERIOD_PATTERN, PROPERTY_LABEL_CHARS_MAX, PROPERTY_LABEL_PATTERN, TENDER_ID_PATTERN,
  UNIT_AREA_DM2_MAX, UNIT_TYPES, VOTE_ID_PATTERN, propertyBill, propertyDisclose, propertyDun, propertyFees, propertyFundDeposit, propertyFundPropose,
  propertyFundTransfer, propertyPay, propertyNotice, propertyActivity, propertyHours, NOTICE_ID_PATTERN, ACTIVITY_ID_PATTERN, propertySpace, propertyTenderOpen, propertyTenderReveal, propertyVoteOpen, type TxType,
} from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { errorRef } from '../../api/shared-schemas.js';
import { FIELD_NAMES, LICENCE_ID_PATTERN, REQUEST_ID_PATTERN, LICENCE_KINDS, HOUSEHOLD_MEMBERS_MAX, SPACE_CODE_PATTERN, VEHICLE_ID_PATTERN } from '@machi/core';
import { PROPERTY_CSV_CHARS_MAX, type PropertyService } from './service.js';
import { STAFF_FILE_ITEMS_MAX, STAFF_TEXT_CHARS_MAX } from './staff-files.js';
import { PROPERTY_READ_PURPOSES, type OwnerRead, type PropertyReadPurpose } from './owner-reads.js';
import type { Principal } from '../../auth/principal.js';

/** Reads a unit's owner under a grant (owner-reads.ts; wired with the privacy service by the module). */
export type OwnerReader = (p: Principal, unit: string, q: { purpose: PropertyReadPurpose; fields: string[] }) => Promise<OwnerRead>;

type Obj = { type: 'object'; properties: Record<string, unknown>; required: string[]; additionalProperties: false };
/** A transaction type's payload schema without the fields the node fills in. */
function bodyOf(t: TxType<never>, omit: readonly string[] = []): Obj {
  const s = t.schema as Obj;
  const gone = ['by', ...omit];
  return { ...s, properties: Object.fromEntries(Object.entries(s.properties).filter(([k]) => !gone.includes(k))), required: s.required.filter((k) => !gone.includes(k)) };
}
const str = (pattern: string) => ({ type: 'string', pattern }) as const;
const param = (name: string, pattern: string) => ({ type: 'object', required: [name], properties: { [name]: str(pattern) } });
const record = { type: 'object', additionalProperties: true } as const;
const items = { type: 'object', additionalProperties: false, required: ['items'], properties: { items: { type: 'array', items: record } } } as const;
const stepResult = { type: 'object', additionalProperties: false, required: ['id', 'txHash', 'height'], properties: { id: { type: 'string' }, txHash: { type: 'string' }, height: { type: 'integer' } } } as const;
const step = (body?: object, params?: object) => ({ ...(body === undefined ? {} : { body }), ...(params === undefined ? {} : { params }), response: { 201: stepResult, '4xx': errorRef } });
const view = (out: object = record, params?: object, querystring?: object) => ({ ...(params === undefined ? {} : { params }), ...(querystring === undefined ? {} : { querystring }), response: { 200: out, '4xx': errorRef } });

const unitBody = {
  type: 'object', additionalProperties: false, required: ['unit', 'type', 'areaDm2'],
  properties: { unit: str('^[a-z][a-z0-9-]*$'), type: { type: 'string', enum: [...UNIT_TYPES] }, areaDm2: { type: 'integer', minimum: 1, maximum: UNIT_AREA_DM2_MAX }, ownerSubject: { anyOf: [str('^sub_[0-9a-f]{32}$'), { type: 'null' }] } },
} as const;
const householdBody = {
  type: 'object', additionalProperties: false, required: ['unit', 'memberSubjects'],
  properties: { unit: str('^[a-z][a-z0-9-]*$'), memberSubjects: { type: 'array', maxItems: HOUSEHOLD_MEMBERS_MAX, items: str('^sub_[0-9a-f]{32}$') } },
} as const;
const vehicleBody = {
  type: 'object', additionalProperties: false, required: ['unit', 'plate'],
  properties: { vehicle: str(VEHICLE_ID_PATTERN), unit: str('^[a-z][a-z0-9-]*$'), space: { anyOf: [str(SPACE_CODE_PATTERN), { type: 'null' }] }, plate: { type: 'string', minLength: 1, maxLength: 16 } },
} as const;
const vehicleResult = { type: 'object', additionalProperties: false, required: ['id', 'txHash', 'height', 'plateSubject'], properties: { id: { type: 'string' }, txHash: { type: 'string' }, height: { type: 'integer' }, plateSubject: { type: 'string' } } } as const;
const text = { type: 'string', minLength: 1, maxLength: STAFF_TEXT_CHARS_MAX } as const;
const trainingItem = { type: 'object', additionalProperties: false, required: ['course', 'completedAt'], properties: { course: text, completedAt: { type: 'integer', minimum: 0 } } } as const;
const staffBody = { type: 'object', additionalProperties: false, required: ['name', 'role'], properties: { name: text, role: text, worker: { type: 'string', minLength: 1, maxLength: 64 }, training: { type: 'array', maxItems: STAFF_FILE_ITEMS_MAX, items: trainingItem } } } as const;
const licenceBody = {
  type: 'object', additionalProperties: false, required: ['kind', 'number', 'expiresAt'],
  properties: { kind: { type: 'string', enum: [...LICENCE_KINDS] }, number: text, expiresAt: { type: 'integer', minimum: 0 } },
} as const;
const staffParam = param('staff', '^st_[0-9a-f]{32}$');
const licenceParam = param('licence', LICENCE_ID_PATTERN);
const atQuery = { type: 'object', additionalProperties: false, properties: { at: { type: 'integer', minimum: 0 } } } as const;
const csvBody = { type: 'object', additionalProperties: false, required: ['csv'], properties: { csv: { type: 'string', minLength: 1, maxLength: PROPERTY_CSV_CHARS_MAX } } } as const;
const csvReport = {
  type: 'object', additionalProperties: false, required: ['imported', 'refused', 'txHash'],
  properties: {
    imported: { type: 'integer' }, txHash: { type: ['string', 'null'] },
    refused: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['line', 'unit', 'reason'], properties: { line: { type: 'integer' }, unit: { type: 'string' }, reason: { type: 'string' } } } },
  },
} as const;
const ballotBody = { type: 'object', additionalProperties: false, required: ['unit', 'choice'], properties: { unit: str('^[a-z][a-z0-9-]*$'), choice: { type: 'string', enum: [...BALLOT_CHOICES] }, session: str('^ses_[0-9a-f]{32}$') } } as const;
const worksBody = { type: 'object', additionalProperties: false, required: ['stage'], properties: { stage: { type: 'string', enum: ['started', 'completed'] } } } as const;
const commitBody = {
  type: 'object', additionalProperties: false, required: ['bidder', 'commitment'],
  properties: { bidder: { type: 'string', pattern: PROPERTY_LABEL_PATTERN, minLength: 1, maxLength: PROPERTY_LABEL_CHARS_MAX }, commitment: str(HASH_HEX_PATTERN), bid: str(BID_ID_PATTERN) },
} as const;
const billsQuery = { type: 'object', additionalProperties: false, properties: { unit: str('^[a-z][a-z0-9-]*$'), period: str(PERIOD_PATTERN) } } as const;

const vote = param('vote', VOTE_ID_PATTERN);
const use = param('use', FUND_USE_ID_PATTERN);
const tender = param('tender', TENDER_ID_PATTERN);
const notice = param('notice', NOTICE_ID_PATTERN);
const activity = param('activity', ACTIVITY_ID_PATTERN);
const bid = { type: 'object', required: ['tender', 'bid'], properties: { tender: str(TENDER_ID_PATTERN), bid: str(BID_ID_PATTERN) } };
const bill = { type: 'object', required: ['unit', 'period'], properties: { unit: str('^[a-z][a-z0-9-]*$'), period: str(PERIOD_PATTERN) } };

type P<T> = { Params: T };
type B<T> = { Body: T };
// bodies are validated by their schemas (the core's); the handlers pass them on as the service's argument types
type Any = never;

const ownerQuery = {
  type: 'object', additionalProperties: false, required: ['purpose', 'fields'],
  properties: { purpose: { type: 'string', enum: [...PROPERTY_READ_PURPOSES] }, fields: { type: 'string', pattern: `^(${FIELD_NAMES.join('|')})(,(${FIELD_NAMES.join('|')})){0,10}$` } },
} as const;
const ownerReadSchema = {
  type: 'object', additionalProperties: false, required: ['unit', 'owner', 'decision', 'reason', 'access', 'txHash', 'height', 'fields', 'commitment', 'opening'],
  properties: {
    unit: { type: 'string' }, owner: { type: 'string' }, decision: { type: 'string' }, reason: { type: 'string' }, access: { type: 'string' }, txHash: { type: 'string' }, height: { type: 'integer' },
    fields: { type: 'object', additionalProperties: { type: 'string' } }, commitment: { type: 'string' }, opening: record,
  },
} as const;

export const propertyRoutes: FastifyPluginAsync<{ service: PropertyService; readOwner: OwnerReader }> = async (app, { service: s, readOwner }) => {
  // -- property staff: register, fees, bills, payments, dunning, disclosure --
  app.put<B<Any>>('/v1/property/units', { config: { access: 'property.staff' }, schema: step(unitBody) },
    async (req, reply) => reply.status(201).send(await s.putUnit(principalOf(req), req.body as never)));
  app.post<B<{ csv: string }>>('/v1/property/imports', { config: { access: 'property.staff' }, schema: { body: csvBody, response: { 201: csvReport, '4xx': errorRef } } },
    async (req, reply) => reply.status(201).send(await s.importCsv(principalOf(req), req.body.csv)));
  app.put<B<Any>>('/v1/property/spaces', { config: { access: 'property.staff' }, schema: step(bodyOf(propertySpace as TxType<never>)) },
    async (req, reply) => reply.status(201).send(await s.space(principalOf(req), req.body as never)));
  app.put<B<{ unit: string; memberSubjects: string[] }>>('/v1/property/households', { config: { access: 'property.staff' }, schema: step(householdBody) },
    async (req, reply) => reply.status(201).send(await s.household(principalOf(req), req.body)));
  app.put<B<{ vehicle?: string; unit: string; space?: string | null; plate: string }>>('/v1/property/vehicles', { config: { access: 'property.staff' }, schema: { body: vehicleBody, response: { 201: vehicleResult, '4xx': errorRef } } },
    async (req, reply) => reply.status(201).send(await s.vehicle(principalOf(req), req.body)));
  app.get<P<{ unit: string }>>('/v1/property/units/:unit/residents', { config: { access: 'property.staff' }, schema: view(record, param('unit', '^[a-z][a-z0-9-]*$')) },
    async (req) => s.residents(req.params.unit));
  // -- staff files: personal data in the private store; licences' kind and expiry on the ledger --
  app.get('/v1/property/staff', { config: { access: 'property.staff' }, schema: view(items) }, async () => ({ items: s.staffFiles() }));
  app.post<B<{ name: string; role: string; worker?: string; training?: { course: string; completedAt: number }[] }>>('/v1/property/staff', { config: { access: 'property.staff' }, schema: { body: staffBody, response: { 201: record, '4xx': errorRef } } },
    async (req, reply) => reply.status(201).send(s.createStaff(req.body)));
  app.post<P<{ staff: string }> & B<{ kind: never; number: string; expiresAt: number }>>('/v1/property/staff/:staff/licences', { config: { access: 'property.staff' }, schema: step(licenceBody, staffParam) },
    async (req, reply) => reply.status(201).send(await s.addLicence(principalOf(req), req.params.staff, req.body)));
  app.post<P<{ staff: string }> & B<{ course: string; completedAt: number }>>('/v1/property/staff/:staff/training', { config: { access: 'property.staff' }, schema: { params: staffParam, body: trainingItem, response: { 201: record, '4xx': errorRef } } },
    async (req, reply) => reply.status(201).send(s.addTraining(req.params.staff, req.body)));
  app.get('/v1/property/staff/alerts', { config: { access: 'property.staff' }, schema: view(items) }, async () => ({ items: s.licenceAlerts() }));
  app.get<P<{ request: string }>>('/v1/property/public/jobs/:request/licence', { config: { access: 'public' }, schema: view(record, param('request', REQUEST_ID_PATTERN)) },
    async (req) => s.jobLicence(req.params.request));
  app.get<P<{ licence: string }> & { Querystring: { at?: number } }>('/v1/property/public/licences/:licence', { config: { access: 'public' }, schema: view(record, licenceParam, atQuery) },
    async (req) => s.publicLicence(req.params.licence, req.query.at));

  app.post<B<Any>>('/v1/property/fees', { config: { access: 'property.staff' }, schema: step(bodyOf(propertyFees as TxType<never>)) },
    async (req, reply) => reply.status(201).send(await s.fees(principalOf(req), req.body as never)));
  app.post<B<Any>>('/v1/property/bills', { config: { access: 'property.staff' }, schema: step(bodyOf(propertyBill as TxType<never>)) },
    async (req, reply) => reply.status(201).send(await s.bill(principalOf(req), req.body as never)));
  app.post<B<Any>>('/v1/property/payments', { config: { access: 'property.staff' }, schema: step(bodyOf(propertyPay as TxType<never>)) },
    async (req, reply) => reply.status(201).send(await s.pay(principalOf(req), req.body as never)));
  app.post<B<Any>>('/v1/property/dunning', { config: { access: 'property.staff' }, schema: step(bodyOf(propertyDun as TxType<never>)) },
    async (req, reply) => reply.status(201).send(await s.dun(principalOf(req), req.body as never)));
  app.post<B<Any>>('/v1/property/disclosures', { config: { access: 'property.staff' }, schema: step(bodyOf(propertyDisclose as TxType<never>)) },
    async (req, reply) => reply.status(201).send(await s.disclose(principalOf(req), req.body as never)));
  app.post<B<Any>>('/v1/property/fund/uses', { config: { access: 'property.staff' }, schema: step(bodyOf(propertyFundPropose as TxType<never>, ['use'])) },
    async (req, reply) => reply.status(201).send(await s.fundPropose(principalOf(req), req.body as never)));
  app.post<P<{ use: string }> & B<{ stage: 'started' | 'completed' }>>('/v1/property/fund/uses/:use/works', { config: { access: 'property.staff' }, schema: step(worksBody, use) },
    async (req, reply) => reply.status(201).send(await s.fundWorks(principalOf(req), req.params.use, req.body.stage)));
  app.post<B<Any>>('/v1/property/tenders', { config: { access: 'property.organise' }, schema: step(bodyOf(propertyTenderOpen as TxType<never>, ['tender'])) },
    async (req, reply) => reply.status(201).send(await s.openTender(principalOf(req), req.body as never)));
  app.post<P<{ tender: string }>>('/v1/property/tenders/:tender/open', { config: { access: 'property.organise' }, schema: step(undefined, tender) },
    async (req, reply) => reply.status(201).send(await s.closeTender(principalOf(req), req.params.tender)));

  // -- organisers of owners' votes (the street office, the property company for the owners' committee) --
  app.post<B<Any>>('/v1/property/votes', { config: { access: 'property.organise' }, schema: step(bodyOf(propertyVoteOpen as TxType<never>, ['vote'])) },
    async (req, reply) => reply.status(201).send(await s.openVote(principalOf(req), req.body as never)));
  app.post<P<{ vote: string }>>('/v1/property/votes/:vote/close', { config: { access: 'property.organise' }, schema: step(undefined, vote) },
    async (req, reply) => reply.status(201).send(await s.closeVote(principalOf(req), req.params.vote)));

  // -- notices and activities (the street office, the property company) --
  app.post<B<Any>>('/v1/property/notices', { config: { access: 'property.organise' }, schema: step(bodyOf(propertyNotice as TxType<never>, ['notice'])) },
    async (req, reply) => reply.status(201).send(await s.publishNotice(principalOf(req), req.body as never)));
  app.post<B<Any>>('/v1/property/activities', { config: { access: 'property.organise' }, schema: step(bodyOf(propertyActivity as TxType<never>, ['activity'])) },
    async (req, reply) => reply.status(201).send(await s.announceActivity(principalOf(req), req.body as never)));
  app.post<P<{ activity: string }> & B<Any>>('/v1/property/activities/:activity/hours', { config: { access: 'property.organise' }, schema: step(bodyOf(propertyHours as TxType<never>, ['activity']), activity) },
    async (req, reply) => reply.status(201).send(await s.recordHours(principalOf(req), req.params.activity, req.body as never)));

  // -- the housing bureau: the maintenance fund's deposits, approvals and transfers --
  app.post<B<Any>>('/v1/property/fund/deposits', { config: { access: 'property.bureau' }, schema: step(bodyOf(propertyFundDeposit as TxType<never>)) },
    async (req, reply) => reply.status(201).send(await s.fundDeposit(principalOf(req), req.body as never)));
  app.post<P<{ use: string }>>('/v1/property/fund/uses/:use/approve', { config: { access: 'property.bureau' }, schema: step(undefined, use) },
    async (req, reply) => reply.status(201).send(await s.fundApprove(principalOf(req), req.params.use)));
  app.post<P<{ use: string }> & B<Any>>('/v1/property/fund/uses/:use/transfers', { config: { access: 'property.bureau' }, schema: step(bodyOf(propertyFundTransfer as TxType<never>, ['use']), use) },
    async (req, reply) => reply.status(201).send(await s.fundTransfer(principalOf(req), req.params.use, req.body as never)));

  // -- staff, the housing bureau, the power company, regulators: the register and the bills --
  app.get('/v1/property/register', { config: { access: 'property.view' }, schema: view() }, async () => s.register());
  app.get<{ Querystring: { unit?: string; period?: string } }>('/v1/property/bills', { config: { access: 'property.view' }, schema: view(items, undefined, billsQuery) }, async (req) => ({ items: s.bills(req.query) }));
  app.get<P<{ unit: string; period: string }>>('/v1/property/bills/:unit/:period', { config: { access: 'property.view' }, schema: view(record, bill) }, async (req) => s.billOf(req.params.unit, req.params.period));
  app.get('/v1/property/arrears', { config: { access: 'property.view' }, schema: view(items) }, async () => ({ items: s.arrears() }));

  // -- the power company and the housing bureau: a unit's owner, under the holder's grant (recorded as privacy.access) --
  app.get<P<{ unit: string }> & { Querystring: { purpose: PropertyReadPurpose; fields: string } }>('/v1/property/units/:unit/owner', {
    config: { access: 'property.owner-read' }, schema: view(ownerReadSchema, param('unit', '^[a-z][a-z0-9-]*$'), ownerQuery),
  }, async (req) => readOwner(principalOf(req), req.params.unit, { purpose: req.query.purpose, fields: req.query.fields.split(',') }));

  // -- owners --
  app.get('/v1/property/me', { config: { access: 'property.mine' }, schema: view() }, async (req) => s.mine(principalOf(req)));
  app.post<P<{ vote: string }> & B<{ unit: string; choice: 'yes' | 'no' | 'abstain'; session?: string }>>('/v1/property/me/votes/:vote/ballots', { config: { access: 'property.mine' }, schema: step(ballotBody, vote) },
    async (req, reply) => reply.status(201).send(await s.ballot(principalOf(req), req.params.vote, req.body)));

  app.post<P<{ notice: string }>>('/v1/property/me/notices/:notice/read', { config: { access: 'property.mine' }, schema: step(undefined, notice) },
    async (req, reply) => reply.status(201).send(await s.readNotice(principalOf(req), req.params.notice)));
  app.post<P<{ activity: string }>>('/v1/property/me/activities/:activity/signup', { config: { access: 'property.mine' }, schema: step(undefined, activity) },
    async (req, reply) => reply.status(201).send(await s.signUp(principalOf(req), req.params.activity)));

  // -- everyone: what art. 943 makes public, votes' tallies, tenders (bidders commit and reveal without an account) --
  app.get('/v1/property/public/fees', { config: { access: 'public' }, schema: view(items) }, async () => ({ items: s.schedules() }));
  app.get('/v1/property/public/disclosures', { config: { access: 'public' }, schema: view(items) }, async () => ({ items: s.disclosures() }));
  app.get('/v1/property/public/fund', { config: { access: 'public' }, schema: view() }, async () => s.fund());
  app.get<P<{ use: string }>>('/v1/property/public/fund/uses/:use', { config: { access: 'public' }, schema: view(record, use) }, async (req) => s.fundUse(req.params.use));
  app.get('/v1/property/public/votes', { config: { access: 'public' }, schema: view(items) }, async () => ({ items: s.votes() }));
  app.get<P<{ vote: string }>>('/v1/property/public/votes/:vote', { config: { access: 'public' }, schema: view(record, vote) }, async (req) => s.vote(req.params.vote));
  app.get('/v1/property/public/notices', { config: { access: 'public' }, schema: view(items) }, async () => ({ items: s.notices() }));
  app.get('/v1/property/public/activities', { config: { access: 'public' }, schema: view(items) }, async () => ({ items: s.activities() }));
  app.get('/v1/property/public/tenders', { config: { access: 'public' }, schema: view(items) }, async () => ({ items: s.tenders() }));
  app.get<P<{ tender: string }>>('/v1/property/public/tenders/:tender', { config: { access: 'public' }, schema: view(record, tender) }, async (req) => s.tender(req.params.tender));
  app.post<P<{ tender: string }> & B<{ bidder: string; commitment: string; bid?: string }>>('/v1/property/public/tenders/:tender/bids', { config: { access: 'public' }, schema: step(commitBody, tender) },
    async (req, reply) => reply.status(201).send(await s.commitBid(req.params.tender, req.body)));
  app.post<P<{ tender: string; bid: string }> & B<{ priceFen: number; salt: string }>>('/v1/property/public/tenders/:tender/bids/:bid/reveal', { config: { access: 'public' }, schema: step(bodyOf(propertyTenderReveal as TxType<never>, ['tender', 'bid']), bid) },
    async (req, reply) => reply.status(201).send(await s.revealBid(req.params.tender, req.params.bid, req.body)));
};
