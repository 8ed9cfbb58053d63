/**
 * The consensus driver loop: runs the core's pure Tendermint state machine (`step`) for this node. It is the only
 * place where consensus meets the world, through injected parts: a clock and timers (clock.ts), a peer transport
 * (transport.ts), the node with its store. It signs what `step` asks to broadcast after the double-sign guard
 * (guard.ts) has written it, checks what peers send (checks.ts: each signature once), validates proposed blocks
 * through the node (one proposal per proposer and round: CONS-PROPOSAL-1) after finding their transactions' bodies
 * (compact proposals carry hashes; fetch.ts asks peers for missing ones), keeps them durably with the guard (kept.ts),
 * commits decided blocks, records evidence (evidence.ts), syncs when behind (sync.ts), gossips client transactions
 * (gossip.ts) and backs off peers that gossip invalid ones (peers.ts).
 * The simulator (../sim/) runs this same code over a simulated network, disk and clock. docs/spec/consensus.md
 */
import { logSafe } from '../log-safe.js';
import {
  BLOCKS_PER_HEIGHT_MAX,
  FUTURE_MESSAGES_MAX,
  HEIGHT_LOG_MAX,
  RESEND_AFTER_MS,
  STATUS_INTERVAL_MS,
  initConsensus,
  isMachiError,
  proposalSignBytes,
  restoreConsensus,
  step,
  verifySignature,
  voteSignBytes,
  type Commit,
  type ConsensusEvent,
  type ConsensusOutput,
  type ConsensusState,
  type Evidence,
  type SignedProposal,
  type Signer,
  type TimeoutParams,
  type UnsignedMessage,
  type Vote,
} from '@machi/core';
import type { MachiNode, PreparedBlock, WireBlock } from '../node/node.js';
import { checkBlockTxs, checkEvidence, checkGetTxs, checkProposal, checkStatus, checkTxs, checkVote, type CheckView, type Verdict } from './checks.js';
import { every, systemClock, type Clock, type Timer } from './clock.js';
import { evidenceRecords, hasEvidence, recordEvidence, type EvidenceRecord } from './evidence.js';
import { TxFetcher, type FetchCounts } from './fetch.js';
import type { KeptRecord } from './kept.js';
import { TxGossip } from './gossip.js';
import { DoubleSignGuard } from './guard.js';
import { PeerScores, invalidGossipCount } from './peers.js';
import { BlockSync } from './sync.js';
import { HistoryFetch } from './history-fetch.js';
import { ResultsRederive } from './history-results.js';
import type { CompactBlock, PeerTransport, WireMessage } from './transport.js';

// The driver's limits live with the core's (packages/core/src/limits.ts, "consensus driver"); re-exported for callers.
export {
  BLOCKS_PER_HEIGHT_MAX, EVIDENCE_MAX, FUTURE_MESSAGES_MAX, GOSSIP_FLUSH_MS, GOSSIP_TXS_MAX, HEIGHT_LOG_MAX, PEER_BACKOFF_MS,
  PEER_INVALID_TXS_MAX, PEER_INVALID_TXS_WINDOW_MS, RESEND_AFTER_MS, STATUS_INTERVAL_MS, SYNC_ANSWER_MS_MAX, SYNC_BLOCKS_MAX,
  SYNC_BYTES_MAX, SYNC_PEER_BACKOFF_MS, TX_FETCH_RESEND_MS, TX_FETCH_RETRY_MS, TX_FETCH_SERVES_PER_PEER_MAX,
} from '@machi/core';
export type { CompactBlock, PeerTransport, WireMessage } from './transport.js';
export type { FetchCounts } from './fetch.js';
export type { EvidenceRecord } from './evidence.js';
export { systemClock, type Clock, type Timer } from './clock.js';

export interface DriverOptions {
  node: MachiNode;
  signer: Signer;
  net: PeerTransport | null;
  timeouts?: Partial<TimeoutParams>;
  log?: (line: string) => void;
  /** default: the process clock */
  clock?: Clock;
  /** whether this node may vote at a height (default always): a restored node waits for its check (node/restore-check.ts) */
  mayVote?: (height: number) => boolean;
  /** Test-only bugs, for showing that the simulator catches them. Never set in production. */
  unsafe?: { forgetDoubleSignGuard?: boolean };
}

interface BlockEntry {
  prepared: PreparedBlock | null;
  /** the full block (bodies included) */
  wire: WireBlock;
}

/** What a proposal carries of its block: the header and the transactions' hashes. */
function compact(wire: WireBlock): CompactBlock {
  return { header: wire.header, hashes: wire.hashes ?? [] };
}

export class ConsensusDriver {
  readonly #node: MachiNode;
  readonly #signer: Signer;
  readonly #net: PeerTransport | null;
  readonly #clock: Clock;
  readonly #log: (line: string) => void;
  readonly #timeouts: Partial<TimeoutParams> | undefined;
  readonly #mayVote: (height: number) => boolean;
  readonly #guard: DoubleSignGuard;
  readonly #sync: BlockSync;
  readonly #history: HistoryFetch;
  readonly #results: ResultsRederive;
  readonly #gossip: TxGossip;
  readonly #fetcher: TxFetcher;
  /** proposals and blocks kept before a restart, restored on start (CONS-RESTART-1) */
  #keptOnLoad: KeptRecord | undefined;
  #state: ConsensusState;
  #started = false;
  #startPending = false;
  readonly #queue: ConsensusEvent[] = [];
  #draining = false;
  /** blocks at the current height we built or validated, by hash */
  #blocks = new Map<string, BlockEntry>();
  #restoredVotes: Vote[] = [];
  #future: { peer: string; message: WireMessage }[] = [];
  /** valid consensus messages of the current height (ours and relayed): sent to a peer that (re)connects */
  #heightLog: WireMessage[] = [];
  readonly #heightLogKeys = new Set<string>();
  #stopResend: (() => void) | undefined;
  #stopStatus: (() => void) | undefined;
  readonly #timers = new Set<Timer>();
  /** proposals being checked, by block hash: one check per block however often it arrives */
  readonly #checking = new Map<string, Promise<BlockEntry | undefined>>();
  /** blocks built, being checked or checked at this height: at most BLOCKS_PER_HEIGHT_MAX (CONS-PROPOSAL-1) */
  readonly #considered = new Set<string>();
  /** the first signed proposal seen for each round of this height: the only one checked (CONS-PROPOSAL-1) */
  readonly #firstProposals = new Map<number, SignedProposal>();
  /** peers' invalid gossip and back-offs (CONS-PEER-1) */
  readonly #peers: PeerScores;
  #closed = false;
  /** when the current height began here: a peer one height ahead for long means we missed its decision */
  #heightSince: number;

  constructor(opts: DriverOptions) {
    this.#node = opts.node;
    this.#signer = opts.signer;
    this.#net = opts.net;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.log ?? (() => {});
    this.#timeouts = opts.timeouts;
    this.#mayVote = opts.mayVote ?? (() => true);
    this.#heightSince = this.#clock.now();
    this.#guard = new DoubleSignGuard(this.#node.store, opts.unsafe?.forgetDoubleSignGuard === true);
    this.#sync = new BlockSync({
      node: this.#node,
      net: this.#net,
      clock: this.#clock,
      log: this.#log,
      misbehaved: (peer, why) => this.#misbehaved(peer, why),
      synced: (peer) => this.#synced(peer),
    });
    this.#history = new HistoryFetch({
      node: this.#node,
      net: this.#net,
      clock: this.#clock,
      log: this.#log,
      misbehaved: (peer, why) => this.#misbehaved(peer, why),
      peerHeights: this.#sync.peerHeights,
      syncing: () => this.#sync.busy,
    });
    this.#results = new ResultsRederive({ node: this.#node, clock: this.#clock, log: this.#log });
    this.#gossip = new TxGossip(this.#net, this.#clock);
    this.#fetcher = new TxFetcher(this.#node, this.#net, this.#clock);
    this.#peers = new PeerScores(this.#clock);
    this.#state = this.#freshState();
    const guard = this.#guard.load(this.#state.height);
    if (guard !== undefined) {
      this.#restoredVotes = guard.received ?? [];
      this.#state = restoreConsensus(this.#state, guard.messages);
      if ((guard.proposals ?? []).length > 0) this.#keptOnLoad = { blocks: guard.blocks ?? {}, proposals: guard.proposals ?? [] };
    }
  }

  /** Whether this node votes at the height being decided: the member set may change (docs/spec/consensus.md#membership). */
  get #isValidator(): boolean {
    return this.#node.validators.some((v) => v.publicKey === this.#signer.publicKey) && this.#mayVote(this.#node.head.height + 1);
  }

  /**
   * `mayVote` now allows the current height (a restored node's check passed): if nothing was signed at it yet, take
   * part from here — a fresh state fed the messages received so far (the others may need our vote to decide it).
   */
  votingAllowed(): void {
    if (this.#closed || this.#guard.signed.length > 0 || this.#state.height !== this.#node.head.height + 1 || !this.#isValidator) return;
    this.#state = this.#freshState();
    if (!this.#started) return this.#maybeStart();
    this.#started = false;
    this.#startHeight();
    for (const m of this.#heightLog) {
      if (m.t === 'vote') this.#enqueue({ type: 'vote', vote: m.vote });
      const entry = m.t === 'proposal' ? this.#blocks.get(m.proposal.blockHash) : undefined;
      if (m.t === 'proposal' && entry !== undefined) this.#enqueue({ type: 'proposal', proposal: m.proposal, valid: entry.prepared !== null });
    }
  }

  /** Missing-transaction fetches (for the simulator's and the bench's figures). */
  get fetchCounts(): FetchCounts {
    return this.#fetcher.counts;
  }

  get peerHeights(): Map<string, number> {
    return this.#sync.peerHeights;
  }

  /**
   * After a restart: the blocks kept at this height (ours and others' we had checked) are checked again and their
   * proposals fed to the state machine, our own sent to peers again (the same signature): a node locked on a block
   * needs no peer to re-send it. CONS-RESTART-1
   */
  async #restoreKept(kept: KeptRecord): Promise<void> {
    for (const [hash, wire] of Object.entries(kept.blocks)) {
      if (this.#blocks.has(hash)) continue;
      let prepared: PreparedBlock;
      try {
        prepared = await this.#node.checkBlock(wire);
      } catch (e) {
        this.#log(`cannot restore kept block ${hash.slice(0, 12)} after restart: ${logSafe((e as Error).message)}`);
        continue;
      }
      if (this.#state.height !== wire.header.height) return;
      this.#blocks.set(hash, { prepared, wire });
      this.#considered.add(hash);
      this.#fetcher.hold(wire.hashes ?? [], wire.txs);
      this.#node.adopt(prepared.txs);
      for (const { proposal, sig } of kept.proposals) {
        if (proposal.blockHash !== hash) continue;
        if (!this.#firstProposals.has(proposal.round)) this.#firstProposals.set(proposal.round, { ...proposal, sig });
        const msg: WireMessage = { t: 'proposal', proposal, sig, block: compact(wire) };
        this.#remember(msg);
        if (proposal.from === this.#signer.publicKey) this.#net?.broadcast(msg);
        this.#enqueue({ type: 'proposal', proposal, valid: true });
      }
    }
  }

  /** the member-set epoch the consensus state's validators are from */
  #stateEpoch = 0;

  #freshState(): ConsensusState {
    this.#stateEpoch = this.#node.epoch;
    return initConsensus({
      chainId: this.#node.genesis.chainId,
      validators: this.#node.validators,
      self: this.#isValidator ? this.#signer.publicKey : null,
      height: this.#node.head.height + 1,
      ...(this.#timeouts === undefined ? {} : { timeouts: this.#timeouts }),
    });
  }

  /** What the API shows of consensus. */
  status(): { height: number; round: number; step: string; started: boolean; peers: Record<string, number>; fetches: FetchCounts; txsChecked: number } {
    const peers: Record<string, number> = {};
    for (const [k, h] of this.peerHeights) peers[this.#node.orgs.get(k)?.id ?? k] = h;
    return {
      height: this.#state.height, round: this.#state.round, step: this.#state.step, started: this.#started, peers,
      fetches: { ...this.#fetcher.counts }, txsChecked: this.#node.txsChecked,
    };
  }

  start(): void {
    this.#node.on('mempool', () => this.#maybeStart());
    this.#node.on('admitted', (txs) => this.#gossip.queue(txs));
    if (this.#net !== null) {
      const net = this.#net;
      net.on('message', (peer, message) => this.#onPeerMessage(peer.publicKey, message));
      net.on('peer-up', (peer) => {
        if (this.#closed) return;
        // A peer backing off is dropped again as soon as it reconnects (its dialer backs off too); logged once, before.
        if (this.#peers.backingOff(peer.publicKey)) return net.disconnect(peer.publicKey, 'backing off');
        net.send(peer.publicKey, { t: 'status', height: this.#node.head.height });
        for (const m of this.#heightLog) net.send(peer.publicKey, m);
      });
      this.#stopStatus = every(this.#clock, STATUS_INTERVAL_MS, () => net.broadcast({ t: 'status', height: this.#node.head.height }));
    }
    // Resume a height we had signed in (our own votes count again: Ed25519 is deterministic, so re-signing the
    // same message gives the same signature — nothing new is signed), or one with work waiting. CONS-RESTART-1
    const kept = this.#keptOnLoad;
    this.#keptOnLoad = undefined;
    if (this.#guard.signed.length > 0 || kept !== undefined) {
      this.#startHeight();
      for (const m of this.#guard.signed) {
        if (m.type === 'proposal') continue; // sent again with its kept block (restoreKept)
        const vote: Vote = { ...m, sig: this.#signer.sign(voteSignBytes(this.#node.genesis.chainId, m.type, m.height, m.round, m.blockHash)) };
        this.#remember({ t: 'vote', vote });
        this.#enqueue({ type: 'vote', vote });
      }
      for (const vote of this.#restoredVotes) {
        if (!verifySignature(vote.from, voteSignBytes(this.#node.genesis.chainId, vote.type, vote.height, vote.round, vote.blockHash), vote.sig)) continue;
        this.#remember({ t: 'vote', vote });
        this.#enqueue({ type: 'vote', vote });
      }
      this.#restoredVotes = [];
      if (kept !== undefined) void this.#restoreKept(kept).catch((e: unknown) => this.#log(`restoring kept blocks failed: ${logSafe((e as Error).message)}`));
    } else this.#maybeStart();
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) this.#clock.clearTimer(t);
    this.#timers.clear();
    this.#stopStatus?.();
    this.#stopResend?.();
    this.#sync.close();
    this.#history.close();
    this.#results.close();
    this.#gossip.close();
  }

  // ---- heights ---------------------------------------------------------------------------------------------------

  /** A height starts when there is something to commit, or when a peer is already working on it. */
  #maybeStart(): void {
    if (this.#started || this.#startPending || this.#node.mempoolSize === 0) return;
    // On the next turn of the event loop, so that batches admitted together go into one block.
    this.#startPending = true;
    this.#clock.setTimer(0, () => {
      this.#startPending = false;
      if (this.#node.mempoolSize > 0) this.#startHeight();
    });
  }

  #startHeight(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#armResend();
    this.#enqueue({ type: 'start-height', height: this.#state.height });
  }

  /** After a commit (decided or synced): a fresh state for the next height, and the messages kept for it. */
  #advance(): void {
    for (const t of this.#timers) this.#clock.clearTimer(t);
    this.#timers.clear();
    // A new height, or a new validator set from this height on (membership: the state machine's own reset after a
    // decision keeps the validators it had).
    if (this.#state.height !== this.#node.head.height + 1 || this.#stateEpoch !== this.#node.epoch) this.#state = this.#freshState();
    this.#started = false;
    this.#blocks = new Map();
    this.#guard.reset();
    this.#fetcher.reset();
    this.#heightLog = [];
    this.#heightLogKeys.clear();
    this.#checking.clear();
    this.#considered.clear();
    this.#firstProposals.clear();
    this.#stopResend?.();
    this.#stopResend = undefined;
    this.#heightSince = this.#clock.now();
    this.#net?.broadcast({ t: 'status', height: this.#node.head.height });
    const future = this.#future;
    this.#future = [];
    for (const f of future) this.#onPeerMessage(f.peer, f.message);
    this.#maybeStart();
  }

  /** While a height is undecided, re-send its messages now and then: links drop, and peers restart. */
  #armResend(): void {
    if (this.#net === null || this.#stopResend !== undefined) return;
    const net = this.#net;
    this.#stopResend = every(this.#clock, RESEND_AFTER_MS, () => {
      if (this.#clock.now() - this.#heightSince < RESEND_AFTER_MS) return;
      for (const m of this.#heightLog) net.broadcast(m);
    });
  }

  #remember(m: WireMessage): void {
    const key = m.t === 'vote' ? `v/${m.vote.type}/${m.vote.round}/${m.vote.from}/${m.vote.blockHash}`
      : m.t === 'proposal' ? `p/${m.proposal.round}/${m.proposal.blockHash}` : undefined;
    if (key === undefined || this.#heightLogKeys.has(key) || this.#heightLog.length >= HEIGHT_LOG_MAX) return;
    this.#heightLogKeys.add(key);
    this.#heightLog.push(m);
  }

  // ---- the state machine ------------------------------------------------------------------------------------------

  #enqueue(event: ConsensusEvent): void {
    this.#queue.push(event);
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const { state, outputs } = step(this.#state, this.#queue.shift()!);
        this.#state = state;
        for (const o of outputs) this.#handle(o);
      }
    } finally {
      this.#draining = false;
    }
  }

  #handle(o: ConsensusOutput): void {
    switch (o.type) {
      case 'broadcast':
        return this.#broadcast(o.message);
      case 'schedule-timeout': {
        const t = this.#clock.setTimer(o.durationMs, () => {
          this.#timers.delete(t);
          this.#enqueue({ type: 'timeout', step: o.step, height: o.height, round: o.round });
        });
        this.#timers.add(t);
        return;
      }
      case 'get-value': {
        const time = this.#node.clock();
        const prepared = this.#node.prepare(this.#node.takeForProposal(time), time, this.#signer.publicKey);
        const wire: WireBlock = { header: prepared.header, txs: prepared.txs.map((t) => t.canonical), hashes: prepared.txs.map((t) => t.hash) };
        this.#blocks.set(prepared.hash, { prepared, wire });
        this.#considered.add(prepared.hash);
        this.#fetcher.hold(wire.hashes!, wire.txs);
        // Transactions our clients sent that are still queued for gossip go first: on each (ordered) link they arrive
        // before the proposal that names them, so peers find them in their mempool instead of fetching them.
        this.#gossip.flush();
        this.#enqueue({ type: 'value', height: o.height, round: o.round, blockHash: prepared.hash });
        return;
      }
      case 'decide':
        return this.#decide(o.blockHash, o.commit);
      case 'evidence':
        return this.#recordEvidence(o.evidence);
    }
  }

  /** Sign, persist the guard, send to peers, and deliver to ourselves. CONS-GUARD-1, CONS-GUARD-2 */
  #broadcast(message: UnsignedMessage): void {
    const verdict = this.#guard.check(message);
    if (verdict === 'conflict') {
      this.#log(`refusing to sign a second ${message.type} at height ${message.height} round ${message.round}`);
      return;
    }
    const entry = message.type === 'proposal' ? this.#blocks.get(message.blockHash) : undefined;
    if (message.type === 'proposal' && entry === undefined) {
      this.#log(`no block ${message.blockHash.slice(0, 12)} to propose`);
      return;
    }
    const chainId = this.#node.genesis.chainId;
    // Our block is kept (with the signed proposal) in the guard record written next, before anything leaves. CONS-RESTART-1
    const proposalSig = message.type === 'proposal' ? this.#signer.sign(proposalSignBytes(chainId, message)) : '';
    if (message.type === 'proposal' && entry?.prepared != null) this.#guard.kept.keep(message, proposalSig, entry.wire);
    if (verdict === 'new') {
      const received = this.#heightLog.flatMap((m) => (m.t === 'vote' && m.vote.from !== this.#signer.publicKey ? [m.vote] : []));
      this.#guard.record(message, received);
    }
    if (message.type === 'proposal') {
      if (entry === undefined) return;
      const sig = proposalSig;
      if (!this.#firstProposals.has(message.round)) this.#firstProposals.set(message.round, { ...message, sig });
      const wire: WireMessage = { t: 'proposal', proposal: message, sig, block: compact(entry.wire) };
      this.#remember(wire);
      this.#net?.broadcast(wire);
      this.#enqueue({ type: 'proposal', proposal: message, valid: entry.prepared !== null });
      return;
    }
    const vote: Vote = { ...message, sig: this.#signer.sign(voteSignBytes(chainId, message.type, message.height, message.round, message.blockHash)) };
    this.#remember({ t: 'vote', vote });
    this.#net?.broadcast({ t: 'vote', vote });
    this.#enqueue({ type: 'vote', vote });
  }

  #decide(hash: string, commit: Commit): void {
    const entry = this.#blocks.get(hash);
    if (commit.height !== this.#node.head.height + 1) return; // a sync got there first
    if (entry?.prepared == null) {
      // We lack the decided block's execution (should not happen: decide needs a valid proposal). Sync it.
      this.#log(`decided block ${hash.slice(0, 12)} is not prepared here; syncing`);
      this.#sync.request();
      return;
    }
    try {
      this.#node.commit(entry.prepared, commit);
    } catch (e) {
      this.#log(`commit of height ${commit.height} failed: ${logSafe((e as Error).message)}`);
      throw e;
    }
    this.#advance();
  }

  /** A sync answer was applied: if it moved the head past the height we were deciding, start from the new head. */
  #synced(peer: string): void {
    if (this.#node.head.height < this.#state.height) return;
    this.#log(`synced to height ${this.#node.head.height} from ${this.#node.orgs.get(peer)?.id ?? peer}`);
    this.#state = this.#freshState();
    this.#advance();
  }

  /** Records evidence found here or gossiped to us; new evidence goes on to every peer (CONS-EVIDENCE-3). */
  #recordEvidence(evidence: Evidence, from?: string): void {
    const r = recordEvidence(this.#node, evidence);
    if (r === undefined) return;
    const via = from === undefined ? '' : ` (reported by ${this.#node.orgs.get(from)?.id ?? from})`;
    this.#log(`EVIDENCE: ${r.org} signed two different ${r.type}s at height ${r.height} round ${r.round}${via}`);
    this.#net?.broadcast({ t: 'evidence', evidence });
  }

  evidence(): EvidenceRecord[] {
    return evidenceRecords(this.#node);
  }

  // ---- peers ------------------------------------------------------------------------------------------------------

  #misbehaved(peer: string, why: string): void {
    this.#log(`peer ${this.#node.orgs.get(peer)?.id ?? peer}: ${logSafe(why)}; disconnecting`);
    this.#net?.disconnect(peer, why);
  }

  #view(): CheckView {
    return { chainId: this.#node.genesis.chainId, validators: this.#node.validators, height: this.#state.height, round: this.#state.round };
  }

  /** Applies a check's verdict: true to go on; a rejection disconnects the peer. */
  #passes<T>(peer: string, v: Verdict<T>): v is { ok: true; value: T } {
    if (!v.ok && v.action === 'reject') this.#misbehaved(peer, v.reason);
    return v.ok;
  }

  /**
   * Gossiped transactions no honest node would send (bad signature, malformed, another chain: see peers.ts) count
   * against the peer; past PEER_INVALID_TXS_MAX in a window it is disconnected and backed off. CONS-PEER-1
   */
  #chargeInvalidTxs(peer: string, invalid: number): void {
    if (invalid === 0 || this.#closed || !this.#peers.chargeInvalidTxs(peer, invalid)) return;
    const o = this.#peers.lastOffence(peer);
    // One line; the peer named by its genesis id, none of its text.
    this.#log(`peer ${this.#node.orgs.get(peer)?.id ?? peer}: ${o.invalid} invalid gossiped transactions within ${o.windowMs / 1000} s; disconnecting for ${o.backoffMs / 1000} s`);
    this.#net?.disconnect(peer, 'invalid gossiped transactions');
  }

  #onPeerMessage(peer: string, raw: unknown): void {
    if (this.#closed || this.#peers.backingOff(peer)) return;
    const m = raw as WireMessage;
    try {
      switch (m?.t) {
        case 'txs': {
          const txs = checkTxs(m);
          if (!this.#passes(peer, txs)) return;
          void this.#node.submit(txs.value, 'peer').then(
            (outcomes) => this.#chargeInvalidTxs(peer, invalidGossipCount(outcomes)),
            (e: unknown) => this.#log(`gossiped txs: ${logSafe((e as Error).message)}`),
          );
          return;
        }
        case 'status': {
          const height = checkStatus(m);
          if (!this.#passes(peer, height)) return;
          this.peerHeights.set(peer, height.value);
          const head = this.#node.head.height;
          if (height.value > head + 1 || (height.value > head && this.#clock.now() - this.#heightSince > 2 * STATUS_INTERVAL_MS)) this.#sync.request(peer);
          return;
        }
        case 'get-blocks':
          return this.#sync.serve(peer, m);
        case 'blocks':
          return void this.#sync.apply(peer, m).catch((e: unknown) => this.#log(`sync failed: ${logSafe((e as Error).message)}`));
        case 'get-history':
          return this.#history.serve(peer, m);
        case 'history':
          return this.#history.apply(peer, m);
        case 'vote':
          return this.#onVote(peer, m);
        case 'get-txs': {
          const req = checkGetTxs(this.#view(), m);
          if (!this.#passes(peer, req)) return;
          return this.#fetcher.serve(peer, this.#state.height, req.value.blockHash, req.value.hashes);
        }
        case 'block-txs': {
          const ans = checkBlockTxs(this.#view(), m);
          if (!this.#passes(peer, ans)) return;
          return this.#fetcher.onAnswer(ans.value.blockHash, ans.value.txs);
        }
        case 'proposal':
          return void this.#onProposal(peer, m).catch((e: unknown) => this.#log(`proposal handling failed: ${logSafe((e as Error).message)}`));
        case 'evidence': {
          const evidence = checkEvidence(this.#view(), m, (e) => hasEvidence(this.#node, e));
          if (!this.#passes(peer, evidence)) return;
          return this.#recordEvidence(evidence.value, peer);
        }
        default:
          // Other services share the link (private-data requests); anything else is a protocol violation.
          if (typeof (m as { t?: unknown })?.t === 'string' && (m as { t: string }).t.startsWith('private-')) return;
          return this.#misbehaved(peer, 'unknown message');
      }
    } catch (e) {
      // Only a malformed input is the peer's fault; a local failure is ours and must not be blamed on it.
      if (isMachiError(e) || e instanceof TypeError) this.#misbehaved(peer, `bad message: ${logSafe((e as Error).message)}`);
      else throw e;
    }
  }

  /** Messages for a later height are kept (bounded) until we get there; far ahead means we are behind: sync. */
  #routeByHeight(peer: string, height: number, message: WireMessage): boolean {
    if (height < this.#state.height) return false;
    if (height > this.#state.height) {
      const perPeer = Math.ceil(FUTURE_MESSAGES_MAX / Math.max(1, this.#node.orgs.size));
      if (height === this.#state.height + 1 && this.#future.length < FUTURE_MESSAGES_MAX && this.#future.filter((f) => f.peer === peer).length < perPeer) {
        this.#future.push({ peer, message });
      }
      if (height > this.#state.height + 1) this.#sync.request(peer);
      return false;
    }
    return true;
  }

  #onVote(peer: string, m: { vote: unknown }): void {
    const checked = checkVote(this.#view(), m.vote);
    if (!this.#passes(peer, checked)) return;
    const vote = checked.value;
    if (!this.#routeByHeight(peer, vote.height, m as WireMessage)) return;
    this.#startHeight();
    this.#remember({ t: 'vote', vote });
    this.#enqueue({ type: 'vote', vote });
  }

  async #onProposal(peer: string, m: { proposal: unknown; sig: unknown; block: unknown }): Promise<void> {
    const checked = checkProposal(this.#view(), m);
    if (!this.#passes(peer, checked)) return;
    const { proposal, sig, header, hashes } = checked.value;
    if (!this.#routeByHeight(peer, proposal.height, m as WireMessage)) return;
    this.#startHeight();
    // One proposal per proposer per round is checked: a second, different one signed for the same round is evidence
    // of equivocation, and goes no further (CONS-PROPOSAL-1). The first keeps going through consensus.
    const first = this.#firstProposals.get(proposal.round);
    if (first === undefined) this.#firstProposals.set(proposal.round, { ...proposal, sig });
    else if (first.blockHash !== proposal.blockHash || first.validRound !== proposal.validRound) {
      this.#recordEvidence({ type: 'duplicate-proposal', validator: proposal.from, proposalA: first, proposalB: { ...proposal, sig } });
      return;
    }
    let entry = this.#blocks.get(proposal.blockHash);
    if (entry === undefined) {
      let checking = this.#checking.get(proposal.blockHash);
      if (checking === undefined) {
        // Checks in progress (fetching bodies included) count towards the bound, not only finished ones.
        if (this.#considered.size >= BLOCKS_PER_HEIGHT_MAX) return;
        this.#considered.add(proposal.blockHash);
        checking = this.#fetchAndCheck(peer, proposal.height, proposal.blockHash, header, hashes);
        this.#checking.set(proposal.blockHash, checking);
      }
      const result = await checking;
      if (this.#state.height !== proposal.height || result === undefined) return;
      entry = this.#blocks.get(proposal.blockHash) ?? result;
      this.#blocks.set(proposal.blockHash, entry);
    }
    // A valid block is kept, with the proposal, for the guard record: on disk before any precommit that locks us on
    // it leaves. CONS-RESTART-1
    if (entry.prepared !== null) this.#guard.kept.keep(proposal, sig, entry.wire);
    this.#remember({ t: 'proposal', proposal, sig, block: compact(entry.wire) });
    this.#enqueue({ type: 'proposal', proposal, valid: entry.prepared !== null });
  }

  /**
   * A compact proposal's block: its bodies from the mempool or fetched from peers (CONS-FETCH-1), then checked by the
   * node. Undefined if the height ends before the bodies come: the state machine, never told of the proposal, prevotes
   * nil when timeoutPropose expires, and the round changes.
   */
  async #fetchAndCheck(peer: string, height: number, hash: string, header: WireBlock['header'], hashes: string[]): Promise<BlockEntry | undefined> {
    const texts = await this.#fetcher.bodies(peer, height, hash, hashes);
    if (texts === undefined || this.#state.height !== height) return undefined;
    const wire: WireBlock = { header, txs: texts, hashes };
    try {
      const prepared = await this.#node.checkBlock(wire);
      this.#fetcher.hold(hashes, texts);
      this.#node.adopt(prepared.txs);
      return { prepared, wire };
    } catch (e) {
      if (!isMachiError(e)) throw e;
      this.#log(`invalid proposal from ${this.#node.orgs.get(header.proposer)?.id ?? header.proposer}: ${logSafe(e.message)}`);
      return { prepared: null, wire };
    }
  }
}
