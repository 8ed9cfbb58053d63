/**
 * npm run sim -- --seed N             replay one seed of the real-driver simulator, with its trace
 * npm run sim -- --seeds K [--from S]  run K seeds (from S, default 1) and print a summary
 * Options: --validators N (default 4), --heights-after-gst N (default 3), --no-faults,
 *          --inject forget-double-sign-guard|byzantine-over-f (test-only bugs: violations expected),
 *          --membership (a fifth organisation is admitted by decision, then a genesis validator removed)
 * Exit code 1 on any violation. docs/spec/consensus.md#simulator
 */
import { parseArgs } from 'node:util';
import { FAULT_KINDS, runSeeds, runSim, type InjectedBug, type SimOptions } from './sim.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' }, seeds: { type: 'string' }, from: { type: 'string' }, validators: { type: 'string' },
    'heights-after-gst': { type: 'string' }, 'no-faults': { type: 'boolean' }, inject: { type: 'string' }, membership: { type: 'boolean' },
  },
});

function num(name: keyof typeof values): number | undefined {
  const v = values[name];
  if (v === undefined || typeof v !== 'string') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer, got ${v}`);
  return n;
}

const common: Omit<SimOptions, 'seed'> = {};
const validators = num('validators');
if (validators !== undefined) common.validators = validators;
const heights = num('heights-after-gst');
if (heights !== undefined) common.heightsAfterGst = heights;
if (values['no-faults'] === true) common.faults = false;
if (values.inject !== undefined) common.inject = values.inject as InjectedBug;
if (values.membership === true) common.membership = true;

const started = performance.now();
const seed = num('seed');
if (seed !== undefined) {
  const r = await runSim({ ...common, seed, trace: true });
  for (const line of r.trace) console.log(line);
  console.log('');
  console.log(`seed ${r.seed}: n=${r.validators} f=${r.f} byzantine=[${r.byzantine.join(', ')}] gst=${r.gstMs}ms end=${r.endMs}ms`);
  console.log(`  stored height ${r.decidedHeight} on every live honest node (required ${r.requiredHeight}), recovery after GST ${r.recoveryMs}ms`);
  console.log(`  faults: ${FAULT_KINDS.filter((k) => r.faults[k] > 0).map((k) => `${k}=${r.faults[k]}`).join(' ') || 'none'}`);
  console.log(`  evidence recorded ${r.evidenceReported}; messages ${r.messages}; disk writes ${r.diskWrites}; events ${r.events}; wall ${(performance.now() - started).toFixed(0)}ms`);
  console.log(`  violations: ${r.violations.length}`);
  for (const v of r.violations) console.log(`    ${v.kind} at ${v.atMs}ms: ${v.message} (seed ${r.seed})`);
  process.exitCode = r.violations.length === 0 ? 0 : 1;
} else {
  const count = num('seeds') ?? 100;
  const from = num('from') ?? 1;
  const s = await runSeeds(from, count, common);
  const wall = (performance.now() - started) / 1000;
  console.log(`real-driver simulator: seeds run ${s.seedsRun} (${from}..${from + count - 1})${common.inject ? `, injected bug: ${common.inject}` : ''}; ${(s.seedsRun / wall).toFixed(1)} seeds/s`);
  console.log('faults injected by kind:');
  for (const k of FAULT_KINDS) console.log(`  ${k.padEnd(22)} ${s.faults[k]}`);
  console.log(`heights stored by every live honest node (sum over seeds): ${s.heights}`);
  console.log(`evidence recorded by honest nodes: ${s.evidenceReported}; messages sent: ${s.messages}; events: ${s.events}`);
  console.log(`slowest recovery after GST: ${s.maxRecoveryMs}ms simulated; wall: ${wall.toFixed(1)}s`);
  const safety = s.failedSeeds.length === 0 ? 0 : s.violations - (s.violationsByKind.liveness ?? 0);
  console.log(`violations = ${s.violations} (safety ${safety}, liveness ${s.violationsByKind.liveness ?? 0})${s.violations > 0 ? ` ${JSON.stringify(s.violationsByKind)}` : ''}`);
  for (const { seed: failed, violation } of s.firstViolations) {
    console.log(`  seed ${failed}: ${violation.kind}: ${violation.message.split('\n')[0]}  (replay: npm run sim -- --seed ${failed}${common.inject ? ` --inject ${common.inject}` : ''})`);
  }
  if (s.failedSeeds.length > 0) console.log(`failing seeds: ${s.failedSeeds.slice(0, 50).join(' ')}${s.failedSeeds.length > 50 ? ' …' : ''}`);
  process.exitCode = s.violations === 0 ? 0 : 1;
}
