/**
 * Proposer selection: a deterministic weighted round-robin over (height + round). docs/spec/consensus.md#proposer
 *
 * Slot s = (height + round) mod totalPower is mapped by a stride coprime with totalPower (about 0.618 × total, so
 * heavy validators' turns are spread out) onto the validators' cumulative power, in public-key order. Over any
 * totalPower consecutive slots each validator proposes exactly `power` times; with equal powers it is plain rotation.
 * A pure function of its arguments: unlike CometBFT's proposer priorities it needs no state carried between heights.
 */
import { assert } from '../assert.js';
import type { Validator } from '../genesis.js';

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function strideFor(totalPower: number): number {
  let stride = Math.max(1, Math.round(totalPower * 0.6180339887498949));
  while (gcd(stride, totalPower) !== 1) stride += 1;
  return stride;
}

/** Proposer over validators already sorted by public key (as ConsensusState keeps them). */
export function proposerOfSorted(validators: readonly Validator[], totalPower: number, height: number, round: number): string {
  const slot = (height % totalPower + (round % totalPower)) % totalPower;
  const position = Number((BigInt(slot) * BigInt(strideFor(totalPower))) % BigInt(totalPower));
  let cumulative = 0;
  for (const v of validators) {
    cumulative += v.power;
    if (position < cumulative) return v.publicKey;
  }
  throw new Error('invariant violated: proposer position beyond total power (validators and totalPower disagree)');
}

function byKey(a: Validator, b: Validator): number {
  return a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0;
}

/** The proposer of (height, round): deterministic, weighted by power, independent of the order of `validators`. */
export function proposer(validators: readonly Validator[], height: number, round: number): string {
  const sorted = [...validators].sort(byKey);
  const total = sorted.reduce((s, v) => s + v.power, 0);
  assert(total > 0, 'validator set has power');
  return proposerOfSorted(sorted, total, height, round);
}

export function sortValidators(validators: readonly Validator[]): Validator[] {
  return validators.map((v) => ({ publicKey: v.publicKey, power: v.power })).sort(byKey);
}
