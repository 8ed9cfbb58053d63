/**
 * Rule changes by height. A handler rule that would refuse or change what an older block did is a fork: a chain that
 * already holds such a block would no longer replay. So each such rule has a name, and a chain's genesis says from
 * which height it holds (`rules`); a chain whose genesis does not name a rule never applies it. New chains (`machi
 * genesis`, `machi up`) take every rule below from height 1. Changing an existing chain's rules by decision of its
 * members belongs with membership changes (issue 18). docs/spec/state-machine.md#rules
 */

/** `privacy.access` with reason `self` only for a resident's read recorded by the subject's holder (issue 11.3). */
export const RULE_PRIVACY_SELF_AT_HOLDER = 'privacy.self-at-holder';

/**
 * The ledger carries per-context pseudonyms, never one identifier of a person across modules (issue 11.1):
 * `privacy.access` and `identity.consent` name the person by a pseudonym the holding organisation derives per context
 * (`psn_…`, not the subject id `sub_…`), `identity.consent` no longer names the service (its session does, and the
 * consent's pseudonym is for that session only) nor the holder's grant, and a user's actor pseudonym is derived per
 * module (the node's part). docs/spec/privacy.md#how-the-linkages-are-closed
 */
export const RULE_LEDGER_CONTEXT_PSEUDONYMS = 'ledger.context-pseudonyms';

/** Every rule a new chain takes from its first block. */
export const CURRENT_RULES: readonly string[] = [RULE_PRIVACY_SELF_AT_HOLDER, RULE_LEDGER_CONTEXT_PSEUDONYMS];

/** A chain's rules: name → the first height it holds at. */
export type ChainRules = Readonly<Record<string, number>>;

/** Whether `rule` holds at `height` on a chain with `rules`. */
export const ruleHolds = (rules: ChainRules | undefined, rule: string, height: number): boolean => {
  const from = rules?.[rule];
  return from !== undefined && height >= from;
};

/** Whether a chain names `rule` at all (a node's off-chain formats follow the chain's, e.g. per-module actor pseudonyms). */
export const chainNamesRule = (rules: ChainRules | undefined, rule: string): boolean => rules?.[rule] !== undefined;

/** The rules of a new chain: every current rule from height 1. */
export const newChainRules = (): Record<string, number> => Object.fromEntries(CURRENT_RULES.map((r) => [r, 1]));
