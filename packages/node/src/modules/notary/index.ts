/** notary on a node: who anchored a document hash, when (its routes are public ledger reads). */
import { defineNodeModule } from '../contract.js';
import { notaryRoutes } from './routes.js';

export const notaryNodeModule = defineNodeModule({
  name: 'notary',
  dependsOn: [],
  routeClasses: {},
  tags: [{ name: 'notary', description: 'document hashes anchored on the ledger', paths: /^\/v1\/notary(\/|$)/ }],
  open: (ctx) => ({ plugin: async (app) => app.register(notaryRoutes, { node: ctx.node }) }),
});
