/**
 * privacy on a node: the encrypted vault of the subjects this organisation holds, the service that decides, records
 * and releases reads (fetching from the holder's node over the peer link), its routes and the demo community.
 * docs/spec/privacy.md
 */
import { loadKek, privateDbPath } from '../../storage/private-db.js';
import { defineNodeModule } from '../contract.js';
import { AddressFiling, addressFilingRoutes } from './address-filing.js';
import { privacyRoutes } from './routes.js';
import { seedCommunity } from './seed.js';
import { PrivacyService } from './service.js';
import { Vault } from './vault.js';
import { Pseudonyms } from './pseudonyms.js';
import { LedgerActors } from '../../auth/principal.js';

/** What other modules use: the service (reads, grants, access records) and the vault (subjects held here). */
export interface PrivacyExports {
  service: PrivacyService;
  vault: Vault;
}

export const privacyNodeModule = defineNodeModule({
  name: 'privacy',
  dependsOn: [],
  routeClasses: {
    'subjects.register': { access: ['property-staff', 'official'], doc: 'register a subject (personal data kept encrypted here)' },
    'subjects.read': { access: ['property-staff', 'dispatcher', 'maintenance-worker', 'grid-worker', 'line-worker', 'utility-staff', 'official', 'regulator'], doc: "read a subject's fields for a purpose (decided per record by decideAccess, recorded)" },
    'subjects.read-own': { access: ['resident'], doc: 'a resident reads their own record' },
    'subjects.erase': { access: ['property-staff', 'official'], doc: 'erase a subject (crypto-shredding)' },
    'grants.manage': { access: ['property-staff', 'official'], doc: 'grant and revoke reads to other organisations' },
    'alerts.read-all': { access: ['regulator'], doc: 'every alert the anomaly rules raised' },
    'access-log.read': { access: ['regulator', 'official'], doc: "a subject's access records" },
  },
  tags: [{ name: 'privacy', description: 'personal data: subjects, grants, accesses, erasure, my record and its uses, alerts (docs/spec/privacy.md)', paths: /^\/v1\/(subjects|me|grants|alerts)(\/|$)/ }],
  open(ctx) {
    const vault = new Vault(privateDbPath(ctx.dir), loadKek(ctx.dir));
    const pseudonyms = new Pseudonyms(privateDbPath(ctx.dir), ctx.auth.secret);
    const service = new PrivacyService(ctx.node, vault, ctx.submitter, ctx.net, ctx.log, ctx.auth.accounts, pseudonyms, new LedgerActors(ctx.auth.secret, ctx.node.genesis.rules, 'privacy'), ctx.hosted);
    const exports: PrivacyExports = { service, vault };
    const filing = new AddressFiling(privateDbPath(ctx.dir));
    return {
      plugin: async (app) => {
        await app.register(privacyRoutes, { node: ctx.node, service, vault });
        await app.register(addressFilingRoutes, { node: ctx.node, service, vault, filing });
      },
      exports,
      async seed() {
        const n = await seedCommunity(service, vault, ctx.auth.accounts, ctx.auth.secret, ctx.node.self.id);
        return n > 0 ? [`demo community: ${n} residents registered (encrypted here, commitments on the ledger)`] : [];
      },
      close: () => {
        pseudonyms.close();
        filing.close();
        vault.close();
      },
    };
  },
});

// What other modules may name (types only): a module uses another through its index, never its files.
export type { PrivacyService } from './service.js';
export type { Vault } from './vault.js';
export { accessContext, consentContext, isPseudonym } from './pseudonyms.js';
