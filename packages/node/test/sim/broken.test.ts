/**
 * The real-driver simulator catches a deliberately broken driver (DriverOptions.unsafe, set only by tests and
 * `--inject`): what it reports names the seed, and replaying the seed reproduces it. docs/spec/consensus.md#simulator
 */
import { describe, expect, it } from 'vitest';
import { runSeeds, runSim } from '../../src/sim/index.js';

describe('real-driver simulator: broken drivers are caught', () => {
  it('CONS-GUARD-1, CONS-RESTART-1: a driver that forgets its double-sign guard across crashes double-signs, and is accused', async () => {
    const s = await runSeeds(1, 12, { inject: 'forget-double-sign-guard', crashesMin: 2, stopOnViolation: true });
    expect(s.violationsByKind['double-sign'] ?? 0, JSON.stringify(s.violationsByKind)).toBeGreaterThan(0);
    const first = s.firstViolations.find((v) => v.violation.kind === 'double-sign')!;
    const replay = await runSim({ seed: first.seed, inject: 'forget-double-sign-guard', crashesMin: 2, stopOnViolation: true });
    expect(replay.violations[0]).toEqual(first.violation);
  }, 60_000);

  it('the same seeds with the real guard show no violation', async () => {
    const s = await runSeeds(1, 12, { crashesMin: 2 });
    expect(s.violations, JSON.stringify(s.firstViolations)).toBe(0);
    expect(s.faults.crash).toBeGreaterThanOrEqual(12);
  }, 60_000);

  it('CONS-SAFETY-1: f + 1 colluding equivocators (more than tolerated) break agreement, and the agreement checker says so', async () => {
    const s = await runSeeds(1, 6, { inject: 'byzantine-over-f', faults: false, heightsAfterGst: 5, stopOnViolation: true });
    expect(s.violationsByKind.agreement ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
