/**
 * Replay protection without an ever-growing index. Two consensus rules (docs/spec/formats.md#replay):
 *  1. a transaction is valid in a block only if |tx.time − block.time| ≤ TX_TIME_SKEW_MS_MAX, so an old signed
 *     transaction can never be included again once it has expired;
 *  2. while it could still be valid, its (signer, nonce) must be unused: no transaction with the same signer and
 *     nonce in a block whose time is ≥ block.time − NONCE_WINDOW_MS.
 * Together: replaying a signed transaction is always refused, and a node keeps only the window's nonces in memory.
 */
import { TX_TIME_SKEW_MS_MAX } from './limits.js';

/** Any earlier use of a nonce that a valid transaction could collide with lies within this window. */
export const NONCE_WINDOW_MS = 2 * TX_TIME_SKEW_MS_MAX;

export function txTimeValid(txTime: number, blockTime: number): boolean {
  return Math.abs(txTime - blockTime) <= TX_TIME_SKEW_MS_MAX;
}

export function nonceKey(signer: string, nonce: string): string {
  return `${signer}/${nonce}`;
}

/** The nonces used in the last NONCE_WINDOW_MS of blocks, in commit order (block times never decrease). */
export class RecentNonces {
  readonly #used = new Map<string, number>();

  /** True if (signer, nonce) was used in a block with time ≥ atTime − NONCE_WINDOW_MS. */
  has(key: string, atTime: number): boolean {
    const t = this.#used.get(key);
    return t !== undefined && t >= atTime - NONCE_WINDOW_MS;
  }

  /** Records a use at `blockTime`; call in commit order. */
  add(key: string, blockTime: number): void {
    this.#used.delete(key);
    this.#used.set(key, blockTime);
  }

  /** Forgets uses that no transaction valid at `now` or later can collide with. */
  prune(now: number): void {
    for (const [k, t] of this.#used) {
      if (t >= now - NONCE_WINDOW_MS) break;
      this.#used.delete(k);
    }
  }

  get size(): number {
    return this.#used.size;
  }
}
