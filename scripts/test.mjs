#!/usr/bin/env node
// `npm test`: every test, on two lanes side by side so a two-core machine keeps both cores busy.
// - Lane 1 runs the `in-process` and `in-process-isolated` projects of vitest.config.ts (pure core, simulator, one-node
//   API tests; one file at a time), then helps with the queue below.
// - Lane 2 takes the files of the `processes` project (those that start a consortium, a receiver or a browser) from a
//   queue, one file per vitest run, longest first.
// So a consortium starts beside the in-process files, and two consortia run at once only at the tail, when lane 1 has
// finished its own work. Any argument (a file, a filter) runs plain `vitest run <args>` instead.
// Each file's time is printed at the end: the LONGEST list below is kept from those figures.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROCESS_FILES } from './process-files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const args = process.argv.slice(2);

/** The order of the process files: three timing-sensitive ones, then those known to take longest, longest first (from
 * the per-file times this script printed, 2026-12-07, after the demo consortia's shorter waits); the rest after them. */
const SENSITIVE = [
  // first, so they run while the other lane is busy with the in-process projects: these time their kills and faults
  // against block progress, and must not share the machine with a second consortium (the other lane waits for them
  // before it takes process files, should the in-process projects end first)
  'packages/node/test/e2e/kept-proposal.test.ts',
  'packages/node/test/e2e/crash.test.ts',
  'packages/node/test/e2e/byzantine.test.ts',
];
const LONGEST = [
  ...SENSITIVE,
  'packages/web/test/browser/events.test.ts',
  'packages/web/test/browser/property.test.ts',
  'packages/web/test/browser/repairs.test.ts',
  'packages/web/test/browser/funds.test.ts',
  'packages/node/test/e2e/privacy.test.ts',
  'packages/web/test/browser/identity.test.ts',
  'packages/node/test/e2e/events.test.ts',
  'packages/web/test/browser/devices.test.ts',
  'packages/web/test/browser/dashboard.test.ts',
  'packages/node/test/e2e/stores.test.ts',
  'packages/node/test/e2e/cli.test.ts',
  'packages/web/test/browser/addresses.test.ts',
  'packages/node/test/e2e/consortium.test.ts',
  'packages/node/test/devices/consortium.test.ts',
  'packages/node/test/e2e/membership.test.ts',
]

const run = (extra, label) =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [vitest, 'run', ...extra], { stdio: 'inherit', cwd: root });
    child.on('exit', (code, signal) => resolve({ label, code: code ?? (signal ? 1 : 0), seconds: Math.round((Date.now() - started) / 1000) }));
  });

if (args.length > 0) {
  const { code } = await run(args, 'vitest');
  process.exit(code);
}

/** A glob of PROCESS_FILES as a RegExp: `*` is part of one path segment, `**` any number of whole segments. */
const escape = (seg) => seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
const globRegExp = (g) => new RegExp(`^${g.split('/').map((seg) => (seg === '**' ? '(?:[^/]+/)*' : `${escape(seg)}/`)).join('').slice(0, -1)}$`);
const patterns = PROCESS_FILES.map(globRegExp);
const all = readdirSync(`${root}packages`).flatMap((pkg) => {
  try {
    return readdirSync(`${root}packages/${pkg}/test`, { recursive: true }).map((f) => `packages/${pkg}/test/${String(f).split('\\').join('/')}`);
  } catch {
    return [];
  }
});
const files = all.filter((f) => patterns.some((re) => re.test(f))).sort();
if (files.length === 0) { console.error('no process test files found: check scripts/process-files.mjs'); process.exit(1); }
const rank = (f) => { const i = LONGEST.indexOf(f); return i === -1 ? LONGEST.length : i; };
const queue = files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (process.env.MACHI_TEST_LIST) { console.log(queue.join('\n')); process.exit(0); }
const results = [];
const drain = async () => {
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) results.push(await run(['--project', 'processes', f], f));
};
// the timing-sensitive files, alone on their lane, before any other process file starts
const sensitive = queue.filter((f) => SENSITIVE.includes(f));
queue.splice(0, sensitive.length);
const started = Date.now();
let sensitiveDone = () => {};
const sensitiveRun = new Promise((resolve) => { sensitiveDone = resolve; });
await Promise.all([
  (async () => {
    results.push(await run(['--project', 'in-process', '--project', 'in-process-isolated'], 'in-process (projects)'));
    await sensitiveRun;
    await drain();
  })(),
  (async () => {
    for (const f of sensitive) results.push(await run(['--project', 'processes', f], f));
    sensitiveDone();
    await drain();
  })(),
]);
console.log('\nper-file times (processes project) and the in-process project:');
for (const r of [...results].sort((a, b) => b.seconds - a.seconds)) {
  console.log(`  ${String(r.seconds).padStart(5)} s  ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`}  ${r.label}`);
}
const failed = results.filter((r) => r.code !== 0);
console.log(`npm test: ${results.length} runs, ${failed.length} failed, ${Math.round((Date.now() - started) / 1000)} s in all`);
process.exit(failed.length > 0 ? 1 : 0);
