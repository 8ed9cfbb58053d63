/**
 * Failed sign-in limits: a sliding window per (org, user name) and per client address, in memory (a restart forgets;
 * the window is short). An attempt counts as failed from the moment it starts and is forgiven if it succeeds, so a
 * burst of parallel guesses cannot all slip past the check while the password hashes are being computed.
 */
export const LOGIN_FAILURES_PER_USER_MAX = 5;
export const LOGIN_FAILURES_PER_IP_MAX = 20;
export const LOGIN_WINDOW_MS = 10 * 60_000;
/** Most keys tracked per window; the least recently failed are dropped first. */
export const LOGIN_LIMITER_KEYS_MAX = 100_000;

/** Timestamps of events per key within a sliding window. */
export class SlidingWindow {
  readonly #hits = new Map<string, number[]>();

  constructor(readonly limit: number, readonly windowMs: number, readonly keysMax = LOGIN_LIMITER_KEYS_MAX) {}

  #live(key: string, nowMs: number): number[] {
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
    if (hits.length === 0) this.#hits.delete(key);
    return hits;
  }

  /** ms until `key` may try again; 0 if it may now. */
  waitMs(key: string, nowMs: number): number {
    const hits = this.#live(key, nowMs);
    return hits.length < this.limit ? 0 : hits[hits.length - this.limit]! + this.windowMs - nowMs;
  }

  record(key: string, nowMs: number): void {
    const hits = this.#live(key, nowMs);
    hits.push(nowMs);
    this.#hits.delete(key); // re-insert: Map order is then least recently failed first
    this.#hits.set(key, hits);
    if (this.#hits.size > this.keysMax) this.#hits.delete(this.#hits.keys().next().value!);
  }

  /** Takes back one event recorded at `atMs`. */
  forgive(key: string, atMs: number): void {
    const hits = this.#hits.get(key);
    const i = hits?.lastIndexOf(atMs) ?? -1;
    if (i >= 0) hits!.splice(i, 1);
    if (hits?.length === 0) this.#hits.delete(key);
  }

  get size(): number {
    return this.#hits.size;
  }
}

export class LoginLimiter {
  readonly #users = new SlidingWindow(LOGIN_FAILURES_PER_USER_MAX, LOGIN_WINDOW_MS);
  readonly #ips = new SlidingWindow(LOGIN_FAILURES_PER_IP_MAX, LOGIN_WINDOW_MS);

  /** 0 and the attempt is counted as failed until `succeeded`; or the ms to wait, and nothing is counted. */
  begin(org: string, username: string, ip: string, nowMs: number): number {
    const userKey = JSON.stringify([org, username]);
    const wait = Math.max(this.#users.waitMs(userKey, nowMs), this.#ips.waitMs(ip, nowMs));
    if (wait > 0) return wait;
    this.#users.record(userKey, nowMs);
    this.#ips.record(ip, nowMs);
    return 0;
  }

  /** The attempt begun at `startedMs` was right: it does not count against the user or the address. */
  succeeded(org: string, username: string, ip: string, startedMs: number): void {
    this.#users.forgive(JSON.stringify([org, username]), startedMs);
    this.#ips.forgive(ip, startedMs);
  }
}
