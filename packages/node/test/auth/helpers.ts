/** The auth tests' node: the one-node fixture (test/support/node.ts) with no modules and no accounts, its sign-in clock frozen. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { TestClock, oneNode, type OneNode } from '../support/node.js';

export type TestServer = Pick<OneNode, 'app' | 'accounts' | 'secret' | 'dir' | 'close'> & { clock: TestClock };

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'machi-auth-'));
}

/** `plugins` as for buildServer; `auth: false` builds without sign-in. The clock starts now and only moves when told. */
export async function testServer(opts: { plugins?: FastifyPluginAsync[]; auth?: boolean } = {}): Promise<TestServer> {
  const clock = new TestClock(Date.now());
  const s = await oneNode({ org: 'street-office', modules: [], users: {}, authClock: clock, ...opts });
  return { ...s, clock };
}

export async function login(app: OneNode['app'], org: string, username: string, password: string, remoteAddress = '127.0.0.1') {
  return app.inject({ method: 'POST', url: '/v1/auth/login', payload: { org, username, password }, remoteAddress });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
