/**
 * funds on a node: the private store (pseudonym links, masked names, notice lists, objection texts), the service
 * (every step signed by the user's organisation: this node's own or a hosted member's), the REST API for programme
 * owners, community staff, reviewers, treasury, bank, regulators and third parties, residents and the public, and the
 * demo seed. docs/spec/funds.md
 */
import type { FastifyPluginAsync } from 'fastify';
import { applicationRecord, type Signer } from '@machi/core';
import type { AuthOptions } from '../../auth/plugin.js';
import type { MachiNode } from '../../node/node.js';
import { OrgSubmitter } from '../../node/org-tx.js';
import { loadKek, privateDbPath } from '../../storage/private-db.js';
import { defineNodeModule } from '../contract.js';
import type { PrivacyExports } from '../privacy/index.js';
import { loadHostedSigners } from '../../node/datadir.js';
import { fundsRoutes } from './routes.js';
import { fundsStreamRoutes } from './stream.js';
import { seedFunds } from './seed.js';
import { FundsService, type FundsSubjects } from './service.js';
import { FundsStore } from './store.js';

export interface FundsWiring {
  node: MachiNode;
  /** this node's organisation's submitter */
  submitter: OrgSubmitter;
  auth: AuthOptions;
  dir: string;
  /** member organisations whose keys this node hosts (default: read from DIR/hosted) */
  hosted?: ReadonlyMap<string, Signer>;
  subjects?: FundsSubjects;
  log?: (line: string) => void;
}

export interface Funds {
  service: FundsService;
  store: FundsStore;
  plugin: FastifyPluginAsync;
  close(): void;
}

export function openFunds(w: FundsWiring): Funds {
  const store = new FundsStore(privateDbPath(w.dir), loadKek(w.dir));
  const hosted = w.hosted ?? loadHostedSigners(w.dir, w.node.genesis);
  const submitters = new Map<string, OrgSubmitter>([[w.node.self.id, w.submitter]]);
  for (const [org, signer] of hosted) submitters.set(org, new OrgSubmitter(w.node, signer));
  const service = new FundsService({
    node: w.node, store, submitters, secret: w.auth.secret,
    ...(w.subjects === undefined ? {} : { subjects: w.subjects }),
    ...(w.log === undefined ? {} : { log: w.log }),
  });
  return {
    service,
    store,
    plugin: async (app) => {
      await app.register(fundsRoutes, { service });
      await app.register(fundsStreamRoutes, { node: w.node, isRevoked: (jti) => w.auth.accounts.isRevoked(jti) });
    },
    close: () => store.close(),
  };
}

/** Whom an application is about: its applicant's subject, if this node's desk applied for them; else undefined. */
export function applicantSubjects(f: Funds, application: string): string[] | undefined {
  const a = applicationRecord((k) => f.service.read(k), application);
  const held = a === undefined ? undefined : f.store.person(a.person);
  return held === undefined ? undefined : [held.subject];
}

export const fundsNodeModule = defineNodeModule({
  name: 'funds',
  // residents' subject ids (the privacy vault): the desk applies for people this organisation holds
  dependsOn: ['privacy'],
  routeClasses: {
    'funds.define': { access: ['official'], doc: 'define or amend a programme (the owning organisation)' },
    'funds.community': { access: ['official', 'grid-worker', 'property-staff'], doc: 'community desk: apply, verify, publish the notice, record and answer objections, record a person moved away or deceased' },
    'funds.review': { access: ['official'], doc: "the department's review (approve / refuse with a reason code) and imports of an existing roll" },
    'funds.treasury': { access: ['official'], doc: 'payment instructions and reissues (the programme’s treasury organisation)' },
    'funds.bank': { access: ['official'], doc: "the paying bank's receipts and reconciliations" },
    'funds.oversight': { access: ['official', 'regulator'], doc: 'read-only: programmes, applications and payments with proofs, budget vs paid, alerts, the live feed (regulators, third parties, staff)' },
    'funds.mine': { access: ['resident'], doc: 'my benefits: every application and payment with every step and its proof' },
  },
  tags: [{ name: 'funds', description: 'welfare funds: programmes, applications, public notice, review, payments, receipts, reconciliation, alerts (docs/spec/funds.md)', paths: /^\/v1\/funds(\/|$)/ }],
  open(ctx) {
    const privacy = ctx.use<PrivacyExports>('privacy');
    const f = openFunds({ node: ctx.node, submitter: ctx.submitter, auth: ctx.auth, dir: ctx.dir, hosted: ctx.hosted, subjects: { has: (s) => privacy.vault.has(s), subjectOfUser: (u) => privacy.vault.subjectOfUser(u) }, log: ctx.log });
    // a read for `fund:<application>` must be about its applicant (known here where the desk applied)
    privacy.service.cases.register('fund', (id) => applicantSubjects(f, id));
    return {
      plugin: f.plugin,
      exports: f,
      seed: () => seedFunds(f.service, ctx.auth, ctx.node, privacy),
      close: () => f.close(),
    };
  },
});
