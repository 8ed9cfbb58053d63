/**
 * Webhook tests' helpers: the outside receiver as its own process (receiver.mjs, which sees only the genesis file), a
 * one-node chain with the webhooks module on short test timings, and waiting for a condition.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { Genesis } from '@machi/core';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import type { Receipt } from '../../src/node/node.js';
import { openWebhooksModule, webhooksNodeModule, type WebhookTimings, type Webhooks } from '../../src/modules/webhooks/index.js';
import type { NodeModule } from '../../src/index.js';
import { oneNode, type OneNode, type OneNodeOptions } from '../support/node.js';

const RECEIVER = fileURLToPath(new URL('./receiver.mjs', import.meta.url));

/** Fast test timings: attempts time out after 300 ms, retries after 30–100 ms, three attempts. */
export const TEST_TIMINGS: Partial<WebhookTimings> = { attemptTimeoutMs: 300, retryBaseMs: 30, retryCapMs: 100, attemptsMax: 3, pollMs: 20 };

export interface ReceivedEntry {
  path: string;
  webhookId: string;
  timestamp: string;
  /** why the receiver found the delivery wrong (null: envelope and signature check out) */
  problem: string | null;
  event: any;
  /** the status it answered (null: not yet, or never) */
  answered: number | null;
}

export interface Receiver {
  url: string;
  log(): Promise<ReceivedEntry[]>;
  hold(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** Starts receiver.mjs as a child process; it reads the genesis from a file, as an outside system would. */
export async function startReceiver(genesis: Genesis): Promise<Receiver> {
  const dir = mkdtempSync(join(tmpdir(), 'machi-receiver-'));
  const file = join(dir, 'genesis.json');
  writeFileSync(file, JSON.stringify(genesis));
  const child: ChildProcess = spawn(process.execPath, [RECEIVER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    log: async () => (await (await fetch(`${url}/log`)).json()) as ReceivedEntry[],
    hold: async (on) => {
      await fetch(`${url}/control/hold`, { method: 'POST', body: JSON.stringify({ hold: on }) });
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill();
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The webhooks module as registered, with other timings. */
export const webhooksWith = (timings: Partial<WebhookTimings>): NodeModule => ({ ...webhooksNodeModule, open: (ctx) => openWebhooksModule(ctx, timings) });

/** A one-node chain (property company) listening on 127.0.0.1, with the webhooks and notary modules. */
export const webhookNode = (timings: Partial<WebhookTimings> = TEST_TIMINGS, opts: OneNodeOptions = {}): Promise<OneNode> =>
  oneNode({ modules: ['notary', webhooksWith(timings)], listen: true, ...opts });

/** Anchors a document (a notary.record signed by the node's organisation) and waits for its commit. */
export async function anchor(s: OneNode, label: string): Promise<{ receipt: Receipt; hash: string }> {
  const hash = createHash('sha256').update(`${label} ${Math.random()}`).digest('hex');
  const receipt = await new OrgSubmitter(s.node, s.signer).submit('notary.record', { hash, label });
  return { receipt, hash };
}

export const webhooksOf = (s: OneNode): Webhooks => s.use<Webhooks>('webhooks');

/** Polls `probe` until it returns something other than undefined/false; fails after `ms`. */
export async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
