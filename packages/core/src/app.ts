/** The application: every domain module's transaction types in one registry. Add a module here. */
import { notaryTypes } from './modules/notary/index.js';
import { createPrivacyTypes, type AnomalyConfig } from './modules/privacy/index.js';
import { repairsTypes } from './modules/repairs/index.js';
import { identityTypes } from './modules/identity/index.js';
import { TxTypeRegistry } from './state/registry.js';

export interface RegistryOptions {
  /** a chain's anomaly-rule parameters (over DEFAULT_ANOMALY_CONFIG); every node of the chain must use the same */
  privacy?: Partial<AnomalyConfig>;
}

export function createRegistry(options: RegistryOptions = {}): TxTypeRegistry {
  const registry = new TxTypeRegistry();
  for (const t of notaryTypes) registry.register(t);
  for (const t of createPrivacyTypes(options.privacy)) registry.register(t);
  for (const t of repairsTypes) registry.register(t);
  for (const t of identityTypes) registry.register(t);
  return registry;
}
