/**
 * The consensus driver: runs the core's pure Tendermint state machine (`step`) for this node. It is the only place
 * where consensus meets the world: it signs what `step` asks to broadcast (after writing the double-sign guard),
 * verifies what peers send (each signature once) and validates proposed blocks through the node, keeps the timers,
 * commits decided blocks, and syncs blocks from peers when this node is behind. docs/spec/consensus.md
 */
import {
  blockHash,
  checkCommitShape,
  checkHeaderShape,
  initConsensus,
  isMachiError,
  proposer as proposerAt,
  ROUNDS_AHEAD_MAX,
  proposalSignBytes,
  restoreConsensus,
  step,
  verifyEvidence,
  verifySignature,
  voteSignBytes,
  type Commit,
  type ConsensusEvent,
  type ConsensusOutput,
  type ConsensusState,
  type Evidence,
  type Proposal,
  type Signer,
  type TimeoutParams,
  type UnsignedMessage,
  type Vote,
} from '@machi/core';
import type { MachiNode, PreparedBlock, WireBlock } from '../node/node.js';

/** Peer messages kept for heights just above ours (they often arrive while we commit the current one). */
export const FUTURE_MESSAGES_MAX = 2000;
/** Blocks requested from a peer in one sync round trip. */
export const SYNC_BLOCKS_MAX = 32;
/** Sync answers stop adding blocks past this many bytes of transactions (a message must stay under the p2p limit). */
export const SYNC_BYTES_MAX = 8 * 1024 * 1024;
/** How often a node tells its peers its height (lets laggards notice and sync). */
export const STATUS_INTERVAL_MS = 1000;
/** Client transactions are gossiped in batches at least this often. */
export const GOSSIP_FLUSH_MS = 5;
export const GOSSIP_TXS_MAX = 2000;
/** Evidence records kept. */
export const EVIDENCE_MAX = 1000;
/** With no decision for this long, re-send this height's consensus messages (a peer may have missed them). */
export const RESEND_AFTER_MS = 3000;
/** Consensus messages of the current height kept for re-sending. */
export const HEIGHT_LOG_MAX = 512;
/** Distinct blocks considered at one height (one proposer per round, a bounded number of rounds). */
export const BLOCKS_PER_HEIGHT_MAX = 4 * (ROUNDS_AHEAD_MAX + 1);
/** A peer whose sync answer did not move us forward is not asked again for this long. */
export const SYNC_PEER_BACKOFF_MS = 10_000;
export const SYNC_ANSWER_MS_MAX = 5_000;

/** What the driver needs from the peer-to-peer layer (P2PNetwork implements it). */
export interface PeerTransport {
  broadcast(message: unknown): number;
  send(peerKey: string, message: unknown): boolean;
  disconnect(peerKey: string, reason: string): void;
  on(event: 'message', listener: (peer: { publicKey: string; orgId: string }, message: unknown) => void): unknown;
  on(event: 'peer-up', listener: (peer: { publicKey: string; orgId: string }) => void): unknown;
}

/** What survives a crash of the consensus state: see docs/spec/consensus.md#crash-recovery. */
interface Guard {
  height: number;
  messages: UnsignedMessage[];
  proposed?: Record<string, WireBlock>;
  /** others' votes received at this height when we signed: after a restart they show the polka behind our lock */
  received?: Vote[];
}

type WireMessage =
  | { t: 'txs'; txs: unknown[] }
  | { t: 'proposal'; proposal: Proposal; sig: string; block: WireBlock }
  | { t: 'vote'; vote: Vote }
  | { t: 'status'; height: number }
  | { t: 'get-blocks'; from: number; to: number }
  | { t: 'blocks'; blocks: { block: WireBlock; commit: Commit }[] };

export interface EvidenceRecord {
  org: string;
  validator: string;
  height: number;
  round: number;
  type: string;
  blockHashes: [string | null, string | null];
  detectedAt: number;
}

export interface DriverOptions {
  node: MachiNode;
  signer: Signer;
  net: PeerTransport | null;
  timeouts?: Partial<TimeoutParams>;
  log?: (line: string) => void;
}

export class ConsensusDriver {
  readonly #node: MachiNode;
  readonly #signer: Signer;
  readonly #net: PeerTransport | null;
  readonly #log: (line: string) => void;
  readonly #timeouts: Partial<TimeoutParams> | undefined;
  readonly #isValidator: boolean;
  #state: ConsensusState;
  #started = false;
  #startPending = false;
  readonly #queue: ConsensusEvent[] = [];
  #draining = false;
  /** blocks at the current height we built or validated, by hash */
  #blocks = new Map<string, { prepared: PreparedBlock | null; wire: WireBlock }>();
  /** the double-sign guard: every message we signed at the current height (persisted before sending) */
  #signed: UnsignedMessage[] = [];
  /** blocks we proposed at the current height, persisted with the guard */
  #proposed: Record<string, WireBlock> = {};
  #restoredVotes: Vote[] = [];
  #future: { peer: string; message: WireMessage }[] = [];
  /** valid consensus messages of the current height (ours and relayed): sent to a peer that (re)connects */
  #heightLog: WireMessage[] = [];
  #resendTimer: NodeJS.Timeout | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  #gossip: unknown[] = [];
  #gossipTimer: NodeJS.Timeout | undefined;
  #statusTimer: NodeJS.Timeout | undefined;
  #syncing = false;
  #syncPeer: string | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  readonly #syncBackoff = new Map<string, number>();
  /** proposals being checked, by block hash: one check per block however often it arrives */
  readonly #checking = new Map<string, Promise<{ prepared: PreparedBlock | null; wire: WireBlock } | undefined>>();
  readonly #heightLogKeys = new Set<string>();
  #closed = false;
  /** when the current height began here: a peer one height ahead for long means we missed its decision */
  #heightSince = Date.now();
  readonly peerHeights = new Map<string, number>();

  constructor(opts: DriverOptions) {
    this.#node = opts.node;
    this.#signer = opts.signer;
    this.#net = opts.net;
    this.#log = opts.log ?? (() => {});
    this.#timeouts = opts.timeouts;
    this.#isValidator = this.#node.validators.some((v) => v.publicKey === this.#signer.publicKey);
    this.#state = this.#freshState();
    const saved = this.#node.store.getMeta('consensus_signed');
    if (saved !== undefined) {
      const guard = JSON.parse(saved) as Guard;
      if (guard.height === this.#state.height) {
        this.#signed = guard.messages;
        this.#proposed = guard.proposed ?? {};
        this.#restoredVotes = guard.received ?? [];
        this.#state = restoreConsensus(this.#state, guard.messages);
      }
    }
  }

  /** Writes the double-sign guard (and the blocks we proposed) durably, before anything signed leaves. */
  #persistGuard(height: number): void {
    // Written with every signature, at no extra fsync: the votes we hold then include the polka that justifies any
    // lock we take (docs/spec/consensus.md, crash recovery), so a restarted node can still show it to others.
    const received = this.#heightLog.flatMap((m) => (m.t === 'vote' && m.vote.from !== this.#signer.publicKey ? [m.vote] : []));
    const guard: Guard = { height, messages: this.#signed, proposed: this.#proposed, received };
    this.#node.store.setMeta('consensus_signed', JSON.stringify(guard));
  }

  /** After a restart: re-check the blocks we had proposed at this height, and propose them again (same signature). */
  async #reproposeAfterRestart(): Promise<void> {
    for (const m of this.#signed) {
      if (m.type !== 'proposal') continue;
      const wire = this.#proposed[m.blockHash];
      if (wire === undefined || this.#blocks.has(m.blockHash)) continue;
      let prepared: PreparedBlock;
      try {
        prepared = await this.#node.checkBlock(wire);
      } catch (e) {
        this.#log(`cannot re-propose block ${m.blockHash.slice(0, 12)} after restart: ${(e as Error).message}`);
        continue;
      }
      if (this.#state.height !== m.height) return;
      this.#blocks.set(m.blockHash, { prepared, wire });
      const sig = this.#signer.sign(proposalSignBytes(this.#node.genesis.chainId, m));
      const msg: WireMessage = { t: 'proposal', proposal: m, sig, block: wire };
      this.#remember(msg);
      this.#net?.broadcast(msg);
      this.#enqueue({ type: 'proposal', proposal: m, valid: true });
    }
  }

  #freshState(): ConsensusState {
    return initConsensus({
      chainId: this.#node.genesis.chainId,
      validators: this.#node.validators,
      self: this.#isValidator ? this.#signer.publicKey : null,
      height: this.#node.head.height + 1,
      ...(this.#timeouts === undefined ? {} : { timeouts: this.#timeouts }),
    });
  }

  /** What the API shows of consensus. */
  status(): { height: number; round: number; step: string; started: boolean; peers: Record<string, number> } {
    const peers: Record<string, number> = {};
    for (const [k, h] of this.peerHeights) peers[this.#node.orgs.get(k)?.id ?? k] = h;
    return { height: this.#state.height, round: this.#state.round, step: this.#state.step, started: this.#started, peers };
  }

  start(): void {
    this.#node.on('mempool', () => this.#maybeStart());
    this.#node.on('admitted', (txs) => this.#queueGossip(txs));
    if (this.#net !== null) {
      this.#net.on('message', (peer, message) => this.#onPeerMessage(peer.publicKey, message));
      this.#net.on('peer-up', (peer) => {
        this.#net!.send(peer.publicKey, { t: 'status', height: this.#node.head.height });
        for (const m of this.#heightLog) this.#net!.send(peer.publicKey, m);
      });
      this.#statusTimer = setInterval(() => this.#net!.broadcast({ t: 'status', height: this.#node.head.height }), STATUS_INTERVAL_MS);
      this.#statusTimer.unref();
    }
    // Resume a height we had signed in (our own votes count again: Ed25519 is deterministic, so re-signing the
    // same message gives the same signature — nothing new is signed), or one with work waiting.
    if (this.#signed.length > 0) {
      this.#startHeight();
      for (const m of this.#signed) {
        if (m.type === 'proposal') continue; // its block was not kept; the round times out and moves on
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
      void this.#reproposeAfterRestart().catch((e: unknown) => this.#log(`re-proposing failed: ${(e as Error).message}`));
    } else this.#maybeStart();
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (this.#statusTimer !== undefined) clearInterval(this.#statusTimer);
    if (this.#syncTimer !== undefined) clearTimeout(this.#syncTimer);
    if (this.#resendTimer !== undefined) clearInterval(this.#resendTimer);
    if (this.#gossipTimer !== undefined) clearTimeout(this.#gossipTimer);
  }

  // ---- heights ---------------------------------------------------------------------------------------------------

  /** A height starts when there is something to commit, or when a peer is already working on it. */
  #maybeStart(): void {
    if (this.#started || this.#startPending || this.#node.mempoolSize === 0) return;
    // On the next turn of the event loop, so that batches admitted together go into one block.
    this.#startPending = true;
    setImmediate(() => {
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
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (this.#state.height !== this.#node.head.height + 1) this.#state = this.#freshState();
    this.#started = false;
    this.#blocks = new Map();
    this.#signed = [];
    this.#proposed = {};
    this.#heightLog = [];
    this.#heightLogKeys.clear();
    this.#checking.clear();
    if (this.#resendTimer !== undefined) clearInterval(this.#resendTimer);
    this.#resendTimer = undefined;
    this.#heightSince = Date.now();
    this.#net?.broadcast({ t: 'status', height: this.#node.head.height });
    const future = this.#future;
    this.#future = [];
    for (const f of future) this.#onPeerMessage(f.peer, f.message);
    this.#maybeStart();
  }

  /** While a height is undecided, re-send its messages now and then: links drop, and peers restart. */
  #armResend(): void {
    if (this.#net === null || this.#resendTimer !== undefined) return;
    this.#resendTimer = setInterval(() => {
      if (Date.now() - this.#heightSince < RESEND_AFTER_MS) return;
      for (const m of this.#heightLog) this.#net!.broadcast(m);
    }, RESEND_AFTER_MS);
    this.#resendTimer.unref();
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
        const t = setTimeout(() => {
          this.#timers.delete(t);
          this.#enqueue({ type: 'timeout', step: o.step, height: o.height, round: o.round });
        }, o.durationMs);
        this.#timers.add(t);
        return;
      }
      case 'get-value': {
        const time = this.#node.clock();
        const prepared = this.#node.prepare(this.#node.takeForProposal(time), time, this.#signer.publicKey);
        this.#blocks.set(prepared.hash, { prepared, wire: { header: prepared.header, txs: prepared.txs.map((t) => t.canonical), hashes: prepared.txs.map((t) => t.hash) } });
        this.#enqueue({ type: 'value', height: o.height, round: o.round, blockHash: prepared.hash });
        return;
      }
      case 'decide':
        return this.#decide(o.blockHash, o.commit);
      case 'evidence':
        return this.#recordEvidence(o.evidence);
    }
  }

  /** Sign, persist the guard, send to peers, and deliver to ourselves. */
  #broadcast(message: UnsignedMessage): void {
    const clash = this.#signed.find((m) => m.height === message.height && m.round === message.round && m.type === message.type);
    const differs = clash !== undefined && (clash.blockHash !== message.blockHash || clash.from !== message.from
      || (clash.type === 'proposal' && message.type === 'proposal' && clash.validRound !== message.validRound));
    if (differs) {
      this.#log(`refusing to sign a second ${message.type} at height ${message.height} round ${message.round}`);
      return;
    }
    const entry = message.type === 'proposal' ? this.#blocks.get(message.blockHash) : undefined;
    if (message.type === 'proposal' && entry === undefined) {
      this.#log(`no block ${message.blockHash.slice(0, 12)} to propose`);
      return;
    }
    if (clash === undefined) {
      this.#signed.push(message);
      // A proposed block is kept with the guard: after a crash we may be locked on it and must be able to show it.
      if (message.type === 'proposal') this.#proposed[message.blockHash] = entry!.wire;
      this.#persistGuard(message.height);
    }
    const chainId = this.#node.genesis.chainId;
    if (message.type === 'proposal') {
      if (entry === undefined) return;
      const sig = this.#signer.sign(proposalSignBytes(chainId, message));
      const wire: WireMessage = { t: 'proposal', proposal: message, sig, block: entry.wire };
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
      this.#requestSync();
      return;
    }
    try {
      this.#node.commit(entry.prepared, commit);
    } catch (e) {
      this.#log(`commit of height ${commit.height} failed: ${(e as Error).message}`);
      throw e;
    }
    this.#advance();
  }

  #recordEvidence(evidence: Evidence): void {
    const org = this.#node.orgs.get(evidence.validator)?.id ?? evidence.validator;
    if (verifyEvidence(this.#node.genesis.chainId, this.#node.validators, evidence) !== null) return;
    const record: EvidenceRecord = {
      org,
      validator: evidence.validator,
      height: evidence.voteA.height,
      round: evidence.voteA.round,
      type: evidence.voteA.type,
      blockHashes: [evidence.voteA.blockHash, evidence.voteB.blockHash],
      detectedAt: this.#node.clock(),
    };
    const list = this.evidence();
    if (list.some((e) => e.validator === record.validator && e.height === record.height && e.round === record.round && e.type === record.type)) return;
    list.push(record);
    this.#node.store.setMeta('evidence', JSON.stringify(list.slice(-EVIDENCE_MAX)));
    this.#log(`EVIDENCE: ${org} signed two different ${record.type}s at height ${record.height} round ${record.round}`);
  }

  evidence(): EvidenceRecord[] {
    const raw = this.#node.store.getMeta('evidence');
    return raw === undefined ? [] : (JSON.parse(raw) as EvidenceRecord[]);
  }

  // ---- peers ------------------------------------------------------------------------------------------------------

  #queueGossip(txs: unknown[]): void {
    if (this.#net === null) return;
    this.#gossip.push(...txs);
    if (this.#gossip.length >= GOSSIP_TXS_MAX) this.#flushGossip();
    else this.#gossipTimer ??= setTimeout(() => this.#flushGossip(), GOSSIP_FLUSH_MS);
  }

  #flushGossip(): void {
    if (this.#gossipTimer !== undefined) clearTimeout(this.#gossipTimer);
    this.#gossipTimer = undefined;
    if (this.#gossip.length === 0) return;
    while (this.#gossip.length > 0) this.#net?.broadcast({ t: 'txs', txs: this.#gossip.splice(0, GOSSIP_TXS_MAX) });
  }

  #misbehaved(peer: string, why: string): void {
    this.#log(`peer ${this.#node.orgs.get(peer)?.id ?? peer}: ${why}; disconnecting`);
    this.#net?.disconnect(peer, why);
  }

  #onPeerMessage(peer: string, raw: unknown): void {
    if (this.#closed) return;
    const m = raw as WireMessage;
    try {
      switch (m?.t) {
        case 'txs':
          if (!Array.isArray(m.txs) || m.txs.length > GOSSIP_TXS_MAX) return this.#misbehaved(peer, 'malformed txs message');
          void this.#node.submit(m.txs, 'peer').catch((e: unknown) => this.#log(`gossiped txs: ${(e as Error).message}`));
          return;
        case 'status':
          if (!Number.isSafeInteger(m.height)) return this.#misbehaved(peer, 'malformed status');
          this.peerHeights.set(peer, m.height);
          if (m.height > this.#node.head.height + 1 || (m.height > this.#node.head.height && Date.now() - this.#heightSince > 2 * STATUS_INTERVAL_MS)) {
            this.#requestSync(peer);
          }
          return;
        case 'get-blocks':
          return this.#serveBlocks(peer, m.from, m.to);
        case 'blocks':
          return void this.#applyBlocks(peer, m.blocks).catch((e: unknown) => this.#log(`sync failed: ${(e as Error).message}`));
        case 'vote':
          return this.#onVote(peer, m);
        case 'proposal':
          return void this.#onProposal(peer, m).catch((e: unknown) => this.#log(`proposal handling failed: ${(e as Error).message}`));
        default:
          // Other services share the link (private-data requests); anything else is a protocol violation.
          if (typeof (m as { t?: unknown })?.t === 'string' && (m as { t: string }).t.startsWith('private-')) return;
          return this.#misbehaved(peer, 'unknown message');
      }
    } catch (e) {
      // Only a malformed input is the peer's fault; a local failure is ours and must not be blamed on it.
      if (isMachiError(e) || e instanceof TypeError) this.#misbehaved(peer, `bad message: ${(e as Error).message}`);
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
      if (height > this.#state.height + 1) this.#requestSync(peer);
      return false;
    }
    return true;
  }

  /** The highest round worth accepting a message for at `height` (the state machine keeps ROUNDS_AHEAD_MAX ahead). */
  #roundCeiling(height: number): number {
    return (height === this.#state.height ? this.#state.round : 0) + ROUNDS_AHEAD_MAX;
  }

  #onVote(peer: string, m: { vote: Vote }): void {
    const v = m.vote;
    if (typeof v !== 'object' || v === null || (v.type !== 'prevote' && v.type !== 'precommit') || !Number.isSafeInteger(v.height) || !Number.isSafeInteger(v.round)
      || v.round < 0 || (v.blockHash !== null && typeof v.blockHash !== 'string') || typeof v.from !== 'string' || typeof v.sig !== 'string') {
      return this.#misbehaved(peer, 'malformed vote');
    }
    if (v.height < this.#state.height) return; // stale: ignored
    if (!this.#node.validators.some((x) => x.publicKey === v.from)) return this.#misbehaved(peer, 'vote from a non-validator');
    if (v.round > this.#roundCeiling(v.height)) return; // too far ahead to matter (step would drop it too)
    if (!verifySignature(v.from, voteSignBytes(this.#node.genesis.chainId, v.type, v.height, v.round, v.blockHash), v.sig)) {
      return this.#misbehaved(peer, 'vote with a bad signature');
    }
    if (!this.#routeByHeight(peer, v.height, m as WireMessage)) return;
    this.#startHeight();
    const vote: Vote = { type: v.type, height: v.height, round: v.round, blockHash: v.blockHash, from: v.from, sig: v.sig };
    this.#remember({ t: 'vote', vote });
    this.#enqueue({ type: 'vote', vote });
  }

  async #onProposal(peer: string, m: { proposal: Proposal; sig: string; block: WireBlock }): Promise<void> {
    const p = m.proposal;
    if (typeof p !== 'object' || p === null || !Number.isSafeInteger(p.height) || !Number.isSafeInteger(p.round) || !Number.isSafeInteger(p.validRound)
      || typeof p.blockHash !== 'string' || typeof p.from !== 'string' || typeof m.sig !== 'string' || typeof m.block !== 'object' || m.block === null) {
      return this.#misbehaved(peer, 'malformed proposal');
    }
    if (p.height < this.#state.height) return; // stale: ignored
    // Cheap checks first, so that nobody can make us verify or execute blocks for free: the sender must be the
    // round's proposer, the round near enough, the validRound sane, the signature good, the block its blockHash.
    if (p.from !== proposerAt(this.#node.validators, p.height, p.round)) return this.#misbehaved(peer, "proposal from a validator that is not the round's proposer");
    if (p.round > this.#roundCeiling(p.height) || p.round < 0 || p.validRound < -1 || p.validRound >= p.round) return;
    if (!verifySignature(p.from, proposalSignBytes(this.#node.genesis.chainId, p), m.sig)) return this.#misbehaved(peer, 'proposal with a bad signature');
    let header;
    try {
      header = checkHeaderShape(m.block.header);
    } catch {
      return this.#misbehaved(peer, 'proposal with a malformed header');
    }
    if (blockHash(header) !== p.blockHash) return this.#misbehaved(peer, 'proposal whose block does not hash to its blockHash');
    if (header.proposer !== p.from && p.validRound < 0) return this.#misbehaved(peer, 'proposal whose header names another proposer');
    if (!this.#routeByHeight(peer, p.height, m as WireMessage)) return;
    const proposal: Proposal = { type: 'proposal', height: p.height, round: p.round, validRound: p.validRound, blockHash: p.blockHash, from: p.from };
    this.#startHeight();
    let entry = this.#blocks.get(p.blockHash);
    if (entry === undefined) {
      if (this.#blocks.size >= BLOCKS_PER_HEIGHT_MAX) return;
      let checking = this.#checking.get(p.blockHash);
      if (checking === undefined) {
        const wire: WireBlock = { header, txs: m.block.txs };
        checking = this.#node.checkBlock({ ...wire, ...(Array.isArray(m.block.hashes) ? { hashes: m.block.hashes } : {}) }).then(
          (prepared) => ({ prepared, wire }),
          (e: unknown) => {
            if (!isMachiError(e)) throw e;
            this.#log(`invalid proposal from ${this.#node.orgs.get(p.from)?.id ?? p.from}: ${e.message}`);
            return { prepared: null, wire };
          },
        );
        this.#checking.set(p.blockHash, checking);
      }
      const checked = await checking;
      if (this.#state.height !== p.height || checked === undefined) return;
      entry = this.#blocks.get(p.blockHash) ?? checked;
      this.#blocks.set(p.blockHash, entry);
      this.#remember({ t: 'proposal', proposal, sig: m.sig, block: entry.wire });
    }
    this.#enqueue({ type: 'proposal', proposal, valid: entry.prepared !== null });
  }

  // ---- block sync -------------------------------------------------------------------------------------------------

  #requestSync(peer?: string): void {
    if (this.#syncing || this.#net === null) return;
    const from = this.#node.head.height + 1;
    const now = Date.now();
    const usable = (k: string): boolean => (this.#syncBackoff.get(k) ?? 0) <= now && (this.peerHeights.get(k) ?? 0) >= from;
    let target = peer !== undefined && usable(peer) ? peer : undefined;
    if (target === undefined) {
      for (const [k, h] of this.peerHeights) if (usable(k) && (target === undefined || h > this.peerHeights.get(target)!)) target = k;
    }
    if (target === undefined) return;
    this.#syncing = true;
    this.#syncPeer = target;
    const to = Math.min(from + SYNC_BLOCKS_MAX - 1, Math.max(from, this.peerHeights.get(target) ?? from));
    this.#net.send(target, { t: 'get-blocks', from, to });
    // A peer that never answers is skipped for a while.
    this.#syncTimer = setTimeout(() => {
      this.#syncing = false;
      this.#syncPeer = undefined;
      this.#syncBackoff.set(target, Date.now() + SYNC_PEER_BACKOFF_MS);
    }, SYNC_ANSWER_MS_MAX);
    this.#syncTimer.unref();
  }

  #serveBlocks(peer: string, from: number, to: number): void {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || to < from) return this.#misbehaved(peer, 'malformed get-blocks');
    const blocks = [];
    let bytes = 0;
    for (let h = from; h <= Math.min(to, from + SYNC_BLOCKS_MAX - 1, this.#node.head.height) && bytes < SYNC_BYTES_MAX; h++) {
      const b = this.#node.wireBlock(h)!;
      bytes += b.block.txs.reduce((n, t) => n + t.length, 0);
      blocks.push(b);
    }
    this.#net?.send(peer, { t: 'blocks', blocks });
  }

  async #applyBlocks(peer: string, blocks: { block: WireBlock; commit: Commit }[]): Promise<void> {
    if (peer !== this.#syncPeer) return; // unsolicited
    clearTimeout(this.#syncTimer);
    this.#syncPeer = undefined;
    const before = this.#node.head.height;
    try {
      if (!Array.isArray(blocks) || blocks.length > SYNC_BLOCKS_MAX) return this.#misbehaved(peer, 'malformed blocks');
      for (const b of blocks) {
        const header = checkHeaderShape(b?.block?.header);
        const commit = checkCommitShape(b.commit);
        if (header.height <= this.#node.head.height) continue;
        try {
          await this.#node.applySynced({ header, txs: b.block.txs }, commit);
        } catch (e) {
          if (header.height <= this.#node.head.height) continue; // consensus committed it meanwhile
          throw e;
        }
      }
    } catch (e) {
      if (isMachiError(e)) this.#misbehaved(peer, `sync: ${e.message}`);
      else this.#log(`sync failed: ${(e as Error).message}`);
    } finally {
      this.#syncing = false;
      // Whatever was stored — even if a later block of the batch failed — consensus moves to the new head.
      if (this.#node.head.height >= this.#state.height) {
        this.#log(`synced to height ${this.#node.head.height} from ${this.#node.orgs.get(peer)?.id ?? peer}`);
        this.#state = this.#freshState();
        this.#advance();
      }
    }
    if (this.#node.head.height === before) this.#syncBackoff.set(peer, Date.now() + SYNC_PEER_BACKOFF_MS);
    else if ((this.peerHeights.get(peer) ?? 0) > this.#node.head.height) this.#requestSync(peer);
  }
}
