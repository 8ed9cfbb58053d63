/** The application: every registered module's transaction types in one registry (modules/index.ts lists them). */
import { CASE_KINDS, CORE_MODULES } from './modules/index.js';
import type { AnomalyConfig } from './modules/privacy/index.js';
import { TxTypeRegistry } from './state/registry.js';
import { assert } from './assert.js';
import type { ChainRules } from './foundation/rules.js';

export interface RegistryOptions {
  /** a chain's anomaly-rule parameters (over DEFAULT_ANOMALY_CONFIG); every node of the chain must use the same */
  privacy?: Partial<AnomalyConfig>;
  /** the chain's rules by height (its genesis' `rules`) */
  rules?: ChainRules;
}

export function createRegistry(options: RegistryOptions = {}): TxTypeRegistry {
  const registry = new TxTypeRegistry();
  for (const m of CORE_MODULES) {
    for (const t of m.txTypes({ ...options, caseKinds: CASE_KINDS })) {
      assert(m.typePrefixes.some((p) => t.type.startsWith(p)), `transaction type ${t.type} is outside module ${m.name}'s prefixes`);
      registry.register(t);
    }
  }
  return registry;
}
