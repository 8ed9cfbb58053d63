#!/usr/bin/env node
// `npm test`: the two test projects of vitest.config.ts side by side — the files that start processes or a browser,
// one at a time, beside the in-process files, one at a time — so a two-core machine keeps both cores busy without
// ever starting two consortia at once. Any argument (a file, a filter) runs plain `vitest run <args>` instead.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const args = process.argv.slice(2);
const run = (extra, label) =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [vitest, 'run', ...extra], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve({ label, code: code ?? (signal ? 1 : 0), seconds: Math.round((Date.now() - started) / 1000) }));
  });

if (args.length > 0) {
  const { code } = await run(args, 'vitest');
  process.exit(code);
}
const results = await Promise.all([run(['--project', 'processes'], 'processes'), run(['--project', 'in-process'], 'in-process')]);
for (const r of results) console.log(`test project ${r.label}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
