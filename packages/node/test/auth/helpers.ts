/** A real node (SQLite ledger, one org) behind buildServer with sign-in on, in a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { generateKeyPair, signerFromJwk, type Genesis } from '@machi/core';
import { AccountStore, InlineChecker, SqliteStore, buildServer, wireNode, type ServerOptions } from '../../src/index.js';
import { TEST_SCRYPT_N } from '../support/accounts.js';

export interface TestServer {
  app: FastifyInstance;
  accounts: AccountStore;
  secret: Buffer;
  dir: string;
  clock: { ms: number };
  /** lines the sign-in routes logged */
  logs: string[];
  close(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'machi-auth-'));
}

/** `plugins` as for buildServer; `auth: false` builds without sign-in. The clock starts now and only moves when told. */
export async function testServer(opts: { plugins?: FastifyPluginAsync[]; auth?: boolean; server?: Pick<ServerOptions, 'trustProxy' | 'txsPerAddressPerMinute'> } = {}): Promise<TestServer> {
  const dir = tempDir();
  const kp = generateKeyPair();
  const signer = signerFromJwk(kp.jwk);
  const genesis: Genesis = { chainId: 'machi-auth-test', genesisTime: new Date().toISOString(), orgs: [{ id: 'street-office', name: 'Street office', publicKey: kp.publicKey, power: 1 }] };
  const store = new SqliteStore(join(dir, 'ledger.db'));
  const { node, consensus } = wireNode({ genesis, signer, store, checker: new InlineChecker(genesis) });
  const clock = { ms: Date.now() };
  const accounts = new AccountStore(join(dir, 'private.db'), { now: () => clock.ms, scryptN: TEST_SCRYPT_N });
  const secret = randomBytes(32);
  const logs: string[] = [];
  const serverOpts: ServerOptions = { consensus, ...opts.server, ...(opts.plugins === undefined ? {} : { plugins: opts.plugins }) };
  if (opts.auth !== false) serverOpts.auth = { accounts, secret, now: () => clock.ms, log: (line) => logs.push(line) };
  const cleanup = async () => {
    consensus.close();
    await node.close();
    store.close();
    accounts.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let app: FastifyInstance;
  try {
    app = await buildServer(node, serverOpts);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    app, accounts, secret, dir, clock, logs,
    async close() {
      await app.close();
      await cleanup();
    },
  };
}

export async function login(app: FastifyInstance, org: string, username: string, password: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/v1/auth/login', payload: { org, username, password }, remoteAddress, headers });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
