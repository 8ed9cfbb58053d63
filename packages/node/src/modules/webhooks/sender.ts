/**
 * The sender: posts queued deliveries, signed, and moves each on (delivered; pending again after a backoff; failed
 * after WebhookTimings.attemptsMax attempts). It runs beside the node and never inside a commit. Each attempt has a
 * timeout; at most `perTargetConcurrency` attempts per target origin and `totalConcurrency` in all are in flight, so a
 * slow or failing receiver holds its own slots and nobody else's. Redirects are never followed (a 3xx is a failed
 * attempt). docs/spec/webhooks.md#delivery
 */
import { CLOUDEVENTS_CONTENT_TYPE, webhookRetryDelayMs, webhookSignedContent, type Signer, type WebhookAttempt } from '@machi/core';
import type { QueuedDelivery, Subscription, WebhookStore } from './store.js';

export interface WebhookTimings {
  /** one attempt's limit, from the request to the response's status line, ms */
  attemptTimeoutMs: number;
  /** the wait after the first failed attempt, ms (doubling after each further one) */
  retryBaseMs: number;
  /** the longest wait between two attempts, ms */
  retryCapMs: number;
  /** attempts before a delivery is marked failed */
  attemptsMax: number;
  /** how often the queue is looked at when nothing wakes it, ms */
  pollMs: number;
  /** attempts in flight to one target origin at most */
  perTargetConcurrency: number;
  /** attempts in flight at most */
  totalConcurrency: number;
}

/**
 * Production timings: 10 attempts; the waits between them 30 s, 1 min, 2, 4, 8, 16, 32 min, then 1 h twice (about
 * 3 h in all), each drawn between half and all of that (docs/spec/webhooks.md#retries).
 */
export const WEBHOOK_TIMINGS: WebhookTimings = {
  attemptTimeoutMs: 5_000,
  retryBaseMs: 30_000,
  retryCapMs: 60 * 60 * 1000,
  attemptsMax: 10,
  pollMs: 1_000,
  perTargetConcurrency: 2,
  totalConcurrency: 16,
};
/** Characters of an attempt's error kept in the log. */
export const WEBHOOK_ERROR_CHARS_MAX = 200;
export const WEBHOOK_USER_AGENT = 'machi-webhooks/1';

export interface SenderOptions {
  store: WebhookStore;
  /** the node organisation's consortium key: signs every delivery */
  signer: Signer;
  timings: WebhookTimings;
  now: () => number;
  /** in [0, 1): the retry jitter */
  random: () => number;
  log: (line: string) => void;
}

/** The Standard Webhooks headers of one attempt (asymmetric form: `v1a,` and a base64 Ed25519 signature). */
export function signedHeaders(signer: Signer, id: string, timestampS: number, body: string): Record<string, string> {
  const sig = Buffer.from(signer.sign(Buffer.from(webhookSignedContent(id, timestampS, body), 'utf8')), 'base64url').toString('base64');
  return {
    'content-type': CLOUDEVENTS_CONTENT_TYPE,
    'user-agent': WEBHOOK_USER_AGENT,
    'webhook-id': id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': `v1a,${sig}`,
  };
}

const originOf = (url: string): string => new URL(url).origin;

export class WebhookSender {
  readonly #o: SenderOptions;
  /** deliveries being attempted, and per target origin how many */
  readonly #active = new Map<string, { origin: string; abort: AbortController }>();
  readonly #perOrigin = new Map<string, number>();
  readonly #running = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #wake: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(o: SenderOptions) {
    this.#o = o;
  }

  start(): void {
    this.#timer = setInterval(() => this.tick(), this.#o.timings.pollMs);
    this.#timer.unref();
    this.kick();
  }

  /** Looks at the queue soon (after new deliveries, or when an attempt ends). */
  kick(): void {
    if (this.#closed || this.#wake !== undefined) return;
    this.#wake = setImmediate(() => {
      this.#wake = undefined;
      this.tick();
    });
  }

  /** Starts attempts for due deliveries while slots are free. */
  tick(): void {
    if (this.#closed) return;
    const { timings, store } = this.#o;
    const free = timings.totalConcurrency - this.#active.size;
    if (free <= 0) return;
    // a subscription whose target is at its limit is skipped in the query itself, so it cannot fill every page
    const subs = new Map(store.allSubscriptions().map((s) => [s.id, s]));
    const saturated = [...subs.values()].filter((s) => (this.#perOrigin.get(originOf(s.url)) ?? 0) >= timings.perTargetConcurrency).map((s) => s.id);
    let started = 0;
    for (const d of store.due(this.#o.now(), free + this.#active.size + timings.totalConcurrency, [...this.#active.keys()], saturated)) {
      if (started >= free) break;
      const sub = subs.get(d.subscription);
      if (sub === undefined) continue;
      const origin = originOf(sub.url);
      if ((this.#perOrigin.get(origin) ?? 0) >= timings.perTargetConcurrency) continue;
      started++;
      this.#begin(d, sub, origin);
    }
  }

  #begin(d: QueuedDelivery, sub: Subscription, origin: string): void {
    const abort = new AbortController();
    this.#active.set(d.id, { origin, abort });
    this.#perOrigin.set(origin, (this.#perOrigin.get(origin) ?? 0) + 1);
    const p = this.#attempt(d, sub, abort)
      .catch((e: unknown) => this.#o.log(`webhooks: delivery ${d.id}: ${(e as Error).message}`))
      .finally(() => {
        this.#active.delete(d.id);
        const n = (this.#perOrigin.get(origin) ?? 1) - 1;
        if (n === 0) this.#perOrigin.delete(origin);
        else this.#perOrigin.set(origin, n);
        this.#running.delete(p);
        this.kick();
      });
    this.#running.add(p);
  }

  async #attempt(d: QueuedDelivery, sub: Subscription, abort: AbortController): Promise<void> {
    const { timings, store, now } = this.#o;
    const n = d.attempts + 1;
    const at = now();
    const headers = signedHeaders(this.#o.signer, d.id, Math.floor(at / 1000), d.body);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timings.attemptTimeoutMs);
    let result: Pick<WebhookAttempt, 'status' | 'error'>;
    try {
      const res = await fetch(sub.url, { method: 'POST', headers, body: d.body, redirect: 'manual', signal: abort.signal });
      result = { status: res.status };
      await res.body?.cancel().catch(() => {});
    } catch (e) {
      result = { error: timedOut ? `timeout after ${timings.attemptTimeoutMs} ms` : errorText(e) };
    } finally {
      clearTimeout(timer);
    }
    if (this.#closed) return; // stopped mid-attempt: the delivery stays pending and is attempted again on the next start
    const attempt: WebhookAttempt = { at, durationMs: Math.max(0, now() - at), ...result };
    const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
    if (ok) store.recordAttempt(d.id, n, attempt, { state: 'delivered' });
    else if (n >= timings.attemptsMax) store.recordAttempt(d.id, n, attempt, { state: 'failed' });
    else store.recordAttempt(d.id, n, attempt, { state: 'pending', nextAt: now() + webhookRetryDelayMs(n, timings.retryBaseMs, timings.retryCapMs, this.#o.random()) });
  }

  /** Stops: no new attempts; those in flight are aborted (and stay pending for the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#wake !== undefined) clearImmediate(this.#wake);
    for (const a of this.#active.values()) a.abort.abort();
    await Promise.allSettled([...this.#running]);
  }
}

/** A connection error as one short line: its code (ECONNREFUSED, …) and message, without anything the peer sent. */
function errorText(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : (e as Error).message;
  return (code === undefined ? message : `${code}: ${message}`).replace(/[\r\n]+/g, ' ').slice(0, WEBHOOK_ERROR_CHARS_MAX);
}
