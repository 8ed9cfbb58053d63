/**
 * provenance on a node: preserved records (evidence with provenance at capture and custody; certificates and export
 * packages a court checks offline), copyright works, and traced items (GS1 Digital Link, EPCIS 2.0, scan counting).
 * Named so that it is never confused with `/v1/evidence` (validator misbehaviour). docs/spec/provenance.md
 */
import { loadKek, privateDbPath } from '../../storage/private-db.js';
import { defineNodeModule } from '../contract.js';
import { provenanceRoutes } from './routes.js';
import { seedProvenance } from './seed.js';
import { ProvenanceService } from './service.js';
import { ProvenanceStore } from './store.js';

export { ProvenanceService } from './service.js';
export { ProvenanceStore } from './store.js';

const TRACE_STAFF = ['property-staff', 'maintenance-worker', 'utility-staff', 'official'] as const;

export const provenanceNodeModule = defineNodeModule({
  name: 'provenance',
  dependsOn: [],
  routeClasses: {
    'provenance.preserve': { access: 'authenticated', doc: 'preserve a record (staff, and residents for their own matters), keep its file, hand it over' },
    'provenance.works': { access: 'authenticated', doc: 'register a copyright work, transfer it, grant a licence' },
    'provenance.trace': { access: [...TRACE_STAFF], doc: 'take in EPCIS lifecycle events of traced items; items and copied-code alerts' },
  },
  tags: [
    { name: 'preserved records', description: 'evidence preservation: hash, provenance at capture, chain of custody (docs/spec/provenance.md) — not /v1/evidence', paths: /^\/v1\/preserved(\/|$)/ },
    { name: 'certificates', description: 'PDF certificates and export packages of preserved records, checkable offline', paths: /^\/v1\/certificates(\/|$)/ },
    { name: 'works', description: 'copyright registration: a work\'s hash, title, pseudonymous authors, licence; transfers and licences', paths: /^\/v1\/works(\/|$)/ },
    { name: 'trace', description: 'traced items: GS1 Digital Link, EPCIS 2.0 lifecycle events, scans and copied-code alerts', paths: /^\/v1\/trace(\/|$)/ },
  ],
  docs: {
    'PUT /v1/preserved/:record/file': (s) => ({ ...s, body: { type: 'string', format: 'binary', description: 'the file\'s bytes (must hash to the record\'s SHA-256)' }, consumes: ['application/octet-stream'] }),
  },
  open(ctx) {
    const store = new ProvenanceStore(privateDbPath(ctx.dir), loadKek(ctx.dir));
    const service = new ProvenanceService({ node: ctx.node, submitter: ctx.submitter, store, secret: ctx.auth.secret, publicUrl: ctx.publicUrl });
    return {
      plugin: async (app) => app.register(provenanceRoutes, { service, clock: ctx.node.clock }),
      exports: service,
      seed: () => seedProvenance(service, ctx),
      close: () => store.close(),
    };
  },
});
