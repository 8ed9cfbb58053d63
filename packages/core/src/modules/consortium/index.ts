/**
 * consortium — membership by decision. Adding or removing an organisation, changing its voting power or rotating its
 * key is a proposal (`consortium.propose`, by a validator of the current set, counting as its approval) that other
 * validators approve (`consortium.approve`). When the approvers hold more than 2/3 of the current set's power, the new
 * set is written to `consortium/next` with the height it holds from: the approving block's height + 2. From that
 * height the new set signs the blocks (their `validatorsHash`), and only its members' transactions are executed.
 * Each change is certified by the set before it (membership.ts). Also: validators' snapshot checkpoints
 * (`consortium.checkpoint`), which a joining node counts to trust a state snapshot (snapshot.ts).
 * docs/spec/consensus.md#membership
 */
import { MachiError } from '../../errors.js';
import type { Org } from '../../genesis.js';
import type { TxType } from '../../state/registry.js';
import { defineCoreModule } from '../../foundation/module.js';
import { HASH_HEX_PATTERN, ORG_ID_PATTERN } from '../../foundation/patterns.js';
import { ID_CHARS_MAX, ORGS_MAX, VOTING_POWER_TOTAL_MAX } from '../../limits.js';
import { CONSORTIUM_ERRORS } from './errors.js';

export { CONSORTIUM_ERRORS } from './errors.js';
export * from './set.js';
import { CONSORTIUM_NEXT_KEY, CONSORTIUM_SET_KEY, SET_CHANGE_DELAY_HEIGHTS, consortiumProposalKey, consortiumCheckpointKey, genesisSet, type MemberSet } from './set.js';

export const ORG_NAME_CHARS_MAX = 200;
/** open proposals kept per epoch; more are refused until a change takes effect */
export const CONSORTIUM_OPEN_PROPOSALS_MAX = 16;

export type MembershipChange =
  | { op: 'add'; org: Org }
  | { op: 'remove'; org: string }
  | { op: 'set-power'; org: string; power: number }
  | { op: 'rotate-key'; org: string; publicKey: string };

export interface ProposePayload {
  /** the epoch of the set it changes: refused in any other */
  epoch: number;
  change: MembershipChange;
}
export interface ApprovePayload {
  /** the proposal's id: the hash of its `consortium.propose` transaction */
  proposal: string;
}
export interface CheckpointPayload {
  /** a height at which the signer's node took a snapshot, the block's hash there and the digest of its state */
  height: number;
  blockHash: string;
  stateDigest: string;
}

export interface MembershipProposal {
  id: string;
  epoch: number;
  change: MembershipChange;
  proposer: string;
  /** ids of the approving organisations, the proposer first */
  approvals: string[];
  power: number;
  status: 'open' | 'approved';
  height: number;
  /** when approved: the height the new set holds from */
  effective?: number;
}

/** The set a handler runs under (the executor passes it as the block's organisations), promoting `next` when due. */
function currentSet(ctx: { state: { get(k: string): unknown; set(k: string, v: unknown): void; delete(k: string): void }; height: number; orgsById: ReadonlyMap<string, Org> }): MemberSet {
  const next = ctx.state.get(CONSORTIUM_NEXT_KEY) as MemberSet | undefined;
  if (next !== undefined) {
    if (ctx.height < next.from) throw new MachiError('CONSORTIUM_CHANGE_PENDING', `the set of epoch ${next.epoch} takes effect at height ${next.from}`);
    ctx.state.set(CONSORTIUM_SET_KEY, next);
    ctx.state.delete(CONSORTIUM_NEXT_KEY);
    return next;
  }
  const cur = ctx.state.get(CONSORTIUM_SET_KEY) as MemberSet | undefined;
  return cur ?? genesisSet([...ctx.orgsById.values()]);
}

const ID_RE = new RegExp(ORG_ID_PATTERN);
const KEY_RE = /^[A-Za-z0-9_-]{43}$/;

/** The set after `change`, or CONSORTIUM_CHANGE_INVALID naming why. Pure; orgs stay sorted by id. */
export function applyChange(set: MemberSet, change: MembershipChange, from: number): MemberSet {
  const bad = (why: string): never => {
    throw new MachiError('CONSORTIUM_CHANGE_INVALID', `membership change: ${why}`);
  };
  let orgs = set.orgs.map((o) => ({ ...o }));
  const find = (id: string): Org => orgs.find((o) => o.id === id) ?? bad(`${id} is not a member`);
  switch (change.op) {
    case 'add': {
      const o = change.org;
      if (!ID_RE.test(o.id) || o.id.length > ID_CHARS_MAX) bad('org id');
      if (orgs.some((x) => x.id === o.id)) bad(`${o.id} is already a member`);
      if (orgs.some((x) => x.publicKey === o.publicKey)) bad('the key is already a member\'s');
      if (orgs.length >= ORGS_MAX) bad(`a chain has at most ${ORGS_MAX} organisations`);
      orgs.push({ id: o.id, name: o.name, publicKey: o.publicKey, power: o.power });
      break;
    }
    case 'remove':
      find(change.org);
      orgs = orgs.filter((x) => x.id !== change.org);
      break;
    case 'set-power': {
      const o = find(change.org);
      if (o.power === change.power) bad(`${o.id} already has power ${change.power}`);
      o.power = change.power;
      break;
    }
    case 'rotate-key': {
      const o = find(change.org);
      if (!KEY_RE.test(change.publicKey)) bad('publicKey');
      if (orgs.some((x) => x.publicKey === change.publicKey)) bad('the key is already a member\'s');
      o.publicKey = change.publicKey;
      break;
    }
  }
  const total = orgs.reduce((s, o) => s + o.power, 0);
  if (!orgs.some((o) => o.power > 0)) bad('the set would have no validator');
  if (total > VOTING_POWER_TOTAL_MAX) bad(`total voting power would exceed ${VOTING_POWER_TOTAL_MAX}`);
  orgs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { epoch: set.epoch + 1, from, orgs };
}

const totalPower = (set: MemberSet): number => set.orgs.reduce((s, o) => s + o.power, 0);

function validatorOf(set: MemberSet, publicKey: string): Org {
  const o = set.orgs.find((x) => x.publicKey === publicKey);
  if (o === undefined || o.power === 0) throw new MachiError('CONSORTIUM_NOT_VALIDATOR');
  return o;
}

/** Records an approval; when the approvers hold more than 2/3 of the power, writes the next set. */
function tally(ctx: Parameters<TxType['handle']>[0], set: MemberSet, p: MembershipProposal, org: Org): void {
  p.approvals.push(org.id);
  p.power += org.power;
  if (3 * p.power > 2 * totalPower(set)) {
    const next = applyChange(set, p.change, ctx.height + SET_CHANGE_DELAY_HEIGHTS);
    p.status = 'approved';
    p.effective = next.from;
    ctx.state.set(CONSORTIUM_NEXT_KEY, next);
  }
  ctx.state.set(consortiumProposalKey(p.id), p);
}

const ORG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'publicKey', 'power'],
  properties: {
    id: { type: 'string', pattern: ORG_ID_PATTERN, maxLength: ID_CHARS_MAX },
    name: { type: 'string', minLength: 1, maxLength: ORG_NAME_CHARS_MAX },
    publicKey: { type: 'string', pattern: KEY_RE.source },
    power: { type: 'integer', minimum: 0, maximum: VOTING_POWER_TOTAL_MAX },
  },
};
const ORG_REF = { type: 'string', pattern: ORG_ID_PATTERN, maxLength: ID_CHARS_MAX };

export const consortiumPropose: TxType<ProposePayload> = {
  type: 'consortium.propose',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['epoch', 'change'],
    properties: {
      epoch: { type: 'integer', minimum: 0, maximum: 2 ** 40 },
      change: {
        oneOf: [
          { type: 'object', additionalProperties: false, required: ['op', 'org'], properties: { op: { const: 'add' }, org: ORG_SCHEMA } },
          { type: 'object', additionalProperties: false, required: ['op', 'org'], properties: { op: { const: 'remove' }, org: ORG_REF } },
          { type: 'object', additionalProperties: false, required: ['op', 'org', 'power'], properties: { op: { const: 'set-power' }, org: ORG_REF, power: ORG_SCHEMA.properties.power } },
          { type: 'object', additionalProperties: false, required: ['op', 'org', 'publicKey'], properties: { op: { const: 'rotate-key' }, org: ORG_REF, publicKey: ORG_SCHEMA.properties.publicKey } },
        ],
      },
    },
  },
  handle(ctx, payload) {
    const set = currentSet(ctx);
    const org = validatorOf(set, ctx.tx.signer);
    if (payload.epoch !== set.epoch) throw new MachiError('CONSORTIUM_WRONG_EPOCH', `the proposal is for epoch ${payload.epoch}; the current set is epoch ${set.epoch}`);
    applyChange(set, payload.change, ctx.height + SET_CHANGE_DELAY_HEIGHTS); // refuse now what could never apply
    const openKey = `consortium/open/${set.epoch}`;
    const open = (ctx.state.get(openKey) as number | undefined) ?? 0;
    if (open >= CONSORTIUM_OPEN_PROPOSALS_MAX) throw new MachiError('HANDLER_REJECTED', `at most ${CONSORTIUM_OPEN_PROPOSALS_MAX} proposals per validator set`);
    ctx.state.set(openKey, open + 1);
    const p: MembershipProposal = { id: ctx.txHash, epoch: set.epoch, change: payload.change, proposer: org.id, approvals: [], power: 0, status: 'open', height: ctx.height };
    tally(ctx, set, p, org);
  },
};

export const consortiumApprove: TxType<ApprovePayload> = {
  type: 'consortium.approve',
  schema: { type: 'object', additionalProperties: false, required: ['proposal'], properties: { proposal: { type: 'string', pattern: HASH_HEX_PATTERN } } },
  handle(ctx, payload) {
    const set = currentSet(ctx);
    const org = validatorOf(set, ctx.tx.signer);
    const p = ctx.state.get(consortiumProposalKey(payload.proposal)) as MembershipProposal | undefined;
    if (p === undefined || p.status !== 'open') throw new MachiError('CONSORTIUM_PROPOSAL_NOT_FOUND');
    if (p.epoch !== set.epoch) throw new MachiError('CONSORTIUM_WRONG_EPOCH', `the proposal was for epoch ${p.epoch}; the current set is epoch ${set.epoch}`);
    if (p.approvals.includes(org.id)) throw new MachiError('CONSORTIUM_ALREADY_APPROVED');
    tally(ctx, set, p, org);
  },
};

export const consortiumCheckpoint: TxType<CheckpointPayload> = {
  type: 'consortium.checkpoint',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['height', 'blockHash', 'stateDigest'],
    properties: {
      height: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
      blockHash: { type: 'string', pattern: HASH_HEX_PATTERN },
      stateDigest: { type: 'string', pattern: HASH_HEX_PATTERN },
    },
  },
  handle(ctx, payload) {
    const set = currentSet(ctx);
    const org = validatorOf(set, ctx.tx.signer);
    if (payload.height >= ctx.height) throw new MachiError('HANDLER_REJECTED', 'a checkpoint names a height already committed');
    ctx.state.set(consortiumCheckpointKey(payload.height, org.id), { ...payload, txHash: ctx.txHash });
  },
};

export const consortiumTypes = [consortiumPropose, consortiumApprove, consortiumCheckpoint] as const;

export const consortiumModule = defineCoreModule({
  name: 'consortium',
  dependsOn: [],
  typePrefixes: ['consortium.'],
  statePrefixes: ['consortium/'],
  txTypes: () => consortiumTypes,
  errors: CONSORTIUM_ERRORS,
  spec: 'docs/spec/membership.md',
});

/** Open and approved proposals, newest last (a query over the state). */
export function consortiumProposals(scan: (prefix: string, limit: number) => readonly (readonly [string, string])[]): MembershipProposal[] {
  return scan('consortium/proposals/', 1000).map(([, v]) => JSON.parse(v) as MembershipProposal).sort((a, b) => a.height - b.height);
}

export * from './membership.js';
export * from './snapshot.js';
export * from './keys.js';
