/** Demo repair requests (filled in below). */
import type { AuthOptions } from '../../auth/plugin.js';
import type { MachiNode } from '../../node/node.js';
import type { RepairsService } from './service.js';

export async function seedRepairs(_service: RepairsService, _auth: AuthOptions, _node: MachiNode): Promise<string[]> {
  return [];
}
