/**
 * Demo data for `machi up` (`machi start --demo`): on the property company's node, the residents of a fictitious community, registered like any other subjects
 * (encrypted here, commitments on the ledger) with a few grants to departments. Idempotent: seeds once per data dir.
 */
import type { AccountStore } from '../../auth/accounts.js';
import { DEMO_RESIDENT_ACCOUNTS } from '../../auth/demo.js';
import { actorOf, type Principal } from '../../auth/principal.js';
import { demoResidents } from './demo.js';
import type { PrivacyService } from './service.js';
import type { Vault } from './vault.js';

export const DEMO_RESIDENTS = 12;

/** On the property company's node: registers the demo residents and links the resident accounts to them. */
export async function seedCommunity(service: PrivacyService, vault: Vault, accounts: AccountStore, secret: Uint8Array, org: string): Promise<number> {
  if (org !== 'property-company' || vault.meta.get('demo_seeded') !== undefined) return 0;
  const staff = accounts.findUser(org, 'li.staff');
  if (staff === undefined) return 0;
  const p: Principal = { userId: staff.id, username: staff.username, org, role: staff.role, actor: actorOf(org, staff.id, secret) };
  const residents = demoResidents(DEMO_RESIDENTS);
  for (const [i, r] of residents.entries()) {
    const resident = i < DEMO_RESIDENT_ACCOUNTS ? accounts.findUser(org, `resident${i + 1}`) : undefined;
    const { subject } = await service.register(p, { ...r }, resident?.id);
    if (i === 0) {
      // The street office may read resident 1's identity and contact for a welfare assessment for a year.
      const now = Date.now();
      await service.grant(p, { subjects: [subject], classes: ['identity', 'contact'], toOrg: 'street-office', toRole: 'official', purpose: 'welfare-assessment', from: now, until: now + 365 * 86_400_000 } as never);
    }
  }
  vault.meta.set('demo_seeded', new Date().toISOString());
  return residents.length;
}
