/**
 * Per-device token buckets: a device may send DEVICES_RATE_PER_S readings a second on average, in bursts of up to
 * DEVICES_BURST; what is over is dropped and counted in its health. One device flooding (1000 msg/s) spends only its
 * own tokens: the others are unaffected.
 */

/** Sustained readings a second per device. */
export const DEVICES_RATE_PER_S = 20;
/** Readings a device may send at once after being quiet. */
export const DEVICES_BURST = 40;
/** Buckets kept at most (one per device seen; the oldest forgotten beyond it). */
export const DEVICES_BUCKETS_MAX = 100_000;

export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly ratePerS = DEVICES_RATE_PER_S, private readonly burst = DEVICES_BURST) {}

  /** Takes one token of `key`'s bucket at `now` (ms); false if it is empty. */
  take(key: string, now: number): boolean {
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= DEVICES_BUCKETS_MAX) this.#buckets.delete(this.#buckets.keys().next().value!);
      b = { tokens: this.burst, at: now };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerS);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
