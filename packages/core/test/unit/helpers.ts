/**
 * Shared fixtures for the core unit tests: a genesis with freshly generated organisation keys, signed notary.record
 * transactions, commit certificates signed with precommitSignBytes, and a small in-memory chain built with buildBlock
 * over a MerkleLog / MemoryNodeStore (the nodes each block returns are put in the store, so proofs can be asked for).
 */
import { createHash } from 'node:crypto';
import {
  MachiError,
  MemoryNodeStore,
  MerkleLog,
  blockHash,
  buildBlock,
  checkTx,
  createRegistry,
  generateKeyPair,
  genesisHead,
  orgByKey,
  parseGenesis,
  precommitSignBytes,
  signTx,
  signerFromJwk,
  type BlockExecution,
  type BlockHeader,
  type ChainHead,
  type CheckedTx,
  type Commit,
  type Genesis,
  type SignedTx,
  type Signer,
  type TxBody,
  type TxCheckContext,
  type TxTypeRegistry,
} from '../../src/index.js';

export const GENESIS_TIME = '2025-01-01T00:00:00.000Z';
export const GENESIS_MS = Date.parse(GENESIS_TIME);

export interface TestOrg {
  id: string;
  publicKey: string;
  power: number;
  signer: Signer;
}

export interface TestNet {
  genesis: Genesis;
  /** every org, in genesis order: validators first, then members (power 0) */
  orgs: TestOrg[];
  validators: TestOrg[];
  members: TestOrg[];
  registry: TxTypeRegistry;
  ctx: TxCheckContext;
}

export interface NetOptions {
  /** voting powers of the validators (default: one validator with power 1) */
  powers?: number[];
  /** organisations without a vote */
  members?: number;
  chainId?: string;
  /** reuse these orgs' keys (e.g. a second chain with the same organisations) */
  reuse?: TestOrg[];
  registry?: TxTypeRegistry;
}

export function makeOrg(id: string, power: number): TestOrg {
  const kp = generateKeyPair();
  return { id, publicKey: kp.publicKey, power, signer: signerFromJwk(kp.jwk) };
}

export function makeNet(opts: NetOptions = {}): TestNet {
  const powers = opts.powers ?? [1];
  const members = opts.members ?? 0;
  const orgs: TestOrg[] = [];
  powers.forEach((p, i) => orgs.push(opts.reuse?.[i] ?? makeOrg(`validator-${i}`, p)));
  for (let i = 0; i < members; i++) orgs.push(opts.reuse?.[powers.length + i] ?? makeOrg(`member-${i}`, 0));
  const genesis = parseGenesis({
    chainId: opts.chainId ?? 'machi-test',
    genesisTime: GENESIS_TIME,
    orgs: orgs.map((o) => ({ id: o.id, name: `Org ${o.id}`, publicKey: o.publicKey, power: o.power })),
  });
  const registry = opts.registry ?? createRegistry();
  return {
    genesis,
    orgs,
    validators: orgs.filter((o) => o.power > 0),
    members: orgs.filter((o) => o.power === 0),
    registry,
    ctx: { chainId: genesis.chainId, signers: new Set(genesis.orgs.map((o) => o.publicKey)), registry },
  };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let nonceCounter = 0;
/** A fresh 32-hex-char nonce (unique within the test process). */
export function freshNonce(): string {
  nonceCounter++;
  return sha256Hex(`nonce-${nonceCounter}`).slice(0, 32);
}

export interface NotaryOptions {
  hash?: string;
  label?: string;
  nonce?: string;
  time?: number;
  chainId?: string;
}

let docCounter = 0;
export function notaryBody(net: TestNet, org: TestOrg, o: NotaryOptions = {}): TxBody {
  docCounter++;
  return {
    chainId: o.chainId ?? net.genesis.chainId,
    type: 'notary.record',
    payload: { hash: o.hash ?? sha256Hex(`document ${docCounter}`), label: o.label ?? 'minutes of the meeting' },
    signer: org.publicKey,
    nonce: o.nonce ?? freshNonce(),
    time: o.time ?? GENESIS_MS + 500,
  };
}

export function notaryTx(net: TestNet, org: TestOrg, o: NotaryOptions = {}): SignedTx {
  return signTx(notaryBody(net, org, o), (m) => org.signer.sign(m));
}

/** A commit over `header` signed by `signers` at `round` (default 0). */
export function signCommit(header: BlockHeader, signers: readonly TestOrg[], round = 0): Commit {
  const hash = blockHash(header);
  const message = precommitSignBytes(header.chainId, header.height, round, hash);
  return { height: header.height, round, blockHash: hash, signatures: signers.map((s) => ({ validator: s.publicKey, sig: s.signer.sign(message) })) };
}

/** The smallest set of validators (in genesis order) holding more than 2/3 of the power. */
export function quorum(net: TestNet): TestOrg[] {
  const total = net.validators.reduce((s, v) => s + v.power, 0);
  const out: TestOrg[] = [];
  let power = 0;
  for (const v of net.validators) {
    if (3 * power > 2 * total) break;
    out.push(v);
    power += v.power;
  }
  return out;
}

export interface TestBlock {
  header: BlockHeader;
  commit: Commit;
  /** canonical texts, in block order */
  txs: string[];
  checked: CheckedTx[];
  /** log position of the block's first transaction */
  firstSeq: number;
  execution: BlockExecution;
}

export interface BlockOptions {
  time?: number;
  proposer?: TestOrg;
  signers?: readonly TestOrg[];
  round?: number;
}

/** A chain built the way a proposer builds it: buildBlock over a MerkleLog whose new nodes go into a MemoryNodeStore. */
export class TestChain {
  readonly store = new MemoryNodeStore();
  readonly log = new MerkleLog(this.store, 0);
  readonly state = new Map<string, string>();
  readonly blocks: TestBlock[] = [];
  head: ChainHead;

  constructor(readonly net: TestNet) {
    this.head = genesisHead(net.genesis);
  }

  /** Adds a block of `txs` (checked with checkTx first; nonces are not checked here, on purpose). */
  add(txs: readonly SignedTx[], o: BlockOptions = {}): TestBlock {
    const checked = txs.map((t) => checkTx(t, this.net.ctx));
    const firstSeq = this.log.size;
    const built = buildBlock({
      genesis: this.net.genesis,
      registry: this.net.registry,
      orgs: orgByKey(this.net.genesis),
      prev: this.head,
      time: o.time ?? this.head.time + 1000,
      proposer: (o.proposer ?? this.net.validators[0]!).publicKey,
      log: this.log,
      state: { read: (k) => this.state.get(k) },
      txs: checked,
    });
    this.store.put(built.logNodes);
    for (const [k, v] of built.execution.writes) {
      if (v === null) this.state.delete(k);
      else this.state.set(k, v);
    }
    const header = built.header;
    this.head = { height: header.height, hash: blockHash(header), time: header.time, appHash: header.appHash };
    const block: TestBlock = {
      header,
      commit: signCommit(header, o.signers ?? quorum(this.net), o.round ?? 0),
      txs: checked.map((c) => c.canonical),
      checked,
      firstSeq,
      execution: built.execution,
    };
    this.blocks.push(block);
    return block;
  }
}

/** Runs `f` and returns the MachiError it throws; fails the test if it returns or throws anything else. */
export function machiError(f: () => unknown): MachiError {
  let result: unknown;
  try {
    result = f();
  } catch (e) {
    if (e instanceof MachiError) return e;
    throw new Error(`expected a MachiError, got ${String(e)}`, { cause: e });
  }
  throw new Error(`expected a MachiError, but the call returned ${JSON.stringify(result)?.slice(0, 200)}`);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
