/** Invariant check that stays on in production: a failure is a bug, never an expected error. */
export function assert(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${what}`);
}
