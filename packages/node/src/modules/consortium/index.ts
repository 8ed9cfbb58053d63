/**
 * consortium on a node: the member set and membership proposals (public reads; proposing and approving are
 * transactions each organisation signs), snapshots every MACHI_SNAPSHOT_INTERVAL heights with the validators'
 * checkpoints, and serving them to nodes that join (`machi join --from URL`). docs/spec/consensus.md#membership
 */
import { defineNodeModule } from '../contract.js';
import { consortiumRoutes } from './routes.js';
import { Snapshots, snapshotInterval } from './snapshots.js';

export { Snapshots, installSnapshot, readStateLines, recentBlocks, frontierNodes, snapshotInterval } from './snapshots.js';

export const consortiumNodeModule = defineNodeModule({
  name: 'consortium',
  dependsOn: [],
  routeClasses: {},
  tags: [
    { name: 'consortium', description: 'the member set, membership proposals, snapshots for joining nodes (docs/spec/consensus.md#membership)', paths: /^\/v1\/(consortium|snapshot)(\/|$)/ },
  ],
  open(ctx) {
    const snapshots = new Snapshots(ctx.node, ctx.submitter, ctx.dir, snapshotInterval(), ctx.log);
    // Peer links follow the member set: an admitted organisation may link, a removed one may not any more.
    let epoch = ctx.node.epoch;
    ctx.net?.setMembers(ctx.node.orgs);
    ctx.node.on('block', () => {
      if (ctx.node.epoch === epoch) return;
      epoch = ctx.node.epoch;
      ctx.net?.setMembers(ctx.node.orgs);
      ctx.log(`consortium: member set of epoch ${epoch} in force: ${[...ctx.node.orgs.values()].map((o) => `${o.id}${o.power > 0 ? `(${o.power})` : ''}`).join(', ')}`);
    });
    return {
      plugin: async (app) => app.register(consortiumRoutes, { node: ctx.node, snapshots }),
      exports: snapshots,
    };
  },
});
