/**
 * `machi up`: a local consortium — one `machi start` process per organisation, each with its own key and data
 * directory, linked over loopback. What runs on separate machines in production runs here side by side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { DEFAULT_CONSORTIUM, GENESIS_FILE, KEY_FILE, createConsortium, defaultHostedMembers, readJsonFile } from '../node/datadir.js';
import { parseGenesis } from '@machi/core';

const BIN = fileURLToPath(new URL('../../bin/machi.js', import.meta.url));

export interface UpOptions {
  dir: string;
  orgs: number;
  port: number;
  p2pOffset: number;
  /** demo accounts and community on first start */
  demo: boolean;
  /** a postgres://… URL every node keeps its ledger in, each in its own schema machi_<org>; default SQLite */
  store?: string | undefined;
}

export async function runConsortium(opts: UpOptions): Promise<void> {
  const genesisPath = join(opts.dir, GENESIS_FILE);
  if (!existsSync(genesisPath)) {
    if (existsSync(join(opts.dir, KEY_FILE))) {
      throw new Error(`${opts.dir} holds a single node (made by "machi start"); use another --data for a consortium`);
    }
    const validators = DEFAULT_CONSORTIUM.slice(0, opts.orgs);
    // departments that run no validator take part as members whose keys the street office's node hosts (docs/decisions/0001-hosted-departments.md)
    const hosted = defaultHostedMembers(validators);
    createConsortium(opts.dir, validators, { chainId: 'machi-local', hosted });
    process.stdout.write(`created a consortium of ${opts.orgs} organisations in ${opts.dir}${hosted === undefined ? '' : `, with ${hosted.orgs.join(', ')} as members hosted on ${hosted.host}'s node`}\n`);
  }
  const genesis = parseGenesis(readJsonFile(genesisPath, 'genesis file'));
  const orgs = genesis.orgs.filter((o) => existsSync(join(opts.dir, o.id, KEY_FILE)));
  if (orgs.length === 0) throw new Error(`no organisation directory with a key under ${opts.dir}`);
  const p2p = (i: number): string => `127.0.0.1:${opts.port + opts.p2pOffset + i}`;

  const children: ChildProcess[] = [];
  let stopping = false;
  const started = Promise.all(orgs.map((org, i) => new Promise<string>((resolve, reject) => {
    const peers = orgs.map((_, j) => p2p(j)).filter((_, j) => j !== i);
    const child = spawn(process.execPath, [BIN, 'start', '--data', join(opts.dir, org.id), '--port', String(opts.port + i), '--listen', p2p(i), '--peers', peers.join(','), ...(opts.demo ? ['--demo'] : []), ...(opts.store === undefined ? [] : ['--store', opts.store])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const tag = `[${org.id}]`.padEnd(20);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^API: (\S+)/.exec(line);
      if (m) resolve(m[1]!);
      process.stdout.write(`${tag} ${line}\n`);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`${tag} ${line}\n`));
    child.on('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`${tag} exited (${signal ?? code})\n`);
      reject(new Error(`${org.id}'s node exited before it started`));
    });
  })));

  let urls: string[];
  try {
    urls = await started;
  } catch (e) {
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    throw e;
  }

  process.stdout.write(`\nconsortium ${genesis.chainId}: ${orgs.length} organisations\n`);
  orgs.forEach((o, i) => process.stdout.write(`  ${o.id.padEnd(20)} ${urls[i]}   peer ${p2p(i)}\n`));
  const home = orgs.findIndex((o) => o.id === 'property-company');
  process.stdout.write(`web app: ${urls[home >= 0 ? home : 0]}/  (residents, dispatchers and workers sign in on the property company's node; every node serves it for its own users)\n`);
  process.stdout.write(`API documentation: ${urls[0]}/docs\n`);
  process.stdout.write('Ctrl-C stops all nodes.\n');

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    let left = children.length;
    for (const c of children) {
      c.once('exit', () => {
        if (--left === 0) process.exit(0);
      });
      c.kill('SIGTERM');
    }
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
