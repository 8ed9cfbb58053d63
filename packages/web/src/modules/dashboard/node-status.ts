/**
 * This node's health as the network view shows it (GET /v1/health): whether it votes — a node restored from a backup
 * holds its vote until its double-sign check passes, and refuses to vote when its organisation's key signed after the
 * backup (`status: degraded`; docs/spec/storage.md#backup-and-restore) — and how far back its blocks reach (a node
 * joined from a snapshot fetches the older ones in the background; docs/spec/membership.md#history).
 *
 * The normal state is one quiet line; anything an operator should know is a notice (a banner), most serious first,
 * in the user's language, built here from the check's numbers. Where the node's own sentence (`doubleSignCheck.reason`,
 * English) says more — what a node holding its vote is doing right now: syncing, waiting for a peer — it is kept as
 * the notice's detail.
 */

export type VotingState = 'checking' | 'refused' | 'allowed';

/** `doubleSignCheck` of /v1/health (node/restore-check.ts DoubleSignCheckView). */
export interface DoubleSignCheck {
  state: VotingState;
  reason: string;
  backupHeight: number;
  signedUpTo: number;
  heights: number;
  foundHeights: number[];
  voteFrom?: number;
  ignored: boolean;
}

/** What the network view reads of GET /v1/health. */
export interface NodeHealth {
  status: 'ok' | 'degraded';
  org: string;
  height: number;
  history?: { complete: boolean; lowestHeight: number; snapshotHeight?: number };
  /** absent on a node older than the voting view: it votes */
  voting?: VotingState;
  doubleSignCheck?: DoubleSignCheck;
}

/** How a notice is shown: alert (red: the node needs its operator), warning (yellow), info (blue: clears by itself). */
export type Tone = 'alert' | 'warning' | 'info';

export interface Notice {
  id: 'refused' | 'degraded' | 'checking' | 'ignored' | 'history';
  tone: Tone;
  /** message keys (the dashboard module's) and their values; `org` is an organisation id (shown by its name); a body
   * marks a command-line flag `<cmd>…</cmd>` */
  title: string;
  body: string;
  params: Record<string, string | number>;
  /** the node's own words (English), shown under the body */
  detail?: string;
}

export interface NodeStatusView {
  status: 'ok' | 'degraded';
  voting: VotingState;
  /** the quiet line's parts: message keys and their values */
  line: { key: string; params: Record<string, string | number> }[];
  notices: Notice[];
}

/** How long the network view waits between two reads of /v1/health besides each new block: the voting state and the
 * history fetch move without one (a stalled chain, a node waiting for a peer). */
export const NODE_STATUS_POLL_MS = 10_000;

const TONE_ORDER: Record<Tone, number> = { alert: 0, warning: 1, info: 2 };

export function nodeStatusView(h: NodeHealth): NodeStatusView {
  const check = h.doubleSignCheck;
  const voting: VotingState = h.voting ?? check?.state ?? 'allowed';
  const found = (check?.foundHeights ?? []).join(', ');
  const notices: Notice[] = [];
  const line: NodeStatusView['line'] = [{ key: `dashboard.node.voting.${voting}`, params: {} }];

  if (voting === 'refused') {
    notices.push({
      id: 'refused', tone: 'alert', title: 'dashboard.node.refused.title', body: 'dashboard.node.refused.body',
      params: { org: h.org, found: found === '' ? '—' : found, signedUpTo: check?.signedUpTo ?? 0 },
    });
  } else if (h.status === 'degraded') {
    // degraded for a reason this page does not know yet: say so, with the node's words if any
    notices.push({ id: 'degraded', tone: 'alert', title: 'dashboard.node.degraded.title', body: 'dashboard.node.degraded.body', params: {}, ...(check === undefined ? {} : { detail: check.reason }) });
  }
  if (voting === 'checking' && check !== undefined) {
    notices.push({
      id: 'checking', tone: 'warning', title: 'dashboard.node.checking.title', body: 'dashboard.node.checking.body',
      params: { backupHeight: check.backupHeight, searched: check.heights, signedUpTo: check.signedUpTo }, detail: check.reason,
    });
  }
  if (voting === 'allowed' && check !== undefined) {
    if (check.ignored && check.foundHeights.length > 0) {
      notices.push({
        id: 'ignored', tone: 'warning', title: 'dashboard.node.ignored.title', body: 'dashboard.node.ignored.body',
        params: { found, signedUpTo: check.signedUpTo },
      });
    } else if (check.voteFrom !== undefined) {
      line.push({ key: 'dashboard.node.restored', params: { voteFrom: check.voteFrom } });
    }
  }

  const hist = h.history;
  if (hist !== undefined && !hist.complete) {
    const snapshot = hist.snapshotHeight ?? hist.lowestHeight - 1;
    notices.push({
      id: 'history', tone: 'info', title: 'dashboard.node.history.title', body: 'dashboard.node.history.body',
      params: { snapshotHeight: snapshot, lowestHeight: hist.lowestHeight, height: h.height },
    });
  } else if (hist !== undefined) {
    line.push({ key: 'dashboard.node.history.complete', params: {} });
  }

  notices.sort((a, b) => TONE_ORDER[a.tone] - TONE_ORDER[b.tone]);
  return { status: h.status === 'degraded' || voting === 'refused' ? 'degraded' : 'ok', voting, line, notices };
}

/** The share of the chain's blocks this node holds, 0–100 (for a node still fetching its history). */
export function historyShare(h: NodeHealth): number {
  if (h.history === undefined || h.history.complete || h.height <= 0) return 100;
  return Math.round((100 * Math.max(0, h.height - h.history.lowestHeight + 1)) / h.height);
}
