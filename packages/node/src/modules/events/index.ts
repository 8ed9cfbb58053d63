/**
 * events on a node: community events under grid governance (docs/spec/events.md). The private store (descriptions,
 * photos, follows), the service — which signs each step with the key of the caller's organisation: this node's own, or
 * that of a member organisation whose key it hosts (docs/decisions/0001-hosted-departments.md) — the escalation job of
 * a command centre's node, the REST API and the demo seed.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Signer } from '@machi/core';
import type { AuthOptions } from '../../auth/plugin.js';
import { loadHostedSigners } from '../../node/datadir.js';
import type { MachiNode } from '../../node/node.js';
import { OrgSubmitter } from '../../node/org-tx.js';
import { loadKek, privateDbPath } from '../../storage/private-db.js';
import { defineNodeModule } from '../contract.js';
import { EventEscalationJob, escalationIntervalFromEnv } from './escalation-job.js';
import { DEMO_GRIDS, type GridInfo } from './grids.js';
import { eventLiveRoutes } from './live.js';
import { eventsRoutes } from './routes.js';
import { seedEvents } from './seed.js';
import { EventsService } from './service.js';
import { EventStore } from './store.js';

export interface EventsWiring {
  node: MachiNode;
  /** signs this node's organisation's transactions */
  submitter: OrgSubmitter;
  auth: AuthOptions;
  /** the data directory: private.db, and the hosted members' keys (DIR/hosted/<org>/org-key.json) */
  dir: string;
  /** member organisations whose keys this node hosts (default: read from DIR/hosted; a node: ModuleContext.hosted) */
  hosted?: ReadonlyMap<string, Signer>;
  grids?: readonly GridInfo[];
  /** how often the escalation job runs, ms; null: not at all */
  escalationIntervalMs?: number | null;
  log?: (line: string) => void;
}

export interface Events {
  service: EventsService;
  job: EventEscalationJob;
  plugin: FastifyPluginAsync;
  close(): void;
}

export function openEvents(w: EventsWiring): Events {
  const store = new EventStore(privateDbPath(w.dir), loadKek(w.dir));
  const signers = new Map<string, OrgSubmitter>([[w.node.self.id, w.submitter]]);
  for (const [org, signer] of w.hosted ?? loadHostedSigners(w.dir, w.node.genesis)) signers.set(org, new OrgSubmitter(w.node, signer));
  const service = new EventsService({
    node: w.node, store, signers, accounts: w.auth.accounts, secret: w.auth.secret, grids: w.grids ?? DEMO_GRIDS,
    ...(w.log === undefined ? {} : { log: w.log }),
  });
  const job = new EventEscalationJob(service);
  const interval = w.escalationIntervalMs === undefined ? escalationIntervalFromEnv() : w.escalationIntervalMs;
  const stop = interval === null ? () => {} : job.start(interval);
  const plugin: FastifyPluginAsync = async (app) => {
    await app.register(eventsRoutes, { service });
    await app.register(eventLiveRoutes, { node: w.node, isRevoked: (jti) => w.auth.accounts.isRevoked(jti), ...(w.auth.now === undefined ? {} : { now: w.auth.now }) });
  };
  return {
    service,
    job,
    plugin,
    close() {
      stop();
      store.close();
    },
  };
}

const DEPARTMENT_STAFF = ['official', 'dispatcher', 'property-staff', 'utility-staff', 'maintenance-worker'] as const;

export const eventsNodeModule = defineNodeModule({
  name: 'events',
  dependsOn: [],
  routeClasses: {
    'events.grid': { access: ['grid-worker'], doc: "a grid worker's grids, patrol check-ins and household visits" },
    'events.report': { access: ['grid-worker', 'resident'], doc: 'report an event, my reports, follow, rate' },
    'events.centre': { access: ['official', 'dispatcher'], doc: "the command centre's board: triage, dispatch, close, send back, escalate" },
    'events.department': { access: [...DEPARTMENT_STAFF], doc: "a department's inbox and steps: acknowledge, accept, handle, ask for help, flag, answer a flag" },
    'events.photos': { access: ['grid-worker', 'resident', ...DEPARTMENT_STAFF], doc: 'uploading a photo (a report, a result, a check, evidence)' },
    'events.configure': { access: ['official'], doc: "the street office's configuration: define or redefine a grid, say which organisations stand for a department" },
    'events.view': { access: 'authenticated', doc: "an event with its timeline and proofs, a grid's events and record, departments' records" },
  },
  tags: [
    { name: 'events', description: 'community events under grid governance: report, triage, dispatch, departments\' steps, timeline with proofs (docs/spec/events.md)', paths: /^\/v1\/events(\/|$)/ },
  ],
  docs: {
    'POST /v1/events/photos': (s) => ({ ...s, body: { type: 'string', format: 'binary', description: 'the image bytes (PNG, JPEG or WebP)' }, consumes: ['image/png', 'image/jpeg', 'image/webp'] }),
  },
  open(ctx) {
    const e = openEvents({ node: ctx.node, submitter: ctx.submitter, auth: ctx.auth, dir: ctx.dir, hosted: ctx.hosted, log: ctx.log });
    return {
      plugin: e.plugin,
      exports: e,
      seed: () => seedEvents(e.service, ctx.auth),
      close: () => e.close(),
    };
  },
});
