/**
 * The repairs tests' node: the one-node fixture (test/support/node.ts) of the property company, every module open,
 * the repairs service and its private store at hand. The node's clock can be moved forward (SLA tests); the
 * escalation job does not run on its own (tests call escalateOverdue, or start it with a short interval).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Repairs } from '../../src/modules/repairs/index.js';
import type { PrivacyExports } from '../../src/modules/privacy/index.js';
import { TEST_PASSWORD, oneNode, type OneNode } from '../support/node.js';

/** What the repairs tests look at in an answer. */
export interface Answer {
  status: number;
  json: any;
}
export const ORG = 'property-company';
export const PASSWORD = TEST_PASSWORD;

export type RepairsServer = OneNode & Pick<Repairs, 'service'> & { repairStore: Repairs['store']; vault: PrivacyExports['vault'] };

export async function repairsServer(): Promise<RepairsServer> {
  const s = await oneNode({ org: ORG });
  const repairs = s.use<Repairs>('repairs');
  return Object.assign(s, { service: repairs.service, repairStore: repairs.store, vault: s.use<PrivacyExports>('privacy').vault });
}

/** An API call as `user` (undefined: no token). */
export const call = (s: OneNode, user: string | undefined, method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> =>
  s.call(method, url, { ...(user === undefined ? {} : { as: user }), body });

/** The answer's JSON, once its status is `status`. */
export function ok(r: Answer, status = 200): any {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  return r.json;
}

/** A PNG-looking body of `bytes` bytes (the magic bytes, then random). */
export function fakePng(bytes = 256): Buffer {
  const b = randomBytes(bytes);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
  return b;
}

/** Every transaction body on the ledger, as stored (canonical JSON). */
export function ledgerBodies(s: OneNode): string[] {
  return s.store.txRange(0, s.store.logSize()).map((t) => t.body);
}
