/**
 * npm run sim -- --seed N            replay one seed, with its trace
 * npm run sim -- --seeds K [--from S] run K seeds (from S, default 1) and print a summary
 * Options: --validators N (default 4), --weighted, --heights-after-gst N (default 3), --no-faults,
 *          --inject byzantine-over-f|forget-locks|no-message-log|no-double-sign-guard (test-only bugs)
 * The only impure file of the simulator: it reads argv, measures wall time and prints. Exit code 1 on any violation.
 */
import { FAULT_KINDS, runSeeds, runSim, type InjectedBug, type SimOptions } from './sim.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function num(name: string): number | undefined {
  const v = arg(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer, got ${v}`);
  return n;
}

const common: Omit<SimOptions, 'seed'> = {};
const validators = num('validators');
if (validators !== undefined) common.validators = validators;
const heights = num('heights-after-gst');
if (heights !== undefined) common.heightsAfterGst = heights;
if (process.argv.includes('--no-faults')) common.faults = false;
if (process.argv.includes('--weighted')) common.weighted = true;
const inject = arg('inject');
if (inject !== undefined) common.inject = inject as InjectedBug;

const seed = num('seed');
const started = performance.now();
if (seed !== undefined) {
  const r = runSim({ ...common, seed, trace: true });
  for (const line of r.trace) console.log(line);
  console.log('');
  console.log(`seed ${r.seed}: n=${r.validators} f=${r.f} byzantine=[${r.byzantine.join(', ')}] gst=${r.gstMs}ms end=${r.endMs}ms`);
  console.log(`  decided height ${r.decidedHeight} (required ${r.requiredHeight}), max decision round ${r.maxDecisionRound}, recovery after GST ${r.recoveryMs}ms`);
  console.log(`  faults: ${FAULT_KINDS.filter((k) => r.faults[k] > 0).map((k) => `${k}=${r.faults[k]}`).join(' ') || 'none'}`);
  console.log(`  equivocations seen by honest nodes ${r.equivocationsSeen}, evidence reported ${r.evidenceReported}`);
  console.log(`  events ${r.events}, steps ${r.steps}, wall ${(performance.now() - started).toFixed(0)}ms`);
  console.log(`  violations: ${r.violations.length}`);
  for (const v of r.violations) console.log(`    ${v.kind} at ${v.atMs}ms: ${v.message} (seed ${r.seed})`);
  process.exitCode = r.violations.length === 0 ? 0 : 1;
} else {
  const count = num('seeds') ?? 100;
  const from = num('from') ?? 1;
  const s = runSeeds(from, count, common);
  const wall = performance.now() - started;
  console.log(`seeds run: ${s.seedsRun} (${from}..${from + count - 1})${inject ? `, injected bug: ${inject}` : ''}`);
  console.log('faults injected by kind:');
  for (const k of FAULT_KINDS) console.log(`  ${k.padEnd(22)} ${s.faults[k]}`);
  console.log(`decided heights (sum over seeds): ${s.decidedHeights}`);
  console.log(`equivocations seen by honest nodes: ${s.equivocationsSeen}; evidence reported: ${s.evidenceReported}`);
  console.log(`max decision round: ${s.maxDecisionRound}; slowest recovery after GST: ${s.maxRecoveryMs}ms simulated`);
  console.log(`state machine steps: ${s.steps}; events: ${s.events}; wall: ${(wall / 1000).toFixed(1)}s`);
  console.log(`violations = ${s.violations}${s.violations > 0 ? ` ${JSON.stringify(s.violationsByKind)}` : ''}`);
  for (const { seed: failed, violation } of s.firstViolations) {
    console.log(`  seed ${failed}: ${violation.kind}: ${violation.message}  (replay: npm run sim -- --seed ${failed})`);
  }
  if (s.failedSeeds.length > 0) console.log(`failing seeds: ${s.failedSeeds.slice(0, 50).join(' ')}${s.failedSeeds.length > 50 ? ' …' : ''}`);
  process.exitCode = s.violations === 0 ? 0 : 1;
}
