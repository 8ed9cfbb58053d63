/** Rule changes by height (foundation/rules.ts): named in the genesis, absent on older chains. */
import { describe, expect, it } from 'vitest';
import { CURRENT_RULES, genesisHash, newChainRules, parseGenesis, ruleHolds, RULE_PRIVACY_SELF_AT_HOLDER } from '../../src/index.js';

const base = { chainId: 'machi-rules', genesisTime: '2026-12-07T00:00:00.000Z', orgs: [{ id: 'a', name: 'A', publicKey: 'A'.repeat(42) + 'A', power: 1 }] };

describe('chain rules', () => {
  it('a genesis may name rules with the height they hold from; an older genesis names none and keeps its hash', () => {
    expect(parseGenesis(base).rules).toBeUndefined();
    expect(genesisHash(parseGenesis(base))).toBe(genesisHash(parseGenesis({ ...base })));
    const g = parseGenesis({ ...base, rules: newChainRules() });
    expect(Object.keys(g.rules!)).toEqual([...CURRENT_RULES]);
    expect(genesisHash(g)).not.toBe(genesisHash(parseGenesis(base)));
  });

  it('refuses malformed rules', () => {
    for (const rules of [[], 'x', { 'Bad Name': 1 }, { [RULE_PRIVACY_SELF_AT_HOLDER]: 0 }, { [RULE_PRIVACY_SELF_AT_HOLDER]: 1.5 }]) {
      expect(() => parseGenesis({ ...base, rules }), JSON.stringify(rules)).toThrow(/rule/);
    }
  });

  it('a rule holds from its height, never where the genesis does not name it', () => {
    expect(ruleHolds({ [RULE_PRIVACY_SELF_AT_HOLDER]: 5 }, RULE_PRIVACY_SELF_AT_HOLDER, 4)).toBe(false);
    expect(ruleHolds({ [RULE_PRIVACY_SELF_AT_HOLDER]: 5 }, RULE_PRIVACY_SELF_AT_HOLDER, 5)).toBe(true);
    expect(ruleHolds(undefined, RULE_PRIVACY_SELF_AT_HOLDER, 1_000_000)).toBe(false);
  });
});
