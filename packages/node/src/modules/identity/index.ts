/**
 * Wiring of the digital ID on a node: the identity tables of the private store, the service, its routes, and the demo
 * credentials `machi up` seeds. docs/spec/identity.md
 */
import type { FastifyPluginAsync } from 'fastify';
import { sessionRecord, type Signer } from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import { OrgSubmitter } from '../../node/org-tx.js';
import type { AccountStore } from '../../auth/accounts.js';
import { actorOf, type Principal } from '../../auth/principal.js';
import type { PrivacyService } from '../privacy/index.js';
import type { Vault } from '../privacy/index.js';
import { loadKek, privateDbPath } from '../../storage/private-db.js';
import { DEMO_RESIDENT_ACCOUNTS } from '../../auth/demo.js';
import { defineNodeModule } from '../contract.js';
import type { PrivacyExports } from '../privacy/index.js';
import { IdentityService } from './service.js';
import { IdentityStore } from './store.js';
import { identityRoutes } from './routes.js';

export { IdentityService } from './service.js';
export { IdentityStore } from './store.js';
export { identityRoutes } from './routes.js';
export { DEMO_COMMUNITY, seedDemoCredentials, seedDeskVisits } from './seed.js';
import { seedDemoCredentials, seedDeskVisits } from './seed.js';

export interface Identity {
  service: IdentityService;
  store: IdentityStore;
  plugin: FastifyPluginAsync;
  close(): void;
}

export function openIdentity(o: { dir: string; node: MachiNode; signer: Signer; vault: Vault; privacy: PrivacyService; baseUrl: () => string; log?: (line: string) => void }): Identity {
  const store = new IdentityStore(privateDbPath(o.dir), loadKek(o.dir));
  const service = new IdentityService({
    node: o.node, signer: o.signer, submitter: new OrgSubmitter(o.node, o.signer), store, vault: o.vault, privacy: o.privacy, baseUrl: o.baseUrl,
    ...(o.log === undefined ? {} : { log: o.log }),
  });
  // A desk of another organisation learns whom a consent is about from this holder: only the session's own desk.
  o.privacy.registerResolver('identity.consent/', (context, asker) => {
    const s = sessionRecord((k) => o.node.store.read(k), context.slice('identity.consent/'.length));
    return s !== undefined && s.deskOrg === asker && s.consent !== null;
  });
  return {
    service,
    store,
    plugin: async (app) => app.register(identityRoutes, { node: o.node, service }),
    close: () => store.close(),
  };
}

export const identityNodeModule = defineNodeModule({
  name: 'identity',
  // consents grant reads, verifications are access records, wallets belong to subjects held here
  dependsOn: ['privacy'],
  routeClasses: {
    'identity.issue': { access: ['official', 'property-staff'], doc: 'issuing credentials and changing their status' },
    'identity.desk': { access: ['official', 'property-staff'], doc: 'the "one trip" desk: starting a service session and seeing its verified result' },
    'identity.wallet': { access: ['resident'], doc: "a resident's wallet: credentials, offers, consent, presentations of demo credentials, identity uses" },
  },
  tags: [{ name: 'identity', description: 'digital ID: DIDs, issuer keys, SD-JWT VC offers, status lists, wallets, desk sessions, consent (docs/spec/identity.md)', paths: /^\/v1\/(identity|me\/identity)(\/|$)|^\/\.well-known\// }],
  open(ctx) {
    const { service: privacy, vault } = ctx.use<PrivacyExports>('privacy');
    const identity = openIdentity({ dir: ctx.dir, node: ctx.node, signer: ctx.signer, vault, privacy, baseUrl: ctx.publicUrl, log: ctx.log });
    return {
      plugin: identity.plugin,
      exports: identity,
      async seed() {
        const c = await seedDemoCredentials(identity, vault, ctx.auth.accounts, ctx.auth.secret, ctx.node.self.id, DEMO_RESIDENT_ACCOUNTS);
        const v = await seedDeskVisits(identity, ctx.auth.accounts, ctx.auth.secret, ctx.node.self.id);
        return [
          ...(c > 0 ? [`demo digital ID: ${c} credentials in the demo residents' wallets (holder keys made by the node: demo only)`] : []),
          ...(v > 0 ? [`demo digital ID: ${v} desk visits (owners' meeting registration), each verified on the ledger`] : []),
        ];
      },
      close: () => identity.close(),
    };
  },
});
