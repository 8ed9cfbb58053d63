/** The marks of a request's timeline: the core's verifyTimeline, run here against the chain's genesis file. */
import { verifyTimeline } from '@machi/core';
import { loadGenesis, unprovable, type Mark } from '../../verify/ledger';
import type { TimelineStep } from '@machi/core';

/** Verifies the timeline: every step against its proof and its transaction, every shown status against the actions. */
export async function verifySteps(request: string, steps: readonly TimelineStep[]): Promise<Mark[]> {
  let genesis: unknown;
  try {
    genesis = await loadGenesis();
  } catch (e) {
    return steps.map(() => ({ state: 'failed', field: 'genesis', reason: String(e) }));
  }
  await new Promise((r) => setTimeout(r, 0));
  // a step shown without its proof is not provable on this node yet (the next steps' statuses are still checked)
  return verifyTimeline(request, steps, genesis).map((v, i) => unprovable(steps[i]!.proof)
    ?? (v.ok ? { state: 'verified', height: v.verdict.height, signedBy: v.verdict.signedBy } : { state: 'failed', field: v.field, reason: v.reason }));
}
