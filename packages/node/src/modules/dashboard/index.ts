/**
 * dashboard on a node: the read model (a projection of committed blocks, caught up from the stored chain at start-up)
 * and the command centre's routes. docs/spec/dashboard.md
 */
import { defineNodeModule } from '../contract.js';
import { DashboardProjection } from './projection.js';
import { dashboardRoutes } from './routes.js';

export { DashboardProjection } from './projection.js';

export const dashboardNodeModule = defineNodeModule({
  name: 'dashboard',
  dependsOn: [],
  routeClasses: {
    'dashboard.view': {
      access: ['property-staff', 'dispatcher', 'official', 'regulator'],
      doc: 'the command centre: overview, grid map, network, explorer, analytics, exports, wall screen',
    },
  },
  tags: [{ name: 'dashboard', description: 'read models of the community for the command centre', paths: /^\/v1\/dashboard(\/|$)/ }],
  open: (ctx) => {
    const projection = new DashboardProjection(ctx.node);
    projection.start();
    return {
      plugin: async (app) => app.register(dashboardRoutes, { node: ctx.node, projection, isRevoked: (jti) => ctx.auth.accounts.isRevoked(jti) }),
      exports: { projection },
      close: () => projection.stop(),
    };
  },
});
