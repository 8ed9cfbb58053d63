/**
 * The rate limit of the public presentation route (anyone may post there): a fixed-window counter per client address.
 */

/** Submissions of presentations one client address may post per minute (the route is public). */
export const PRESENTATIONS_PER_IP_PER_MINUTE = 30;
/** The rate limit's window. */
export const PRESENTATIONS_RATE_WINDOW_MS = 60_000;
/** Client addresses the rate limit tracks at once (beyond it, the oldest window is dropped). */
export const PRESENTATIONS_RATE_ADDRESSES_MAX = 10_000;

/** A fixed-window counter per client address. */
export class RateLimit {
  readonly #windows = new Map<string, { start: number; count: number }>();
  constructor(readonly max: number, readonly windowMs: number, readonly keysMax: number, readonly clock: () => number = Date.now) {}

  /** Counts one request from `key`; false when it is over the limit. */
  take(key: string): boolean {
    const now = this.clock();
    let w = this.#windows.get(key);
    if (w === undefined || now - w.start >= this.windowMs) {
      this.#windows.delete(key);
      if (this.#windows.size >= this.keysMax) this.#windows.delete(this.#windows.keys().next().value!);
      w = { start: now, count: 0 };
      this.#windows.set(key, w);
    }
    w.count++;
    return w.count <= this.max;
  }
}
