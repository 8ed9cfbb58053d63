/** Demo data for `machi up`: see seedFunds. */
import type { AuthOptions } from '../../auth/plugin.js';
import type { MachiNode } from '../../node/node.js';
import type { PrivacyExports } from '../privacy/index.js';
import type { FundsService } from './service.js';

export async function seedFunds(_s: FundsService, _auth: AuthOptions, _node: MachiNode, _privacy: PrivacyExports): Promise<string[]> {
  return [];
}
