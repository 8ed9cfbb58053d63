/**
 * A validator restored from a backup must not double-sign (docs/spec/storage.md#backup-and-restore): its double-sign
 * guard (consensus/guard.ts) is the backup's, so it does not know what its original signed after the backup — and the
 * original may still be running. Like CometBFT's `double_sign_check_height`, a restored node (`machi restore` leaves
 * DIR/restored.json) starts without a vote, syncs to the head its peers report, then searches the newest
 * `DOUBLE_SIGN_CHECK_HEIGHTS` commits for its organisation's signatures above what the backup had signed:
 *
 * - none: it votes, but only at heights above the head it saw (never at a height its original may have decided);
 *   once its head passes that height the marker is removed and the node is like any other;
 * - found (the original still runs, or ran until recently): it refuses to vote and says so; it keeps following the
 *   chain. Stop the original and restart with `--ignore-double-sign-check`, or restart once the original has been
 *   stopped for more than that many heights.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsensusDriver } from '../consensus/driver.js';
import { GUARD_META_KEY, type GuardRecord } from '../consensus/guard.js';
import type { MachiNode } from './node.js';

/** Left by `machi restore`; removed once the restored node votes above the head it saw at start-up. */
export const RESTORED_FILE = 'restored.json';
/** How many of the newest commits a restored node searches for its own signatures before it votes. */
export const DOUBLE_SIGN_CHECK_HEIGHTS = 10;
/** How often a restored node looks whether it has caught up with its peers. */
export const RESTORE_CHECK_INTERVAL_MS = 1000;

export interface RestoreMarker {
  /** when the backup was restored (ISO) */
  restored: string;
  /** the ledger height in the backup */
  backupHeight: number;
  /** the highest height the backup's guard or ledger shows signed: set on the first start after the restore */
  signedUpTo?: number;
  /** set once the check passed: the node votes from this height on */
  voteFrom?: number;
}

export function restoreMarker(dir: string): RestoreMarker | undefined {
  const path = join(dir, RESTORED_FILE);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as RestoreMarker;
}

export function writeRestoreMarker(dir: string, m: RestoreMarker): void {
  const path = join(dir, RESTORED_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(m, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The heights of the newest `heights` commits above `signedUpTo` that `keys` signed, newest first. */
export function ownSignaturesAbove(node: Pick<MachiNode, 'store' | 'head'>, keys: readonly string[], signedUpTo: number, heights: number): number[] {
  const found: number[] = [];
  for (let h = node.head.height; h > Math.max(signedUpTo, node.head.height - heights); h--) {
    const b = node.store.getBlock(h);
    if (b === undefined) break;
    if (b.commit.signatures.some((s) => keys.includes(s.validator))) found.push(h);
  }
  return found;
}

export interface RestoreCheckOptions {
  dir: string;
  marker: RestoreMarker;
  node: MachiNode;
  consensus: Pick<ConsensusDriver, 'peerHeights' | 'votingAllowed'>;
  /** the organisation's public keys: in force, pending and retired (keys.ts) */
  ownKeys: () => readonly string[];
  log: (line: string) => void;
  /** default DOUBLE_SIGN_CHECK_HEIGHTS */
  heights?: number;
  /** vote even if own signatures are found (the operator has stopped the original) */
  ignore: boolean;
  /** a node without peers (a one-validator chain): there is nobody to sync from, and its own ledger is the chain */
  alone?: boolean;
}

/**
 * Whether the node may vote, as `/v1/health`, `/v1/consensus` and `/metrics` show it: `allowed` (any node; a restored
 * one whose check passed), `checking` (a restored node before its check: syncing, or waiting for a peer), `refused`
 * (its organisation's key signed after the backup: it votes nothing until restarted).
 */
export type VotingState = 'checking' | 'refused' | 'allowed';
export const VOTING_STATES: readonly VotingState[] = ['checking', 'refused', 'allowed'];

/** A restored node's double-sign check, for operators (docs/spec/storage.md#backup-and-restore). */
export interface DoubleSignCheckView {
  state: VotingState;
  /** why, in a sentence */
  reason: string;
  /** the ledger height in the backup */
  backupHeight: number;
  /** the highest height the backup had signed: signatures above it are searched for */
  signedUpTo: number;
  /** commits searched (`--double-sign-check-heights`) */
  heights: number;
  /** heights above `signedUpTo` whose commits carry the organisation's signature, newest first (at most the newest 10) */
  foundHeights: number[];
  /** set once the check passed: the node votes from this height on */
  voteFrom?: number;
  /** `--ignore-double-sign-check` was given */
  ignored: boolean;
}

/** What the API and the metrics show of a node's voting: a node not restored from a backup, or one whose check is done. */
export interface VotingView {
  voting: VotingState;
  doubleSignCheck?: DoubleSignCheckView;
}

/** Found heights shown at most (logs, API). */
const FOUND_SHOWN_MAX = 10;

export class RestoreCheck {
  readonly #o: RestoreCheckOptions;
  readonly #marker: RestoreMarker;
  #state: 'checking' | 'refused' | 'passed';
  #reason: string;
  #found: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #waitingLogged = false;

  constructor(o: RestoreCheckOptions) {
    this.#o = o;
    this.#marker = { ...o.marker };
    if (this.#marker.signedUpTo === undefined) {
      // before anything syncs: what the backup knew it had signed (its ledger, its guard's height)
      const raw = o.node.store.getMeta(GUARD_META_KEY);
      const guarded = raw === undefined ? 0 : (JSON.parse(raw) as GuardRecord).height;
      this.#marker.signedUpTo = Math.max(o.node.store.height(), guarded);
      writeRestoreMarker(o.dir, this.#marker);
    }
    this.#state = this.#marker.voteFrom === undefined ? 'checking' : 'passed';
    this.#reason = this.#state === 'checking'
      ? `restored from a backup: no vote until synced with the peers and the newest ${this.#heights} commits are searched for this organisation's signatures above height ${this.#marker.signedUpTo}`
      : `restored from a backup; the double-sign check passed before a restart: votes from height ${this.#marker.voteFrom}`;
  }

  get state(): 'checking' | 'refused' | 'passed' {
    return this.#state;
  }

  /** The check as operators see it (health, consensus status, metrics). */
  get view(): DoubleSignCheckView {
    return {
      state: this.#state === 'passed' ? 'allowed' : this.#state,
      reason: this.#reason,
      backupHeight: this.#marker.backupHeight,
      signedUpTo: this.#marker.signedUpTo!,
      heights: this.#heights,
      foundHeights: this.#found.slice(0, FOUND_SHOWN_MAX),
      ...(this.#marker.voteFrom === undefined ? {} : { voteFrom: this.#marker.voteFrom }),
      ignored: this.#o.ignore,
    };
  }

  mayVote(height: number): boolean {
    return this.#state === 'passed' && height >= this.#marker.voteFrom!;
  }

  start(): void {
    this.#o.log(this.#state === 'checking'
      ? `restored from a backup (ledger at height ${this.#marker.backupHeight}): no vote until synced with the peers and the newest ${this.#heights} commits show no signature of this organisation above height ${this.#marker.signedUpTo}`
      : `restored from a backup: votes from height ${this.#marker.voteFrom}`);
    this.#timer = setInterval(() => this.poll(), RESTORE_CHECK_INTERVAL_MS);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  get #heights(): number {
    return this.#o.heights ?? DOUBLE_SIGN_CHECK_HEIGHTS;
  }

  /** One look: caught up? then the check; once voting above the start-up head, the marker goes. */
  poll(): void {
    const { node, log } = this.#o;
    if (this.#state === 'passed') {
      if (node.head.height >= this.#marker.voteFrom!) {
        rmSync(join(this.#o.dir, RESTORED_FILE), { force: true });
        log(`restored node: past height ${this.#marker.voteFrom}, it runs as any node from now on`);
        this.close();
      }
      return;
    }
    if (this.#state === 'refused') return;
    const peers = this.#o.alone === true ? [node.head.height] : [...this.#o.consensus.peerHeights.values()];
    if (peers.length === 0) {
      this.#reason = 'restored from a backup: waiting for a peer to report its height before the double-sign check';
      if (!this.#waitingLogged) log('restored node: waiting for a peer to report its height before the double-sign check');
      this.#waitingLogged = true;
      return;
    }
    const head = node.head.height;
    const top = Math.max(...peers);
    if (head < top) {
      this.#reason = `restored from a backup: syncing (height ${head} of ${top}) before the double-sign check`;
      return;
    }
    const found = ownSignaturesAbove(node, this.#o.ownKeys(), this.#marker.signedUpTo!, this.#heights);
    this.#found = found;
    const blocks = `block${found.length > 1 ? 's' : ''} ${found.slice(0, 5).join(', ')}`;
    if (found.length > 0 && !this.#o.ignore) {
      this.#state = 'refused';
      this.#reason = `${node.self.id}'s key signed ${blocks} after this backup (height ${this.#marker.signedUpTo}): its original node may still be running; this node follows the chain and votes nothing until it is restarted (stop the original, then restart with --ignore-double-sign-check)`;
      log(`DOUBLE-SIGN CHECK FAILED: ${node.self.id}'s key signed ${blocks} after this backup (height ${this.#marker.signedUpTo}): its original node may still be running. This node follows the chain and votes nothing. Stop the original, then restart this node with --ignore-double-sign-check.`);
      return;
    }
    if (found.length > 0) log(`double-sign check: ${node.self.id}'s key signed ${blocks} after this backup; voting anyway (--ignore-double-sign-check)`);
    this.#state = 'passed';
    this.#marker.voteFrom = head + 1;
    writeRestoreMarker(this.#o.dir, this.#marker);
    this.#reason = found.length > 0
      ? `double-sign check at height ${head}: ${node.self.id}'s key signed ${blocks} after this backup, voting anyway (--ignore-double-sign-check); votes from height ${head + 1}`
      : `double-sign check passed at height ${head}: no signature of ${node.self.id} above height ${this.#marker.signedUpTo}; votes from height ${head + 1}`;
    log(`double-sign check passed at height ${head}: votes from height ${head + 1}`);
    this.#o.consensus.votingAllowed();
  }
}

/** The voting view of a node: `allowed` unless a restored node's check holds it back. */
export function votingView(check: Pick<RestoreCheck, 'view'> | undefined): VotingView {
  if (check === undefined) return { voting: 'allowed' };
  const view = check.view;
  return { voting: view.state, doubleSignCheck: view };
}
