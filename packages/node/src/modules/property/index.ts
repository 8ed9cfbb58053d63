/**
 * property on a node: the service (every step signed by the user's organisation: this node's own or the hosted
 * housing bureau's), the REST API for property staff, vote organisers, the housing bureau, readers with a grant
 * (power company, regulators), owners and the public, the owners' digital-ID check through the identity module, and
 * the demo seed. docs/spec/property.md
 */
import { BALLOT_ID_TYPE, MachiError, type Signer } from '@machi/core';
import type { AccountStore } from '../../auth/accounts.js';
import { actorOf, type Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import { OrgSubmitter } from '../../node/org-tx.js';
import { loadHostedSigners } from '../../node/datadir.js';
import { defineNodeModule } from '../contract.js';
import { consentContext, type PrivacyExports } from '../privacy/index.js';
import type { Identity } from '../identity/index.js';
import type { Repairs } from '../repairs/index.js';
import { propertyRoutes } from './routes.js';
import { seedProperty } from './seed.js';
import { PROPERTY_PSEUDONYM_CONTEXT, PropertyService, type IdCheck, type PropertySubjects } from './service.js';
import { backfillPropertyPseudonyms, readOwner, registerOwnerResolver } from './owner-reads.js';
import { StaffFiles } from './staff-files.js';
import { VolunteerCredentials } from './volunteer.js';
import { loadKek, privateDbPath } from '../../storage/private-db.js';

export { PropertyService } from './service.js';

/**
 * The owners-meeting one trip run for an owner by this node: a desk session of the property company's desk, the
 * owner's consent, and the presentation of the residence and property-ownership credentials the node holds for them.
 * DEMO WALLETS ONLY: a real wallet presents from the owner's phone (identity's public presentation route) and the
 * ballot then names that session.
 */
export function demoIdCheck(identity: Identity, accounts: AccountStore, secret: Uint8Array, org: string): IdCheck {
  return async (owner: Principal) => {
    const staff = accounts.listUsers(org).find((u) => u.role === 'property-staff' || u.role === 'official');
    if (staff === undefined) throw new MachiError('PROPERTY_ID_CHECK', 'no desk here to check the digital ID');
    const desk: Principal = { userId: staff.id, username: staff.username, org, role: staff.role, actor: actorOf(org, staff.id, secret) };
    const wallet = await identity.service.wallet(owner);
    const held = ['residence', BALLOT_ID_TYPE].map((t) => wallet.find((w) => w.type === t && w.status === 'valid'));
    if (held.some((h) => h === undefined)) throw new MachiError('PROPERTY_ID_CHECK', 'your wallet holds no valid residence and property-ownership credentials');
    const s = await identity.service.startSession(desk, 'owners-meeting');
    await identity.service.consent(owner, s.session, s.nonce);
    const presentations = [];
    for (const h of held) presentations.push((await identity.service.demoPresent(owner, h!.id, { session: s.session, nonce: s.nonce })).presentation);
    const r = await identity.service.present(s.session, presentations);
    if (!r.eligible) throw new MachiError('PROPERTY_ID_CHECK', 'the digital-ID check did not pass');
    return s.session;
  };
}

export function openProperty(o: { node: MachiNode; submitter: OrgSubmitter; secret: Uint8Array; dir: string; subjects: PropertySubjects; hosted?: ReadonlyMap<string, Signer>; idCheck?: IdCheck; staff?: StaffFiles; isWorker?: (username: string) => boolean }): PropertyService {
  const hosted = o.hosted ?? loadHostedSigners(o.dir, o.node.genesis);
  const submitters = new Map<string, OrgSubmitter>([[o.node.self.id, o.submitter]]);
  for (const [org, signer] of hosted) submitters.set(org, new OrgSubmitter(o.node, signer));
  return new PropertyService({
    node: o.node, submitters, secret: o.secret, subjects: o.subjects, ...(o.idCheck === undefined ? {} : { idCheck: o.idCheck }), ...(o.staff === undefined ? {} : { staff: o.staff }),
    ...(o.isWorker === undefined ? {} : { isWorker: o.isWorker }),
  });
}

export const propertyNodeModule = defineNodeModule({
  name: 'property',
  // owners are subjects of the privacy vault; their ballots need identity's owners-meeting check; a repair job's
  // assignment records the licence covering it
  dependsOn: ['privacy', 'identity', 'repairs'],
  routeClasses: {
    'property.staff': { access: ['property-staff', 'official'], doc: 'the register (units, CSV import, parking), fee schedule, bills, payments, dunning, disclosure, fund-use proposals and works' },
    'property.organise': { access: ['official', 'property-staff'], doc: "owners' votes (open, close) and sealed-bid tenders (open, opening) — the street office, or the property company for the owners' committee" },
    'property.bureau': { access: ['official'], doc: "the housing bureau: maintenance-fund deposits, approvals and transfers (the core checks it is the bureau's key)" },
    'property.view': { access: ['property-staff', 'official', 'regulator', 'utility-staff'], doc: 'read-only: the register, bills and arrears (staff, the housing bureau, the power company, regulators)' },
    'property.owner-read': { access: ['utility-staff', 'official'], doc: "a unit's owner's personal data under the property company's grant (power company: utility account transfer; housing bureau: register check), every read recorded" },
    'property.mine': { access: ['resident'], doc: 'my units, bills and payments with proofs, votes with my ballots; casting a ballot after the digital-ID check' },
  },
  tags: [{ name: 'property', description: "property services: unit register, fees, bills, payments, disclosure, owners' votes, maintenance fund, sealed-bid tenders (docs/spec/property.md)", paths: /^\/v1\/property(\/|$)/ }],
  open(ctx) {
    const privacy = ctx.use<PrivacyExports>('privacy');
    const identity = ctx.use<Identity>('identity');
    const staff = new StaffFiles(privateDbPath(ctx.dir), loadKek(ctx.dir));
    const service = openProperty({
      staff,
      node: ctx.node, submitter: ctx.submitter, secret: ctx.auth.secret, dir: ctx.dir, hosted: ctx.hosted,
      subjects: {
        has: (s) => privacy.vault.has(s),
        subjectOfUser: (u) => privacy.vault.subjectOfUser(u),
        consentPseudonym: (session, subject) => privacy.service.pseudonyms.compute(consentContext(session), subject),
        remember: (pseudonym, subject) => privacy.service.pseudonyms.remember(pseudonym, subject, PROPERTY_PSEUDONYM_CONTEXT),
        keepPlate: async (p, plate) => privacy.service.register(p, { plate }),
      },
      idCheck: demoIdCheck(identity, ctx.auth.accounts, ctx.auth.secret, ctx.node.self.id),
      isWorker: (username) => ctx.auth.accounts.findUser(ctx.node.self.id, username)?.role === 'maintenance-worker',
    });
    ctx.use<Repairs>('repairs').service.onAssigned((p, request, worker) => service.recordJobLicence(p, request, worker));
    registerOwnerResolver(privacy.service, service);
    // owners (and volunteers) named before the node kept their pseudonyms: found again from the vault
    const backfilled = backfillPropertyPseudonyms(service, privacy.vault.subjects(), (p) => privacy.service.pseudonyms.subjectOf(p) !== undefined,
      (p, subject) => privacy.service.pseudonyms.remember(p, subject, PROPERTY_PSEUDONYM_CONTEXT));
    if (backfilled > 0) ctx.log(`property: kept the subjects of ${backfilled} pseudonyms registered before the node kept them`);
    // the node of an organisation that runs activities (street office, property company) offers the volunteer-hours
    // credential to the people it holds once they reach the label
    const volunteer = new VolunteerCredentials({
      node: ctx.node, identity: identity.service, secret: ctx.auth.secret, dbFile: privateDbPath(ctx.dir), log: ctx.log,
      holder: {
        subjectOf: (p) => {
          const known = privacy.service.pseudonyms.subjectOf(p);
          return known?.context === PROPERTY_PSEUDONYM_CONTEXT && privacy.vault.has(known.subject) ? known.subject : undefined;
        },
        nameOf: (subject) => privacy.vault.get(subject)?.fields.name,
      },
    });
    service.volunteer = volunteer;
    volunteer.start();
    return {
      plugin: async (app) => app.register(propertyRoutes, { service, readOwner: (p, unit, q) => readOwner(privacy.service, service, p, unit, q) }),
      exports: service,
      seed: () => seedProperty(service, ctx, privacy, identity),
      close: async () => {
        await volunteer.close();
        staff.close();
      },
    };
  },
});
