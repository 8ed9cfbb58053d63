/** Wires a data directory, the SQLite store, the checker pool, the node and the API into a running process. */
import type { FastifyInstance } from 'fastify';
import { genesisHash } from '@machi/core';
import { openDataDir } from './datadir.js';
import { MachiNode } from './node.js';
import { PooledChecker, type TxChecker } from './checker.js';
import { SqliteStore } from '../storage/sqlite.js';
import { buildServer } from '../api/server.js';

export interface StartOptions {
  dir: string;
  genesisFile?: string | undefined;
  port: number;
  host: string;
  /** worker threads for signature checks (default: one per core) */
  checkThreads?: number;
}

export interface RunningNode {
  node: MachiNode;
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startNode(opts: StartOptions): Promise<RunningNode> {
  const dd = openDataDir(opts.dir, opts.genesisFile);
  const store = new SqliteStore(dd.ledgerPath);
  const gh = genesisHash(dd.genesis);
  const stored = store.getMeta('genesis_hash');
  if (stored !== undefined && stored !== gh) {
    store.close();
    throw new Error(`the ledger in ${opts.dir} belongs to another genesis (${stored.slice(0, 12)}…), not ${gh.slice(0, 12)}…`);
  }
  if (stored === undefined) store.setMeta('genesis_hash', gh);
  const checker: TxChecker = new PooledChecker(dd.genesis, opts.checkThreads);
  const node = new MachiNode({ genesis: dd.genesis, signer: dd.signer, store, checker });
  const app = await buildServer(node);
  await app.listen({ port: opts.port, host: opts.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    node,
    app,
    url: `http://${host}:${port}`,
    async close() {
      await app.close();
      await node.close();
      store.close();
    },
  };
}
