/**
 * The real-driver simulator (TigerBeetle's VOPR runs the real replica; this runs the real ConsensusDriver and
 * MachiNode): n validators, each a MachiNode on an in-memory LedgerStore over a simulated disk, with the in-process
 * checker and the real ConsensusDriver, given a virtual clock and timers and a simulated network. One seeded PRNG
 * decides every fault; between events the microtask queue is drained, so a run is a function of its options and one
 * seed reproduces a failure. The checkers (@machi/core/sim checkers.ts) sit outside the code under test: they see
 * what honest nodes send and store. docs/spec/consensus.md#simulator
 */
import {
  BLOCKS_PER_HEIGHT_MAX,
  CONSORTIUM_NEXT_KEY,
  consortiumProposals,
  memberSetAt,
  type SignedTx,
  MachiError,
  createRegistry,
  type TxTypeRegistry,
  signTx,
  validatorsOf,
  verifySignature,
  voteSignBytes,
  type Genesis,
  type Signer,
  type UnsignedMessage,
  type Vote,
} from '@machi/core';
import { Checkers, Prng, type Violation } from '@machi/core/sim';
import { ConsensusDriver } from '../consensus/driver.js';
import { EVIDENCE_META_KEY } from '../consensus/evidence.js';
import { GUARD_META_KEY } from '../consensus/guard.js';
import type { WireMessage } from '../consensus/transport.js';
import { checkContext, checkMany, type CheckOutcome, type TxChecker } from '../node/checker.js';
import { MachiNode } from '../node/node.js';
import { MemoryDisk, MemoryStore } from '../storage/memory.js';
import { corrupt, type Adversary, type ByzantineCounts, type ByzantineProfile } from './byzantine.js';
import { randomHex, seededSigner } from './keys.js';
import { DELTA_MS, SimNetwork, type NetFaults } from './network.js';
import { SIM_EPOCH_MS, SimClock, World } from './world.js';

/** Test-only bugs in the code under test: the simulator must report a violation. */
export type InjectedBug =
  /** honest drivers forget their double-sign guard across a crash (DriverOptions.unsafe.forgetDoubleSignGuard) */
  | 'forget-double-sign-guard'
  /** f + 1 colluding equivocators: more than the algorithm tolerates */
  | 'byzantine-over-f';

export interface SimOptions {
  seed: number;
  /** validators, equal power (default 4) */
  validators?: number;
  /** liveness: after GST every live honest node must store this many heights more than the highest at GST (default 3) */
  heightsAfterGst?: number;
  /** network faults, crashes and Byzantine validators (default true) */
  faults?: boolean;
  /** exact number of Byzantine validators (default: random in [0, f] when faults are on) */
  byzantine?: number;
  /** at least this many honest crashes with restart before GST (default: random 0..2) */
  crashesMin?: number;
  inject?: InjectedBug;
  /** end the run at the first violation (tests of broken drivers: the rest of the run adds nothing) */
  stopOnViolation?: boolean;
  /** collect the drivers' log lines and the simulator's fault notes */
  trace?: boolean;
  /**
   * membership by decision under the faults (docs/spec/consensus.md#membership): a fifth organisation, not in the
   * genesis, runs a node from the start (following without a vote); the validators propose and approve its admission,
   * then the removal of the last genesis validator; every live honest node must end in the new set, and the joiner must
   * vote in commits once admitted
   */
  membership?: boolean;
  /** the Byzantine validators' behaviours to draw from (default: equivocate, invalid, withhold, silent) */
  profiles?: ByzantineProfile[];
}

export const FAULT_KINDS = [
  'drop', 'duplicate', 'reorder', 'delay-spike', 'partition', 'partition-drop', 'disconnect', 'honest-disconnect', 'gossip-disconnect',
  'crash', 'restart', 'permanent-crash', 'byzantine',
  'equivocating-proposal', 'flooding-proposal', 'equivocating-vote', 'invalid-proposal', 'invalid-vote', 'bad-signature', 'invalid-tx', 'withheld', 'silent',
  'set-change',
  /** honest nodes' missing-transaction fetches (compact proposals): proposals that needed bodies, and bodies received */
  'tx-fetch', 'tx-fetched',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SimResult {
  seed: number;
  validators: number;
  f: number;
  byzantine: string[];
  gstMs: number;
  endMs: number;
  /** lowest height stored by every live honest node at the end */
  decidedHeight: number;
  requiredHeight: number;
  /** simulated time from GST until every live honest node reached the required height */
  recoveryMs: number;
  faults: Record<FaultKind, number>;
  evidenceReported: number;
  /** membership runs: the member-set epoch every live honest node ended in, and commits the joiner signed */
  membership?: { epochs: number[]; joinerSigned: number; effective: number[] };
  messages: number;
  diskWrites: number;
  events: number;
  violations: Violation[];
  trace: string[];
}

/** Liveness bound after GST (timeouts reached during the faults carry their length into it). */
const LIVENESS_BASE_MS = 60_000;
const LIVENESS_PER_HEIGHT_MS = 10_000;
/** The client submits a few transactions to a random live node this often (virtual ms, spread). */
const CLIENT_INTERVAL_MS = 300;
/** A run that executes more events than this is stopped and reported (a livelock in the driver). */
const EVENTS_MAX = 500_000;

interface SimNode {
  index: number;
  signer: Signer;
  orgId: string;
  adversary: Adversary | null;
  disk: MemoryDisk;
  skewMs: number;
  up: boolean;
  permanentlyDown: boolean;
  incarnation: number;
  node: MachiNode | undefined;
  driver: ConsensusDriver | undefined;
  storedHeight: number;
  evidenceSeen: number;
}

function emptyFaults(): Record<FaultKind, number> {
  return Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
}

/** Runs one seed. Deterministic: the same options give the same result. */
export async function runSim(opts: SimOptions): Promise<SimResult> {
  const rng = new Prng(opts.seed);
  const n = opts.validators ?? 4;
  const f = Math.floor((n - 1) / 3);
  const faultsOn = opts.faults ?? true;
  const heightsAfterGst = opts.heightsAfterGst ?? 3;
  const trace: string[] = [];
  const world = new World();
  const note = (line: string): void => {
    if (opts.trace === true) trace.push(`${String(world.now).padStart(7)}ms ${line}`);
  };

  // ---- the consortium ----------------------------------------------------------------------------------------------
  const keyRng = rng.fork();
  const signers = Array.from({ length: n }, () => seededSigner(keyRng));
  const client = seededSigner(keyRng);
  // Membership runs: one more organisation, outside the genesis, that the validators admit.
  const joiner = opts.membership === true ? seededSigner(keyRng) : undefined;
  const allSigners = joiner === undefined ? signers : [...signers, joiner];
  const chainId = `sim-${opts.seed}`;
  const genesis: Genesis = {
    chainId,
    genesisTime: new Date(SIM_EPOCH_MS).toISOString(),
    orgs: [
      ...signers.map((s, i) => ({ id: `v${i}`, name: `validator ${i}`, publicKey: s.publicKey, power: 1 })),
      { id: 'client', name: 'client', publicKey: client.publicKey, power: 0 },
    ],
  };
  const validators = validatorsOf(genesis);
  // the shared registry, not a new one per run: compiling every schema was over a third of a run's CPU
  const checkCtx = checkContext(genesis, sharedRegistry());

  // ---- the faults, all drawn up front ------------------------------------------------------------------------------
  const gstMs = faultsOn ? rng.int(1500, 8000) : 0;
  const byzCount = opts.inject === 'byzantine-over-f' ? f + 1 : opts.byzantine ?? (faultsOn ? rng.int(0, f) : 0);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const byzIdx = new Set(order.slice(0, byzCount));
  const profiles: ByzantineProfile[] = opts.profiles ?? ['equivocate', 'invalid', 'withhold', 'silent'];
  const counts: ByzantineCounts = { 'equivocating-proposal': 0, 'flooding-proposal': 0, 'invalid-tx': 0, 'equivocating-vote': 0, 'invalid-proposal': 0, 'invalid-vote': 0, 'bad-signature': 0, withheld: 0, silent: 0 };
  const invalidBlocks = new Set<string>();
  const honestIdx = order.filter((i) => !byzIdx.has(i));
  const collusion = opts.inject === 'byzantine-over-f'
    ? { halfB: new Set(honestIdx.slice(0, Math.floor(honestIdx.length / 2))), members: byzIdx, values: new Map<string, { a: string; b: string }>() }
    : undefined;
  const nodes: SimNode[] = allSigners.map((signer, index) => ({
    index,
    signer,
    orgId: `v${index}`,
    adversary: byzIdx.has(index) && index < n
      ? {
          profile: collusion !== undefined ? 'collude' : rng.pick(profiles),
          signer,
          chainId,
          rng: rng.fork(),
          halfB: new Set(rng.shuffle(order.filter((i) => i !== index)).slice(0, Math.floor((n - 1) / 2))),
          counts,
          invalid: invalidBlocks,
          ...(collusion === undefined ? {} : { collusion }),
        }
      : null,
    disk: new MemoryDisk(),
    skewMs: faultsOn ? rng.int(-200, 200) : 0,
    up: false,
    permanentlyDown: false,
    incarnation: 0,
    node: undefined,
    driver: undefined,
    storedHeight: 0,
    evidenceSeen: 0,
  }));
  const honest = nodes.filter((x) => x.adversary === null);
  const netFaults: NetFaults = {
    gstMs,
    dropProbability: faultsOn ? rng.pick([0, 0.02, 0.1, 0.25]) : 0,
    duplicateProbability: faultsOn ? rng.pick([0, 0.02, 0.1]) : 0,
    delayMsMax: faultsOn ? rng.int(10, 400) : DELTA_MS,
    spikeProbability: faultsOn ? rng.pick([0, 0.01, 0.05]) : 0,
    partitions: [],
  };
  const faults = emptyFaults();
  faults.byzantine = byzCount;
  if (faultsOn) {
    for (let p = rng.int(0, 2); p > 0; p--) {
      const startMs = rng.int(0, Math.max(0, gstMs - 500));
      const endMs = rng.int(startMs + 200, gstMs);
      const group = nodes.map(() => rng.int(0, 1));
      netFaults.partitions.push({ startMs, endMs, group });
      faults.partition++;
    }
  }

  // The validator set of each height, as the honest nodes' committed state has it (first seen; agreement checks the rest).
  const setAt = new Map<number, { key: string; power: number }[]>();
  const checkers = new Checkers({
    validators: validators.map((v) => ({ key: v.publicKey, power: v.power })),
    ...(joiner === undefined ? {} : { validatorsAt: (h: number) => setAt.get(h) ?? validators.map((v) => ({ key: v.publicKey, power: v.power })) }),
    honest: new Set(honest.map((x) => x.signer.publicKey)),
    blockValid: (hash) => !invalidBlocks.has(hash),
    sigValid: (v: Vote) => verifySignature(v.from, voteSignBytes(chainId, v.type, v.height, v.round, v.blockHash), v.sig),
  });
  const net = new SimNetwork(world, rng.fork(), netFaults, nodes.map((x) => ({ key: x.signer.publicKey, orgId: x.orgId })), (i) => nodes[i]!.adversary === null);

  // ---- nodes: start, crash, restart --------------------------------------------------------------------------------
  const start = (x: SimNode): void => {
    x.up = true;
    x.incarnation++;
    const transport = net.attach(x.index);
    const clock = new SimClock(world, x.skewMs, { index: x.index, incarnation: x.incarnation });
    const store = new MemoryStore(x.disk);
    const node = new MachiNode({ genesis, publicKey: x.signer.publicKey, store, checker: new InProcessChecker(checkCtx), clock: () => clock.now(), registry: checkCtx.registry, orgId: x.orgId });
    const driver = new ConsensusDriver({
      node,
      signer: x.signer,
      net: transport,
      clock,
      log: (line) => note(`${x.orgId}#${x.incarnation}: ${line}`),
      ...(opts.inject === 'forget-double-sign-guard' && x.adversary === null ? { unsafe: { forgetDoubleSignGuard: true } } : {}),
    });
    if (x.adversary !== null) corrupt(x.adversary, transport, () => node);
    else {
      observeHonest(x, transport);
      countChecks(x, transport, node);
    }
    node.on('block', (b) => {
      x.storedHeight = b.header.height;
      if (joiner !== undefined && x.adversary === null && !setAt.has(b.header.height + 1)) {
        setAt.set(b.header.height + 1, node.validators.map((v) => ({ key: v.publicKey, power: v.power })));
        if (b.commit.signatures.some((sg) => sg.validator === joiner.publicKey)) joinerSigned.add(b.header.height);
      }
      if (x.adversary === null) checkers.onStore(x.orgId, b.header.height, b.hash, b.commit, world.now);
    });
    x.node = node;
    x.driver = driver;
    note(`${x.orgId} starts (incarnation ${x.incarnation}) at height ${node.head.height}`);
    driver.start();
  };

  /** What an honest node signs, as its peers receive it: the double-sign checker's input (across crashes). */
  const observeHonest = (x: SimNode, transport: ReturnType<SimNetwork['attach']>): void => {
    transport.observe = (raw) => {
      const m = raw as WireMessage;
      let signed: UnsignedMessage | undefined;
      if (m.t === 'vote' && m.vote.from === x.signer.publicKey) {
        const { sig: _sig, ...rest } = m.vote;
        signed = rest;
      } else if (m.t === 'proposal' && m.proposal.from === x.signer.publicKey) signed = m.proposal;
      if (signed !== undefined) checkers.onSigned(x.orgId, signed, world.now);
    };
  };

  /**
   * CONS-PROPOSAL-1, seen from outside: per honest incarnation and height, the blocks it checks for proposals (sync
   * aside) are at most one per round with a proposal (received or its own), and at most BLOCKS_PER_HEIGHT_MAX.
   */
  const proposalRounds = new Map<string, Set<number>>();
  const blockChecks = new Map<string, number>();
  const countChecks = (x: SimNode, transport: ReturnType<SimNetwork['attach']>, node: MachiNode): void => {
    const tag = (height: unknown): string => `${x.orgId}#${x.incarnation} height ${String(height)}`;
    const round = (m: WireMessage): void => {
      if (m?.t !== 'proposal' || typeof m.proposal !== 'object' || m.proposal === null) return;
      const k = tag(m.proposal.height);
      if (!proposalRounds.has(k)) proposalRounds.set(k, new Set());
      proposalRounds.get(k)!.add(m.proposal.round);
    };
    transport.received = (raw) => round(raw as WireMessage);
    // Proposals kept on the disk by an earlier incarnation were received then: a restart re-checks their blocks.
    const kept = x.disk.meta.get(GUARD_META_KEY);
    for (const p of kept === undefined ? [] : (JSON.parse(kept) as { proposals?: { proposal: unknown }[] }).proposals ?? []) round({ t: 'proposal', proposal: p.proposal } as WireMessage);
    const observed = transport.observe;
    transport.observe = (raw) => {
      observed?.(raw);
      round(raw as WireMessage);
    };
    let syncing = false;
    const applySynced = node.applySynced.bind(node);
    node.applySynced = (block, commit) => {
      syncing = true; // applySynced calls checkBlock before its first await
      try {
        return applySynced(block, commit);
      } finally {
        syncing = false;
      }
    };
    const checkBlock = node.checkBlock.bind(node);
    node.checkBlock = (block) => {
      if (!syncing) {
        const k = tag((block.header as { height?: unknown } | undefined)?.height);
        blockChecks.set(k, (blockChecks.get(k) ?? 0) + 1);
      }
      return checkBlock(block);
    };
  };

  /** honest drivers' missing-transaction fetches, summed over incarnations */
  const fetched = { fetches: 0, received: 0 };
  const collectFetches = (x: SimNode): void => {
    if (x.adversary !== null || x.driver === undefined) return;
    fetched.fetches += x.driver.fetchCounts.fetches;
    fetched.received += x.driver.fetchCounts.received;
  };

  const crash = (x: SimNode, permanent: boolean): void => {
    if (!x.up) return;
    collectFetches(x);
    x.up = false;
    x.permanentlyDown = permanent;
    x.node?.store.close(); // anything the dead incarnation still tries to write is lost
    net.detach(x.index);
    x.node = undefined;
    x.driver = undefined;
    note(`${x.orgId} crashes${permanent ? ' for good' : ''}`);
  };

  if (faultsOn) {
    const crashable = honest.filter((x) => x.index < n).map((x) => x.index);
    const crashes = Math.max(opts.crashesMin ?? 0, rng.int(0, 2));
    for (let c = 0; c < crashes && crashable.length > 0; c++) {
      const x = nodes[rng.pick(crashable)]!;
      const atMs = rng.int(300, Math.max(301, gstMs - 300));
      const backMs = rng.int(atMs + 100, Math.max(atMs + 101, gstMs));
      world.schedule(atMs, () => {
        if (!x.up || x.permanentlyDown) return;
        faults.crash++;
        crash(x, false);
        world.schedule(backMs - atMs, () => {
          if (x.up || x.permanentlyDown) return;
          faults.restart++;
          start(x);
        });
      });
    }
    // A permanent crash only while Byzantine and crashed power stay within f.
    if (byzCount < f && rng.chance(0.3)) {
      const x = nodes[rng.pick(crashable)]!;
      world.schedule(rng.int(300, gstMs + 2000), () => {
        faults['permanent-crash']++;
        if (x.up) crash(x, true);
        else x.permanentlyDown = true;
      });
    }
  }
  for (const p of netFaults.partitions) world.schedule(p.endMs, () => net.heal(p.group));

  // ---- the client: a few transactions at a time to a random live node -----------------------------------------------
  let txCounter = 0;
  const submitSome = (): void => {
    const live = nodes.filter((x) => x.up && x.node !== undefined);
    if (live.length > 0) {
      const target = rng.pick(live);
      const txs = Array.from({ length: rng.int(1, 3) }, () => signTx({
        chainId,
        type: 'notary.record',
        payload: { hash: randomHex(rng, 64), label: `sim ${opts.seed} doc ${txCounter++}` },
        signer: client.publicKey,
        nonce: randomHex(rng, 32),
        time: SIM_EPOCH_MS + world.now,
      }, client.sign));
      void target.node!.submit(txs).catch((e: unknown) => {
        if (!(e instanceof MachiError) && target.up) checkers.report('exception', world.now, `${target.orgId}: submit threw ${(e as Error).message}`);
      });
    }
    world.schedule(rng.int(CLIENT_INTERVAL_MS / 2, CLIENT_INTERVAL_MS * 3 / 2), submitSome);
  };

  // ---- membership by decision: admit the joiner, then remove the last genesis validator -----------------------------
  const joinerSigned = new Set<number>();
  const effective: number[] = [];
  if (joiner !== undefined) {
    const sign = (who: Signer, type: string, payload: Record<string, unknown>): SignedTx => signTx({
      chainId, type, payload, signer: who.publicKey, nonce: randomHex(rng, 32), time: SIM_EPOCH_MS + world.now,
    }, who.sign);
    const removed = signers[n - 1]!;
    const changes = [
      { change: { op: 'add', org: { id: `v${n}`, name: `validator ${n}`, publicKey: joiner.publicKey, power: 1 } }, by: signers.slice(0, n - 1) },
      { change: { op: 'remove', org: `v${n - 1}` }, by: [...signers.slice(0, n - 1), joiner] },
    ];
    const drive = (): void => {
      // What the validators' operators see on a live honest node, and what they sign next (resubmitted until it holds:
      // the network and crashes lose transactions).
      const view = honest.find((x) => x.up && x.node !== undefined && x.index < n);
      if (view !== undefined) {
        const node = view.node!;
        const set = memberSetAt(genesis.orgs, (k) => node.store.read(k), node.head.height + 1);
        const step = changes[set.epoch];
        if (set.epoch > effective.length) effective.push(set.from);
        const pending = node.store.read(CONSORTIUM_NEXT_KEY);
        if (step !== undefined && (pending === undefined || (JSON.parse(pending) as { from: number }).from <= node.head.height + 1)) {
          const open = consortiumProposals((p, l) => node.store.scan(p, l)).filter((p) => p.epoch === set.epoch && p.status === 'open');
          const target = rng.pick(nodes.filter((x) => x.up && x.node !== undefined));
          let txs: SignedTx[];
          if (open.length === 0) txs = [sign(step.by[0]!, 'consortium.propose', { epoch: set.epoch, change: step.change })];
          else {
            const p = open[0]!;
            txs = step.by.filter((s) => !p.approvals.includes(set.orgs.find((o) => o.publicKey === s.publicKey)?.id ?? '')).map((s) => sign(s, 'consortium.approve', { proposal: p.id }));
          }
          faults['set-change'] += txs.length > 0 ? 1 : 0;
          void target.node!.submit(txs).catch(() => undefined);
        }
      }
      world.schedule(rng.int(300, 900), drive);
    };
    world.schedule(rng.int(200, 1000), drive);
    void removed;
  }

  // ---- run -----------------------------------------------------------------------------------------------------------
  for (const x of nodes) start(x);
  world.schedule(0, submitSome);
  const deadlineMs = gstMs + LIVENESS_BASE_MS + LIVENESS_PER_HEIGHT_MS * heightsAfterGst;
  let requiredHeight = Number.POSITIVE_INFINITY;
  let reachedAtMs: number | undefined;
  world.schedule(gstMs, () => {
    requiredHeight = Math.max(...honest.map((x) => x.storedHeight)) + heightsAfterGst;
    note(`GST: the network is stable; every live honest node must store height ${requiredHeight} by ${deadlineMs}ms`);
  });
  const liveHonest = (): SimNode[] => honest.filter((x) => !x.permanentlyDown);
  /** membership runs: the node is in the final set (epoch 2), and the joiner has signed a commit since its admission */
  const membershipDone = (x: SimNode): boolean => joiner === undefined || (x.node !== undefined && x.node.epoch >= 2 && joinerSigned.size > 0);
  while (world.queue.size > 0) {
    const ev = world.queue.pop()!;
    if (ev.cancelled) continue;
    if (ev.atMs > deadlineMs) break;
    world.now = ev.atMs;
    if (ev.owner !== undefined && nodes[ev.owner.index]!.incarnation !== ev.owner.incarnation) continue; // a dead incarnation's timer
    if (ev.owner !== undefined && !nodes[ev.owner.index]!.up) continue;
    world.events++;
    try {
      ev.run();
    } catch (e) {
      const who = ev.owner === undefined ? 'the network' : nodes[ev.owner.index]!.orgId;
      checkers.report('exception', world.now, `${who}: ${(e as Error).stack ?? String(e)}`);
    }
    await drainMicrotasks();
    if (world.now >= gstMs && liveHonest().every((x) => x.up && x.storedHeight >= requiredHeight && membershipDone(x))) {
      reachedAtMs = world.now;
      break;
    }
    if (opts.stopOnViolation === true && checkers.violations.length > 0) break;
    if (world.events > EVENTS_MAX) {
      checkers.report('event-limit', world.now, `more than ${EVENTS_MAX} events`);
      break;
    }
  }
  const diskWrites = nodes.reduce((s, x) => s + x.disk.writes, 0);

  // Evidence recorded by honest nodes must name Byzantine validators only.
  for (const x of honest) {
    const raw = x.disk.meta.get(EVIDENCE_META_KEY);
    for (const e of raw === undefined ? [] : (JSON.parse(raw) as { validator: string }[])) checkers.onEvidenceRecord(x.orgId, e.validator, world.now);
  }
  for (const [k, checks] of blockChecks) {
    const rounds = proposalRounds.get(k)?.size ?? 0;
    if (checks > Math.min(rounds, BLOCKS_PER_HEIGHT_MAX)) checkers.report('check-bound', world.now, `${k}: ${checks} block checks for proposals of ${rounds} round(s)`);
  }
  const live = liveHonest().map((x) => ({ key: x.orgId, storedHeight: x.up ? x.storedHeight : -1 }));
  if (joiner !== undefined) {
    for (const x of liveHonest()) if (x.up && (x.node?.epoch ?? 0) < 2) checkers.report('membership', world.now, `${x.orgId} ends in epoch ${x.node?.epoch ?? '?'}, not 2`);
    if (joinerSigned.size === 0) checkers.report('membership', world.now, 'the admitted organisation signed no commit');
  }
  checkers.finish(live, requiredHeight, world.now, deadlineMs);
  for (const x of nodes) {
    collectFetches(x);
    x.driver?.close();
  }

  Object.assign(faults, {
    drop: net.counts.drop, duplicate: net.counts.duplicate, reorder: net.counts.reorder, 'delay-spike': net.counts['delay-spike'],
    'partition-drop': net.counts['partition-drop'], disconnect: net.counts.disconnect, 'honest-disconnect': net.counts['honest-disconnect'],
    'gossip-disconnect': net.counts['gossip-disconnect'],
    'tx-fetch': fetched.fetches, 'tx-fetched': fetched.received,
    ...counts,
  });
  return {
    seed: opts.seed,
    validators: n,
    f,
    byzantine: nodes.filter((x) => x.adversary !== null).map((x) => `${x.orgId}:${x.adversary!.profile}`),
    gstMs,
    endMs: world.now,
    decidedHeight: Math.min(...liveHonest().map((x) => x.storedHeight)),
    requiredHeight,
    recoveryMs: reachedAtMs === undefined ? -1 : reachedAtMs - gstMs,
    faults,
    evidenceReported: checkers.evidenceReported,
    ...(joiner === undefined ? {} : { membership: { epochs: liveHonest().map((x) => x.node?.epoch ?? -1), joinerSigned: joinerSigned.size, effective } }),
    messages: net.counts.sent,
    diskWrites,
    events: world.events,
    violations: checkers.violations,
    trace,
  };
}

/** The transaction types compile their schemas once per process (the registry is stateless). */
let registry: TxTypeRegistry | undefined;
function sharedRegistry(): TxTypeRegistry {
  registry ??= createRegistry();
  return registry;
}

/** The node's stateless transaction checks, run synchronously on the simulator's thread (one schema registry for all). */
class InProcessChecker implements TxChecker {
  constructor(private readonly ctx: ReturnType<typeof checkContext>) {}
  check(values: readonly unknown[]): Promise<CheckOutcome[]> {
    return Promise.resolve(checkMany(values, this.ctx));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Lets every promise continuation queued by the last event run (no I/O is pending: this is all that is queued). */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface SimSummary {
  seedsRun: number;
  faults: Record<FaultKind, number>;
  /** sum over seeds of the lowest height every live honest node stored */
  heights: number;
  evidenceReported: number;
  messages: number;
  events: number;
  maxRecoveryMs: number;
  violations: number;
  violationsByKind: Record<string, number>;
  failedSeeds: number[];
  firstViolations: { seed: number; violation: Violation }[];
}

export async function runSeeds(from: number, count: number, common: Omit<SimOptions, 'seed'> = {}): Promise<SimSummary> {
  const s: SimSummary = {
    seedsRun: 0, faults: emptyFaults(), heights: 0, evidenceReported: 0, messages: 0, events: 0, maxRecoveryMs: 0,
    violations: 0, violationsByKind: {}, failedSeeds: [], firstViolations: [],
  };
  for (let seed = from; seed < from + count; seed++) {
    const r = await runSim({ ...common, seed });
    s.seedsRun++;
    for (const k of FAULT_KINDS) s.faults[k] += r.faults[k];
    s.heights += r.decidedHeight;
    s.evidenceReported += r.evidenceReported;
    s.messages += r.messages;
    s.events += r.events;
    s.maxRecoveryMs = Math.max(s.maxRecoveryMs, r.recoveryMs);
    if (r.violations.length > 0) {
      s.failedSeeds.push(seed);
      if (s.firstViolations.length < 10) s.firstViolations.push({ seed, violation: r.violations[0]! });
    }
    for (const v of r.violations) {
      s.violations++;
      s.violationsByKind[v.kind] = (s.violationsByKind[v.kind] ?? 0) + 1;
    }
  }
  return s;
}
