/**
 * Webhooks: limits, the subscription rule (which committed transactions a subscription receives), the CloudEvents 1.0
 * envelope of a transaction and the Standard Webhooks signed content. Pure: no clock, no I/O (the node delivers).
 * docs/spec/webhooks.md
 */

/** Subscriptions one organisation may have on a node. */
export const WEBHOOK_SUBSCRIPTIONS_PER_ORG_MAX = 20;
/** Type prefixes in one subscription. */
export const WEBHOOK_TYPES_PER_SUBSCRIPTION_MAX = 16;
/** Characters of a target URL. */
export const WEBHOOK_URL_CHARS_MAX = 2048;
/** Characters of a subscription's description. */
export const WEBHOOK_DESCRIPTION_CHARS_MAX = 200;
/** Deliveries on one page of a subscription's log. */
export const WEBHOOK_DELIVERIES_PAGE_MAX = 100;

/** A subscription id: `wh_` and 32 hex. */
export const WEBHOOK_ID_PATTERN = '^wh_[0-9a-f]{32}$';
/** A delivery id (the `webhook-id` header): `whd_` and 32 hex. */
export const WEBHOOK_DELIVERY_ID_PATTERN = '^whd_[0-9a-f]{32}$';
/**
 * A type prefix: a transaction type or its beginning (`event.`, `event.dispatch`, `repair.`). A transaction matches
 * when its type starts with the prefix, so `event.dispatch` also matches a later `event.dispatch_more`.
 */
export const WEBHOOK_TYPE_PREFIX_PATTERN = '^[a-z][a-z0-9]*(\\.[a-z0-9_]*)*$';

/** CloudEvents `type` of a transaction of type `t`. */
export const cloudEventType = (txType: string): string => `org.machi.${txType}`;
/** CloudEvents `type` of a test ping. */
export const WEBHOOK_PING_TYPE = 'org.machi.webhook.ping';
/** The only content type a delivery has (CloudEvents structured mode, JSON). */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/**
 * Payload fields that name the record a transaction is about, in order of preference: the first present (a string)
 * is the CloudEvents `subject` (an event's id, a repair request's, a grid's, a subject's, a notarised hash, …).
 */
export const WEBHOOK_SUBJECT_FIELDS = ['event', 'request', 'grid', 'subject', 'session', 'credential', 'hash', 'id'] as const;

/** How deep `concernsOrg` looks into a payload (payloads are bounded by the transaction size anyway). */
const CONCERNS_DEPTH_MAX = 8;

/** Whether a transaction of `type` matches one of `prefixes`. */
export const matchesTypes = (prefixes: readonly string[], type: string): boolean => prefixes.some((p) => type.startsWith(p));

/**
 * Whether a transaction concerns organisation `org`: it signed it, or the payload names it — some string value in it,
 * at any depth, equals the organisation's id (`departments: ["police"]`, `org: "police"`, `to: "police"`). That is
 * the rule of `ownOnly` subscriptions: simple, for every transaction type, and it errs on the side of sending (a
 * free-text field that happens to equal an id also counts).
 */
export function concernsOrg(org: string, signerOrg: string, payload: unknown): boolean {
  if (signerOrg === org) return true;
  const names = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string') return v === org;
    if (depth >= CONCERNS_DEPTH_MAX || typeof v !== 'object' || v === null) return false;
    return (Array.isArray(v) ? v : Object.values(v)).some((x) => names(x, depth + 1));
  };
  return names(payload, 0);
}

/** The record a transaction is about (the CloudEvents `subject`), if its payload names one. */
export function subjectOfPayload(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  for (const f of WEBHOOK_SUBJECT_FIELDS) if (typeof p[f] === 'string') return p[f];
  return undefined;
}

/** What a committed transaction's CloudEvent carries in `data`: all of it public on the ledger. */
export interface WebhookTxData {
  height: number;
  txHash: string;
  /** the transaction type (without the `org.machi.` of the CloudEvents type) */
  type: string;
  /** the genesis id of the organisation that signed it */
  signerOrg: string;
  payload: unknown;
  /** the proof bundle (GET /v1/txs/{hash}/proof on the sending node): verifiable offline with the genesis */
  proof: string;
}

/** A CloudEvents 1.0 event in structured JSON mode, as delivered. */
export interface CloudEvent<D = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  data: D;
}

/** CloudEvents `source` of the events a node sends: the chain and the sending organisation. */
export const webhookSource = (chainId: string, org: string): string => `/machi/${chainId}/${org}`;

/** The CloudEvent of a committed transaction (`blockTimeMs`: its block's time). */
export function cloudEventOfTx(o: { chainId: string; org: string; blockTimeMs: number; data: WebhookTxData }): CloudEvent<WebhookTxData> {
  const subject = subjectOfPayload(o.data.payload);
  return {
    specversion: '1.0',
    id: o.data.txHash,
    source: webhookSource(o.chainId, o.org),
    type: cloudEventType(o.data.type),
    time: new Date(o.blockTimeMs).toISOString(),
    ...(subject === undefined ? {} : { subject }),
    datacontenttype: 'application/json',
    data: o.data,
  };
}

/**
 * What the signature covers (Standard Webhooks): `${webhook-id}.${webhook-timestamp}.${body}`, the timestamp in whole
 * seconds since the epoch and the body byte for byte as sent. The content starts with `whd_`, so it can never be the
 * bytes a transaction (`machi.tx.v1\n…`), a vote, a proposal or a JWS (base64url, one dot, no `{`) signs with the same key.
 */
export const webhookSignedContent = (id: string, timestampS: number, body: string): string => `${id}.${timestampS}.${body}`;

/**
 * The wait before attempt `attempt + 1` after `attempt` failed ones (attempt ≥ 1): `baseMs · 2^(attempt−1)`, capped at
 * `capMs`, then "equal jitter": between half of it and all of it (`random` in [0, 1)), so receivers that come back are
 * not hit by every node at once.
 */
export function webhookRetryDelayMs(attempt: number, baseMs: number, capMs: number, random: number): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(exp / 2 + (exp / 2) * random);
}
