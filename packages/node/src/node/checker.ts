/**
 * Stateless admission checks (shape, chain, type, payload schema, signature) run once per transaction per node.
 * Signature verification is the throughput ceiling, so the pooled checker spreads batches over worker threads, one
 * per core; the inline checker runs them on the calling thread (tools, tests, tiny deployments).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkTx, createRegistry, isMachiError, type ErrorCode, type Genesis, type TxCheckContext, type TxTypeRegistry } from '@machi/core';

export type CheckOutcome = { ok: true; hash: string; canonical: string } | { ok: false; code: ErrorCode; message: string };

export interface TxChecker {
  check(values: readonly unknown[]): Promise<CheckOutcome[]>;
  close(): Promise<void>;
}

/** `registry`: one already made for this chain (the simulator shares one across its runs); else a new one. */
export function checkContext(genesis: Genesis, registry?: TxTypeRegistry): TxCheckContext {
  // the chain's rules choose some schemas (foundation/rules.ts): admission checks with the ones blocks execute with
  // No signer set here: the member set changes by decision (docs/spec/consensus.md#membership), so the node checks
  // membership on its main thread against the set of the next height (MachiNode.submit), and execution refuses a
  // non-member's transaction in a block (TX_UNKNOWN_SIGNER).
  return { chainId: genesis.chainId, registry: registry ?? createRegistry({ ...(genesis.rules === undefined ? {} : { rules: genesis.rules }) }) };
}

export function checkMany(values: readonly unknown[], ctx: TxCheckContext): CheckOutcome[] {
  return values.map((v) => {
    try {
      const c = checkTx(v, ctx);
      return { ok: true, hash: c.hash, canonical: c.canonical };
    } catch (e) {
      if (isMachiError(e)) return { ok: false, code: e.code, message: e.message };
      throw e;
    }
  });
}

export class InlineChecker implements TxChecker {
  readonly #ctx: TxCheckContext;
  constructor(genesis: Genesis) {
    this.#ctx = checkContext(genesis);
  }
  async check(values: readonly unknown[]): Promise<CheckOutcome[]> {
    return checkMany(values, this.#ctx);
  }
  async close(): Promise<void> {}
}

/** Below this many transactions a batch is checked whole by one worker; above, it is split across all of them. */
const SPLIT_TXS_MIN = 64;

interface Pending {
  resolve: (r: CheckOutcome[]) => void;
  reject: (e: Error) => void;
}

export class PooledChecker implements TxChecker {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #rr = 0;
  /** why a worker died (it could not load, or crashed): every check fails with it from then on, none waits forever */
  #failed: Error | undefined;

  constructor(genesis: Genesis, threads = availableParallelism()) {
    for (let i = 0; i < Math.max(1, threads); i++) {
      const w = new Worker(new URL('./check-worker.js', import.meta.url), { workerData: { genesis } });
      w.on('message', (m: { id: number; results: CheckOutcome[] }) => {
        const p = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        p?.resolve(m.results);
      });
      const fail = (e: Error): void => {
        this.#failed ??= e;
        for (const p of this.#pending.values()) p.reject(e);
        this.#pending.clear();
      };
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0) fail(new Error(`a signature-check worker exited with code ${code}`));
      });
      w.unref();
      this.#workers.push(w);
    }
  }

  #send(values: readonly unknown[]): Promise<CheckOutcome[]> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    const worker = this.#workers[this.#rr++ % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, values });
    });
  }

  async check(values: readonly unknown[]): Promise<CheckOutcome[]> {
    const n = this.#workers.length;
    if (values.length < SPLIT_TXS_MIN || n === 1) return this.#send(values);
    const size = Math.ceil(values.length / n);
    const parts: Promise<CheckOutcome[]>[] = [];
    for (let i = 0; i < values.length; i += size) parts.push(this.#send(values.slice(i, i + size)));
    return (await Promise.all(parts)).flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
