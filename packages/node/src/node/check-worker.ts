/** Worker thread of PooledChecker: runs the stateless checks on batches it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { parseGenesis } from '@machi/core';
import { checkContext, checkMany } from './checker.js';

const ctx = checkContext(parseGenesis((workerData as { genesis: unknown }).genesis));
parentPort!.on('message', (m: { id: number; values: unknown[] }) => {
  parentPort!.postMessage({ id: m.id, results: checkMany(m.values, ctx) });
});
