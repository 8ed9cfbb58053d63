/**
 * repairs on a node: the private store (descriptions, photos, staff cards), the service, its SLA escalation job, the
 * REST API, live updates and Open311 GeoReport v2. docs/spec/repairs.md
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AuthOptions } from '../../auth/plugin.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import { loadKek, privateDbPath } from '../../storage/private-db.js';
import { defineNodeModule } from '../contract.js';
import type { PrivacyExports } from '../privacy/index.js';
import { repairEventRoutes } from './events.js';
import { DEMO_BUILDINGS, communityBuildings, open311Routes, type BuildingInfo } from './open311.js';
import { repairsRoutes } from './routes.js';
import { seedRepairs } from './seed.js';
import { REPAIRS_ESCALATION_INTERVAL_MS, RepairsService, type SubjectLinks } from './service.js';
import { DEFAULT_STAFF_CARD, IMAGE_TYPES, RepairStore, type StaffCardInput } from './store.js';

export interface RepairsWiring {
  node: MachiNode;
  submitter: OrgSubmitter;
  /** accounts (workers by user name, Open311 api_key) and the secret (pseudonyms) */
  auth: AuthOptions;
  /** the data directory: the private store is DIR/private.db under the organisation's key (DIR/kek.key or MACHI_KEK) */
  dir: string;
  subjects?: SubjectLinks;
  /** how often the SLA escalation job runs, ms; null: not at all */
  escalationIntervalMs?: number | null;
  /** the buildings served while the address register on the ledger has none (default DEMO_BUILDINGS) */
  buildings?: readonly BuildingInfo[];
  log?: (line: string) => void;
  /** demo data: work phones for the demo workers (first start only) */
  demo?: boolean;
  /** live-update heartbeat (and sign-out check) interval, ms; default REPAIRS_EVENT_HEARTBEAT_MS */
  eventHeartbeatMs?: number;
}

export interface Repairs {
  service: RepairsService;
  store: RepairStore;
  plugin: FastifyPluginAsync;
  close(): void;
}

/** The repairs module of a running node: private store, service, escalation job, REST and Open311 routes. */
export function openRepairs(w: RepairsWiring): Repairs {
  const store = new RepairStore(privateDbPath(w.dir), loadKek(w.dir));
  // the address register's buildings once it has any (docs/spec/addresses.md), else the configured or demo list
  const fallback = w.buildings ?? DEMO_BUILDINGS;
  const served = (): readonly BuildingInfo[] => communityBuildings((k) => w.node.store.read(k), (p, n) => w.node.store.scan(p, n), fallback);
  const service = new RepairsService({
    node: w.node, store, submitter: w.submitter, accounts: w.auth.accounts, secret: w.auth.secret,
    ...(w.subjects === undefined ? {} : { subjects: w.subjects }),
    ...(w.log === undefined ? {} : { log: w.log }),
    buildings: () => served().map((b) => b.code),
  });
  if (w.demo === true) seedStaffCards(store, w.auth, w.node.self.id, w.node.clock());
  const interval = w.escalationIntervalMs === undefined ? REPAIRS_ESCALATION_INTERVAL_MS : w.escalationIntervalMs;
  const stop = interval === null ? () => {} : service.startEscalation(interval);
  const buildings = { buildings: served };
  const plugin: FastifyPluginAsync = async (app) => {
    await app.register(repairsRoutes, { service, ...buildings });
    await app.register(repairEventRoutes, {
      node: w.node,
      isRevoked: (jti) => w.auth.accounts.isRevoked(jti),
      ...(w.auth.now === undefined ? {} : { now: w.auth.now }),
      ...(w.eventHeartbeatMs === undefined ? {} : { heartbeatMs: w.eventHeartbeatMs }),
    });
    await app.register(open311Routes, { prefix: '/open311/v2', service, node: w.node, auth: w.auth, ...buildings });
  };
  return {
    service,
    store,
    plugin,
    close() {
      stop();
      store.close();
    },
  };
}

/**
 * Whom a request reported through this node is about: its reporter's own record, if they are a resident linked to
 * one (a request by staff, or about a common area, is about nobody); undefined for a request not reported here.
 */
export function reporterSubjects(store: RepairStore, subjects: SubjectLinks, request: string): string[] | undefined {
  const description = store.notes(request).find((n) => n.kind === 'description');
  if (description === undefined) return undefined;
  const subject = subjects.subjectOfUser(description.userId);
  return subject === undefined ? [] : [subject];
}

/** `openRepairs` as one plugin that closes the module with the server (tests build servers this way). */
export function repairsPlugin(w: RepairsWiring): FastifyPluginAsync {
  return async (app) => {
    const r = openRepairs(w);
    app.addHook('onClose', async () => r.close());
    await app.register(r.plugin);
  };
}

/** Demo: what the property company shares about its demo workers (one shares a work phone, one only the name). */
function seedStaffCards(store: RepairStore, auth: AuthOptions, org: string, now: number): void {
  const demo: Record<string, StaffCardInput> = {
    'wang.worker': { phone: '0571-8765-4321', share: { name: true, phone: true } },
    'zhao.worker': { share: { name: true, phone: false } },
  };
  for (const [username, card] of Object.entries(demo)) {
    if (auth.accounts.findUser(org, username) !== undefined && store.staffCard(username) === DEFAULT_STAFF_CARD) store.setStaffCard(username, card, now);
  }
}

const binary = { type: 'string', format: 'binary' } as const;
const images = (description: string) => ({ description, content: Object.fromEntries(IMAGE_TYPES.map((t) => [t, { schema: binary }])) });

export const repairsNodeModule = defineNodeModule({
  name: 'repairs',
  // residents' subject ids for their home address (the privacy vault)
  dependsOn: ['privacy'],
  routeClasses: {
    'repairs.report': { access: ['resident', 'property-staff'], doc: 'report, follow, confirm, reopen' },
    'repairs.board': { access: ['dispatcher', 'property-staff'], doc: "the dispatcher's board: open requests of the org, workers, assign, escalate" },
    'repairs.work': { access: ['maintenance-worker'], doc: "a maintenance worker's jobs and steps" },
    'repairs.photos': { access: ['resident', 'property-staff', 'maintenance-worker'], doc: 'uploading a photo (a report, a diagnosis, a finished job)' },
    'repairs.view': { access: 'authenticated', doc: 'reading a request and its timeline, my requests, cancel (the transition check decides who may cancel)' },
    /**
     * Open311 POST requests.json: public at the hook because GeoReport v2 sends the key as an `api_key` form field,
     * which exists only after the body is parsed; the route authenticates it like a bearer token and authorises it
     * with the `repairs.report` row (open311.ts).
     */
    'open311.report': { access: 'public', doc: 'Open311 GeoReport v2 POST requests.json (authenticates its api_key itself)' },
  },
  tags: [
    { name: 'repairs', description: 'repair requests: report, dispatch, work, confirm, timeline with proofs, photos (docs/spec/repairs.md)', paths: /^\/v1\/repairs(\/|$)/ },
    { name: 'open311', description: 'Open311 GeoReport v2 over the repair requests', paths: /^\/open311(\/|$)/ },
  ],
  docs: {
    // raw image bytes, sniffed (routes.ts); the answer is the photo's hash to cite in a report or a step
    'POST /v1/repairs/photos': (s) => ({ ...s, body: { ...binary, description: 'the image bytes (PNG, JPEG or WebP)' }, consumes: [...IMAGE_TYPES] }),
    'GET /v1/repairs/:request/photos/:hash': (s) => ({ ...s, response: { 200: images('the photo'), ...(s.response as object | undefined) } }),
    // GeoReport v2 clients post forms (JSON is parsed too) and send the token as a field
    'POST /open311/v2/requests.json': (s) => ({
      ...s,
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      description: 'The session token goes in the `api_key` field (GeoReport v2) or as Authorization: Bearer; the caller needs a role of route class `repairs.report`.',
    }),
  },
  open(ctx) {
    const privacy = ctx.use<PrivacyExports>('privacy');
    const r = openRepairs({ node: ctx.node, submitter: ctx.submitter, auth: ctx.auth, dir: ctx.dir, subjects: privacy.vault, log: ctx.log, demo: ctx.demo });
    // a read for `repair:<id>` must be about the request's reporter (known here only for requests reported here)
    privacy.service.cases.register('repair', (id) => reporterSubjects(r.store, privacy.vault, id));
    return {
      plugin: r.plugin,
      exports: r,
      seed: () => seedRepairs(r.service, privacy, ctx.auth, ctx.node),
      close: () => r.close(),
    };
  },
});
