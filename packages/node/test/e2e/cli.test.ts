/**
 * The `machi` command line as a user runs it: a real node process, submit from a file and from stdin, proof,
 * verify-proof, verify — and tampering with one byte of one stored transaction makes `verify` fail naming the block.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/consortium.js';

const docHash = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Runs `machi` in the test's own folder, so a default `./data` would land there and never in the repository. */
function machi(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 30_000, cwd: join(dir, 'cwd') });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
let data: string;
let proc: ChildProcess;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'machi-cli-'));
  data = join(dir, 'data');
  mkdirSync(join(dir, 'cwd'));
  proc = spawn(process.execPath, [CLI, 'start', '--data', data, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /API: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (code) => reject(new Error(`node exited ${code}: ${out}`)));
  });
});

afterAll(() => {
  proc?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('machi CLI', () => {
  const txs: { hash: string; height: number }[] = [];

  it('submits from a file and from stdin, printing the hash and height', () => {
    const payloadFile = join(dir, 'payload.json');
    writeFileSync(payloadFile, JSON.stringify({ hash: docHash('minutes-2026-11.pdf'), label: 'residents meeting minutes' }));
    for (const args of [['notary.record', payloadFile], ['notary.record', '-']]) {
      const r = machi(['submit', ...args, '--data', data, '--node', url], JSON.stringify({ hash: docHash(`stdin ${txs.length}`), label: 'from stdin' }));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const m = /^tx ([0-9a-f]{64}) committed at height (\d+)$/m.exec(r.out);
      expect(m).not.toBeNull();
      txs.push({ hash: m![1]!, height: Number(m![2]) });
    }
    expect(txs[1]!.height).toBeGreaterThan(txs[0]!.height);
  });

  it('exports a proof bundle that verify-proof accepts with only the genesis file, and rejects when altered', () => {
    const r = machi(['proof', txs[0]!.hash, '--node', url]);
    expect(r.code).toBe(0);
    const bundleFile = join(dir, 'bundle.json');
    writeFileSync(bundleFile, r.out);
    const genesisCopy = join(dir, 'genesis-copy.json');
    cpSync(join(data, 'genesis.json'), genesisCopy);
    const ok = machi(['verify-proof', bundleFile, '--genesis', genesisCopy]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^valid: tx [0-9a-f]{64} is at log position 0 in block \d+/);

    const bundle = JSON.parse(r.out);
    bundle.tx.payload.label = 'residents meeting minutes (edited)';
    writeFileSync(bundleFile, JSON.stringify(bundle));
    const bad = machi(['verify-proof', bundleFile, '--genesis', genesisCopy]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^invalid: /);
  });

  it('errors are one line on stderr with a non-zero exit', () => {
    const cases = [
      machi(['frobnicate']),
      machi(['submit', 'notary.record', join(dir, 'missing.json'), '--data', data, '--node', url]),
      machi(['submit', 'notary.record', '-', '--data', data, '--node', url], '{"hash":"nope","label":"x"}'),
      machi(['submit', 'notary.record', '-', '--data', data, '--node', url], 'not json'),
      machi(['proof', 'abc', '--node', url]),
      machi(['proof', '0'.repeat(64), '--node', url]),
      machi(['verify', join(dir, 'nowhere')]),
      machi(['verify-proof', join(dir, 'bundle.json')]),
      machi(['start', '--port', 'eighty']),
      machi(['start', '--public-url', 'ftp://node.example']),
    ];
    for (const c of cases) {
      expect(c.code).not.toBe(0);
      expect(c.err.trim().split('\n')).toHaveLength(1);
      expect(c.err).toMatch(/^machi: /);
    }
    expect(cases[2]!.err).toContain('TX_PAYLOAD_INVALID');
    // a refused start wrote nothing: no default data directory appeared
    expect(existsSync(join(dir, 'cwd', 'data'))).toBe(false);
  });

  it('every command has --help', () => {
    for (const cmd of ['start', 'submit', 'verify', 'proof', 'verify-proof']) {
      const r = machi([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: machi ${cmd}`);
    }
  });

  it('verify passes on the live ledger and fails, naming the block, after one byte of one stored tx changes', () => {
    const ok = machi(['verify', data]);
    expect(ok.code).toBe(0);
    expect(ok.out.trim()).toBe(`ok: ${txs[1]!.height} blocks, 2 txs`);

    proc.kill('SIGKILL');
    const copy = join(dir, 'tampered');
    cpSync(data, copy, { recursive: true });
    const db = new Database(join(copy, 'ledger.db'));
    const row = db.prepare('SELECT seq, body FROM txs WHERE height = ?').get(txs[1]!.height) as { seq: number; body: string };
    const i = row.body.indexOf('from stdin');
    const body = `${row.body.slice(0, i)}F${row.body.slice(i + 1)}`;
    db.prepare('UPDATE txs SET body = ? WHERE seq = ?').run(body, row.seq);
    db.close();
    const bad = machi(['verify', copy]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(new RegExp(`^bad block ${txs[1]!.height}: `));
    expect(readFileSync(join(copy, 'genesis.json'), 'utf8')).toContain('chainId');
  });
});
