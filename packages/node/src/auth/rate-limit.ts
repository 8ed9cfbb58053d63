/**
 * Abuse limits of the API, in memory (a restart forgets; the windows are short).
 *
 * - Per client address: `@fastify/rate-limit` (fixed windows keyed by the client address, which is the socket's
 *   peer unless a trusted proxy is configured — `trustProxy` in buildServer, `machi start --trust-proxy`). Routes
 *   opt in with `config: { rateLimit: perAddressLimit(...) }`; transactions are counted one by one (`txRateLimit`).
 * - Per account: exponential backoff after consecutive failed sign-ins (`LoginBackoff`). The library's counters
 *   cannot express it: they do not reset on success, and its `exponentialBackoff` only grows the Retry-After it
 *   announces (its window still ends after `timeWindow`). Failures are keyed by (account, address), so a stranger
 *   failing someone's sign-in on purpose backs off only themself; a softer backoff per account (any address, short
 *   cap) slows guessing spread over many addresses without locking the real user out for long.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import { BATCH_TXS_MAX, MachiError, type ErrorCode } from '@machi/core';

/** Sign-in attempts (right or wrong) one client address may make per LOGIN_ADDRESS_WINDOW_MS. */
export const LOGIN_ATTEMPTS_PER_ADDRESS_MAX = 30;
export const LOGIN_ADDRESS_WINDOW_MS = 60_000;
/** Consecutive failures of one account from one address before it must wait. */
export const LOGIN_FAILURES_FREE = 3;
/** The first wait; each further consecutive failure doubles it, up to the cap. */
export const LOGIN_BACKOFF_MS_MIN = 1_000;
/** Longest wait of one (account, address). */
export const LOGIN_BACKOFF_MS_MAX = 5 * 60_000;
/** Consecutive failures of one account from any address before every address must wait (softer, shorter). */
export const LOGIN_ACCOUNT_FAILURES_FREE = 20;
/** Longest wait of an account as a whole: what a stranger can cost the real user at most per attempt. */
export const LOGIN_ACCOUNT_BACKOFF_MS_MAX = 30_000;
/** Failure records kept per kind; the least recently failed are dropped first. */
export const LOGIN_BACKOFF_KEYS_MAX = 100_000;

/** Transactions (not requests) one client address may submit per TX_RATE_WINDOW_MS, by default. */
export const TXS_PER_ADDRESS_PER_MINUTE_DEFAULT = 12_000;
export const TX_RATE_WINDOW_MS = 60_000;
/** Client addresses each per-address limit tracks at once (the library's LRU). */
export const RATE_LIMIT_ADDRESSES_MAX = 100_000;

export const retryAfterS = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** Route config for a per-address request limit answered with `code` (a 429 of the catalogue). */
export function perAddressLimit(max: number, windowMs: number, code: ErrorCode = 'RATE_LIMITED'): RateLimitOptions {
  return {
    max,
    timeWindow: windowMs,
    errorResponseBuilder: (_req, ctx) => new MachiError(code, `at most ${max} requests per ${windowMs / 1000} s from one address; retry in ${ctx.after}`),
  };
}

/**
 * Registers @fastify/rate-limit on the root instance (before any route: it reads each route's `config.rateLimit`).
 * Routes without that config are not limited here.
 */
export const rateLimits: FastifyPluginAsync = async (app) => {
  await app.register(rateLimit, { global: false, cache: RATE_LIMIT_ADDRESSES_MAX });
};
(rateLimits as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

/**
 * A preHandler counting the transactions of a submission (one for /v1/txs, each of a batch) against the client
 * address: at most `perMinute` per TX_RATE_WINDOW_MS. A submission that would go over is refused whole (429
 * RATE_LIMITED, Retry-After) and counts nothing. 0 turns the limit off.
 */
export function txRateLimit(app: FastifyInstance, perMinute: number): preHandlerAsyncHookHandler {
  if (perMinute === 0) return async () => {};
  const limit = app.createRateLimit({ max: perMinute, timeWindow: TX_RATE_WINDOW_MS });
  return async (req: FastifyRequest, reply) => {
    const body = req.body as { txs?: unknown } | undefined;
    const n = Array.isArray(body?.txs) ? body.txs.length : 1;
    if (n > BATCH_TXS_MAX) return; // the route refuses it (BATCH_TOO_LARGE) before any work
    const seen = await limit(req, { increment: false });
    if (seen.isAllowed) return; // an allow-listed key (none is configured)
    const { remaining, ttl } = seen;
    if (n > remaining) {
      reply.header('retry-after', String(retryAfterS(ttl)));
      throw new MachiError('RATE_LIMITED', `at most ${perMinute} transactions per minute from one address; ${remaining} left in this minute, this submission has ${n}`);
    }
    // The library counts one per call: n calls, each a map update in its in-memory store. Submissions racing
    // between the check and the count may overshoot by one submission; the next one is refused.
    for (let i = 0; i < n; i++) await limit(req);
  };
}

interface Failures {
  count: number;
  lastMs: number;
}

/** Consecutive failures per key, bounded (least recently failed dropped first). */
class FailureTable {
  readonly #m = new Map<string, Failures>();
  constructor(readonly free: number, readonly waitMsMax: number) {}

  /** ms until `key` may try again (0: now). */
  waitMs(key: string, nowMs: number): number {
    const f = this.#m.get(key);
    if (f === undefined || f.count < this.free) return 0;
    const wait = Math.min(LOGIN_BACKOFF_MS_MIN * 2 ** (f.count - this.free), this.waitMsMax);
    return Math.max(0, f.lastMs + wait - nowMs);
  }

  fail(key: string, nowMs: number): void {
    const f = this.#m.get(key) ?? { count: 0, lastMs: nowMs };
    f.count = Math.min(f.count + 1, this.free + 64); // 2^64 × the minimum is past any cap
    f.lastMs = nowMs;
    this.#m.delete(key); // re-insert: Map order is then least recently failed first
    this.#m.set(key, f);
    if (this.#m.size > LOGIN_BACKOFF_KEYS_MAX) this.#m.delete(this.#m.keys().next().value!);
  }

  reset(key: string): void {
    this.#m.delete(key);
  }

  get size(): number {
    return this.#m.size;
  }
}

/**
 * Per-account sign-in backoff. An attempt counts as failed from the moment it starts (so a burst of parallel guesses
 * cannot all slip past while the password hashes are computed) and a success wipes the account's failures.
 */
export class LoginBackoff {
  readonly #pairs = new FailureTable(LOGIN_FAILURES_FREE, LOGIN_BACKOFF_MS_MAX);
  readonly #accounts = new FailureTable(LOGIN_ACCOUNT_FAILURES_FREE, LOGIN_ACCOUNT_BACKOFF_MS_MAX);

  /** 0, and the attempt counts as failed until `succeeded`; or the ms to wait, and nothing is counted. */
  begin(org: string, username: string, address: string, nowMs: number): number {
    const account = JSON.stringify([org, username]);
    const pair = JSON.stringify([org, username, address]);
    const wait = Math.max(this.#pairs.waitMs(pair, nowMs), this.#accounts.waitMs(account, nowMs));
    if (wait > 0) return wait;
    this.#pairs.fail(pair, nowMs);
    this.#accounts.fail(account, nowMs);
    return 0;
  }

  /** The password was right: the account starts afresh, from this address and as a whole (other addresses' own failures stay). */
  succeeded(org: string, username: string, address: string): void {
    this.#pairs.reset(JSON.stringify([org, username, address]));
    this.#accounts.reset(JSON.stringify([org, username]));
  }

  /** Keys tracked (for tests of the bound). */
  get size(): number {
    return this.#pairs.size + this.#accounts.size;
  }
}
