/** The application: every domain module's transaction types in one registry. Add a module here. */
import { notaryTypes } from './modules/notary/index.js';
import { TxTypeRegistry } from './state/registry.js';

export function createRegistry(): TxTypeRegistry {
  const registry = new TxTypeRegistry();
  for (const t of notaryTypes) registry.register(t);
  return registry;
}
