/**
 * Runs the re-derivation of a joined node's older handler results (node/history-results.ts,
 * docs/spec/membership.md#history) in the background: once the history is complete, one step of RESULTS_CHUNK_TXS
 * transactions' worth of blocks at a time, RESULTS_PAUSE_MS apart, so the node's thread serves consensus and the API
 * between them. While the history is still being fetched it looks again every RESULTS_WAIT_MS. A fault (a block whose
 * app hash re-execution does not reproduce) stops it until the node starts again, logged loudly; health and /metrics
 * show it.
 */
import { logSafe } from '../log-safe.js';
import type { MachiNode } from '../node/node.js';
import type { Clock, Timer } from './clock.js';

/**
 * Pause between two steps of the re-derivation, ms: the node's other work runs in it. About a step's length: the
 * re-derivation takes at most about half of the node's thread (a million transactions: a minute or two).
 */
export const RESULTS_PAUSE_MS = 20;
/** How often a node whose history is still being fetched looks whether the re-derivation can start, ms. */
export const RESULTS_WAIT_MS = 1_000;

export interface ResultsRederiveOptions {
  node: MachiNode;
  clock: Clock;
  log: (line: string) => void;
}

export class ResultsRederive {
  readonly #o: ResultsRederiveOptions;
  #timer: Timer | undefined;
  #closed = false;
  #started = false;

  constructor(o: ResultsRederiveOptions) {
    this.#o = o;
    const r = o.node.history.results;
    if (r.done) return;
    const fault = r.progress.fault;
    if (fault !== undefined) o.log(`history: FAULT recorded before this start: re-execution did not reproduce block ${fault.height} (${logSafe(fault.reason)}); re-deriving the handler results again`);
    this.#arm(0);
  }

  #arm(ms: number): void {
    if (this.#closed) return;
    this.#timer = this.#o.clock.setTimer(ms, () => this.#tick(), true);
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const { node, log } = this.#o;
    const r = node.history.results;
    if (!this.#started && node.history.complete) {
      this.#started = true;
      const done = r.progress.height;
      const from = r.replayHeight();
      log(`history: re-deriving the handler results of blocks 1 to ${r.target} by re-executing the chain${done > 0 ? ` (resuming: results up to ${done} were rewritten before; re-execution goes on from ${from === 0 ? 'genesis' : `the state kept at block ${from}`})` : ''}`);
    }
    const before = r.progress.height;
    const outcome = r.step();
    if (r.progress.height > before) node.emit('history-results', r.progress.height);
    switch (outcome) {
      case 'waiting':
        return this.#arm(RESULTS_WAIT_MS);
      case 'more':
        return this.#arm(RESULTS_PAUSE_MS);
      case 'done':
        if (this.#started) log(`history: handler results re-derived up to block ${r.target}: ${r.progress.changed} stored result(s) corrected`);
        return;
      case 'fault': {
        const f = r.progress.fault!;
        log(`history: FAULT: re-executing the chain from genesis did not reproduce block ${f.height}: ${logSafe(f.reason)}. The stored history or this node's software diverges from the chain: handler results from block ${f.height} on are not re-derived (receipts say resultKnown: false). Run \`machi verify\` and compare with another node; the node retries at its next start`);
        return;
      }
    }
  }

  /** Whether more steps are to come (false once done, after a fault, or closed). */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }
}
