/**
 * Keeps one outbound link to one configured address: dial, and after every loss redial with capped, jittered
 * exponential backoff. While the key last seen at this address is connected (by either side's dial), it idles
 * rather than open a duplicate that the pairing rule would drop; the network wakes it when that peer goes down.
 */
import type { Link, LinkOwner } from './link.js';
import { RECONNECT_BACKOFF_MS_MAX, RECONNECT_BACKOFF_MS_MIN, RECONNECT_BACKOFF_RESET_MS } from './limits.js';

export interface DialerHost {
  connect(address: string, owner: LinkOwner): Link;
  isConnected(peerKey: string): boolean;
  log(line: string): void;
}

/** A peer that stays unreachable is logged on its first failure, then once every this many (≈ 1 min at the cap). */
export const DIAL_FAILURES_LOGGED_EVERY = 12;

/** Delay before reconnect attempt `attempt` (0-based): min(max, min·2^attempt), jittered uniformly down to half. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const capMs = Math.min(RECONNECT_BACKOFF_MS_MAX, RECONNECT_BACKOFF_MS_MIN * 2 ** Math.min(attempt, 30));
  return capMs / 2 + (random() * capMs) / 2;
}

/** "host:port", "[v6]:port" → parts; undefined if malformed. */
export function parseAddress(address: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(address);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}

export function wsUrl(address: string): string {
  const a = parseAddress(address);
  if (a === undefined) throw new TypeError(`p2p: bad peer address ${JSON.stringify(address)} (want host:port)`);
  return `ws://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}/`;
}

export class Dialer implements LinkOwner {
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private link: Link | undefined;
  private stopped = false;
  private idle = false;
  /** dials in a row that did not even open a socket */
  private failures = 0;
  /** The authenticated key last reached at this address. */
  private peerKey: string | undefined;

  constructor(readonly address: string, private readonly host: DialerHost) {}

  start(): void {
    this.dial();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The link to this address authenticated as `peerKey`. */
  learned(peerKey: string): void {
    this.peerKey = peerKey;
  }

  /** `peerKey` lost its link: if we idle for it, dial again soon (jittered, so both sides do not always collide). */
  wake(peerKey: string): void {
    if (!this.idle || this.stopped || peerKey !== this.peerKey) return;
    this.idle = false;
    this.schedule(Math.random() * RECONNECT_BACKOFF_MS_MIN);
  }

  /** `reason` is the link's close reason, already made log-safe by the link (logSafe). */
  dialFailed(reason: string): void {
    if (this.failures++ % DIAL_FAILURES_LOGGED_EVERY !== 0) return;
    const streak = this.failures > 1 ? ` (${this.failures} failures in a row)` : '';
    this.host.log(`p2p: → ${this.address} unreachable: ${reason}${streak}; retrying`);
  }

  linkClosed(link: Link): void {
    if (link !== this.link) return;
    this.link = undefined;
    if (link.openedAtMs !== undefined) this.failures = 0;
    if (this.stopped) return;
    if (link.openedAtMs !== undefined && Date.now() - link.openedAtMs >= RECONNECT_BACKOFF_RESET_MS) this.attempt = 0;
    this.schedule(backoffMs(this.attempt++));
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.dial(), delayMs);
  }

  private dial(): void {
    this.timer = undefined;
    if (this.stopped || this.link !== undefined) return;
    if (this.peerKey !== undefined && this.host.isConnected(this.peerKey)) {
      this.idle = true;
      return;
    }
    this.idle = false;
    this.link = this.host.connect(this.address, this);
  }
}
