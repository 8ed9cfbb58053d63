/**
 * Executing a block's transactions against the state: each transaction runs in its own overlay so a rejected one
 * leaves no writes; the block's writes and results fold into the app-hash chain, which changes with every write so
 * that nodes whose states diverge are detected at the next block. docs/spec/state-machine.md
 */
import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from '../encoding.js';
import { isMachiError, type ErrorCode } from '../errors.js';
import type { Org } from '../genesis.js';
import type { SignedTx } from '../tx.js';
import type { StateAccess, TxTypeRegistry } from './registry.js';

/** The state as seen before the block: values are canonical JSON text, absent = undefined. */
export interface StateReader {
  read(key: string): string | undefined;
}

export interface TxResult {
  /** undefined = applied; otherwise the rejection code (the tx stays in the block and the log) */
  code?: ErrorCode;
  message?: string;
}

export interface BlockExecution {
  /** key → canonical JSON value, or null for a deletion; sorted by key */
  writes: [string, string | null][];
  results: TxResult[];
  appHash: string;
}

export interface ExecutableTx {
  tx: SignedTx;
  hash: string;
  seq: number;
}

class Overlay implements StateAccess {
  readonly pending = new Map<string, string | null>();
  constructor(private readonly below: (key: string) => string | undefined) {}
  get(key: string): unknown {
    const v = this.pending.has(key) ? this.pending.get(key) : this.below(key);
    return v === undefined || v === null ? undefined : JSON.parse(v);
  }
  set(key: string, value: unknown): void {
    this.pending.set(key, canonicalJson(value));
  }
  delete(key: string): void {
    this.pending.set(key, null);
  }
  raw(key: string): string | undefined {
    if (!this.pending.has(key)) return this.below(key);
    const v = this.pending.get(key);
    return v === null ? undefined : v;
  }
}

/** Feeds a string into a hash as its UTF-8 byte length (u32, big-endian) followed by the bytes. */
function updateLengthPrefixed(h: Hash, text: string): void {
  LENGTH.writeUInt32BE(Buffer.byteLength(text, 'utf8'));
  h.update(LENGTH).update(text, 'utf8'); // update copies its input: the one length buffer serves every call
}

const LENGTH = Buffer.alloc(4);

/**
 * appHash(h) = SHA-256("machi.app.v1\n" ‖ appHash(h−1) ‖ writes ‖ results), each write as
 * lp(key) ‖ (0x00 for a deletion | 0x01 ‖ lp(value)), each result as lp(code or ""); lp = u32 length ‖ UTF-8 bytes.
 * Streamed rather than canonical-JSON encoded: it is on the commit path of every block.
 */
export function nextAppHash(prevAppHash: string, writes: readonly [string, string | null][], results: readonly TxResult[]): string {
  const h = createHash('sha256');
  h.update('machi.app.v1\n').update(prevAppHash);
  for (const [k, v] of writes) {
    updateLengthPrefixed(h, k);
    if (v === null) h.update(DELETED);
    else {
      h.update(PRESENT);
      updateLengthPrefixed(h, v);
    }
  }
  for (const r of results) updateLengthPrefixed(h, r.code ?? '');
  return h.digest('hex');
}

const DELETED = Buffer.from([0]);
const PRESENT = Buffer.from([1]);

export function executeBlock(
  registry: TxTypeRegistry,
  orgs: ReadonlyMap<string, Org>,
  state: StateReader,
  prevAppHash: string,
  block: { height: number; time: number },
  txs: readonly ExecutableTx[],
): BlockExecution {
  const blockOverlay = new Overlay((k) => state.read(k));
  const orgsById = new Map([...orgs.values()].map((o) => [o.id, o]));
  const results: TxResult[] = [];
  for (const { tx, hash, seq } of txs) {
    const txOverlay = new Overlay((k) => blockOverlay.raw(k));
    const type = registry.get(tx.type);
    const org = orgs.get(tx.signer);
    if (type === undefined || org === undefined) {
      results.push({ code: type === undefined ? 'TX_UNKNOWN_TYPE' : 'TX_UNKNOWN_SIGNER' });
      continue;
    }
    try {
      type.handle({ state: txOverlay, height: block.height, time: block.time, txHash: hash, seq, org, orgsById, tx }, tx.payload);
    } catch (e) {
      if (!isMachiError(e)) throw e;
      results.push({ code: e.code, message: e.message });
      continue;
    }
    for (const [k, v] of txOverlay.pending) blockOverlay.pending.set(k, v);
    results.push({});
  }
  const writes = [...blockOverlay.pending].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { writes, results, appHash: nextAppHash(prevAppHash, writes, results) };
}
