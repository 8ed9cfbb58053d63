/**
 * Demo data for `machi up` (`machi start --demo`): a handful of accounts for every role of this organisation, and —
 * on the property company's node — the residents of a fictitious community, registered like any other subjects
 * (encrypted here, commitments on the ledger) with a few grants to departments. Idempotent: seeds once per data dir.
 */
import type { Role } from '@machi/core';
import type { AccountStore } from '../auth/accounts.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { demoResidents } from './demo.js';
import type { PrivacyService } from './service.js';
import type { Vault } from './vault.js';

export const DEMO_PASSWORD = 'machi-demo-2026';
export const DEMO_RESIDENTS = 12;
export const DEMO_RESIDENT_ACCOUNTS = 4;

/** Accounts per organisation: [username, role, display name]. */
const DEMO_ACCOUNTS: Record<string, [string, Role, string][]> = {
  'street-office': [['zhou.official', 'official', '周主任 (street office)'], ['qian.official', 'official', '钱科员 (street office)']],
  'property-company': [
    ['li.staff', 'property-staff', '李经理 (property staff)'],
    ['chen.dispatch', 'dispatcher', '陈调度 (dispatcher)'],
    ['wang.worker', 'maintenance-worker', '王师傅 (maintenance)'],
    ['zhao.worker', 'maintenance-worker', '赵师傅 (maintenance)'],
    ...Array.from({ length: DEMO_RESIDENT_ACCOUNTS }, (_, i): [string, Role, string] => [`resident${i + 1}`, 'resident', `resident ${i + 1}`]),
  ],
  'power-company': [['sun.grid', 'grid-worker', '孙电工 (grid worker)'], ['wu.utility', 'utility-staff', '吴专员 (power utility)']],
  auditor: [['he.audit', 'regulator', '何审计 (regulator)']],
  'water-company': [['zheng.utility', 'utility-staff', '郑专员 (water utility)']],
  'civil-affairs': [['feng.official', 'official', '冯科长 (civil affairs)']],
  police: [['xu.police', 'official', '许警官 (police)']],
};

/** Creates this organisation's demo accounts if it has none; returns the list to print. */
export async function seedAccounts(accounts: AccountStore, org: string): Promise<{ username: string; role: Role }[]> {
  const list = DEMO_ACCOUNTS[org] ?? [[`${org}.official`, 'official', `${org} official`]];
  if (accounts.listUsers(org).length === 0) {
    for (const [username, role, displayName] of list) await accounts.createUser({ org, username, role, displayName, password: DEMO_PASSWORD });
  }
  return list.map(([username, role]) => ({ username, role }));
}

/** On the property company's node: registers the demo residents and links the resident accounts to them. */
export async function seedCommunity(service: PrivacyService, vault: Vault, accounts: AccountStore, secret: Uint8Array, org: string): Promise<number> {
  if (org !== 'property-company' || vault.getMeta('demo_seeded') !== undefined) return 0;
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
  vault.setMeta('demo_seeded', new Date().toISOString());
  return residents.length;
}
