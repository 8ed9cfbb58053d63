/**
 * Demo accounts for `machi up` (`machi start --demo`): a handful of accounts for every role of each organisation, all
 * with one printed password. Idempotent: an organisation that has accounts gets none. Modules seed their own demo data
 * (their `seed`), referring to these accounts by name.
 */
import type { Role } from '@machi/core';
import type { AccountStore } from './accounts.js';
import { actorOf, type Principal } from './principal.js';

export const DEMO_PASSWORD = 'machi-demo-2026';
export const DEMO_RESIDENT_ACCOUNTS = 4;

/** Accounts per organisation: [username, role, display name]. */
const DEMO_ACCOUNTS: Record<string, [string, Role, string][]> = {
  'street-office': [
    ['zhou.official', 'official', '周主任 (street office)'],
    ['qian.official', 'official', '钱科员 (street office)'],
    ['lin.centre', 'dispatcher', '林值班 (command centre)'],
    ['ma.grid', 'grid-worker', '马网格员 (grid worker, grid 1)'],
    ['yang.grid', 'grid-worker', '杨网格员 (grid worker, grid 2)'],
  ],
  'property-company': [
    ['li.staff', 'property-staff', '李经理 (property staff)'],
    ['chen.dispatch', 'dispatcher', '陈调度 (dispatcher)'],
    ['wang.worker', 'maintenance-worker', '王师傅 (maintenance)'],
    ['zhao.worker', 'maintenance-worker', '赵师傅 (maintenance)'],
    ...Array.from({ length: DEMO_RESIDENT_ACCOUNTS }, (_, i): [string, Role, string] => [`resident${i + 1}`, 'resident', `resident ${i + 1}`]),
  ],
  'power-company': [['sun.line', 'line-worker', '孙电工 (line worker)'], ['wu.utility', 'utility-staff', '吴专员 (power utility)']],
  auditor: [['he.audit', 'regulator', '何审计 (regulator)']],
  'water-company': [['zheng.utility', 'utility-staff', '郑专员 (water utility)']],
  'civil-affairs': [['feng.official', 'official', '冯科长 (civil affairs)']],
  // police, urban management, the comprehensive management office and the judicial office: on their own node where
  // they run a validator, else hosted on the street office's node (docs/decisions/0001-hosted-departments.md)
  police: [['xu.police', 'official', '许警官 (police)'], ['tang.police', 'dispatcher', '唐警官 (police duty desk)']],
  'urban-management': [['guo.urban', 'official', '郭队长 (urban management)'], ['luo.urban', 'dispatcher', '罗队员 (urban management)']],
  'comprehensive-management': [['deng.zongzhi', 'official', '邓主任 (comprehensive management)']],
  judiciary: [['song.judicial', 'official', '宋调解员 (judicial office)']],
  // welfare funds: the treasury's instructions and the paying bank's receipts (hosted like the departments)
  'finance-bureau': [['qian.finance', 'official', '钱科员 (finance bureau)']],
  'agent-bank': [['zhao.bank', 'official', '赵经理 (agent bank)']],
  // property services: the maintenance fund's approvals and transfers (hosted like the departments)
  'housing-bureau': [['gao.housing', 'official', '高科长 (housing bureau)']],
};

/** Creates this organisation's demo accounts if it has none; returns the list to print. */
export async function seedAccounts(accounts: AccountStore, org: string): Promise<{ username: string; role: Role }[]> {
  const list = DEMO_ACCOUNTS[org] ?? [[`${org}.official`, 'official', `${org} official`]];
  if (accounts.listUsers(org).length === 0) {
    for (const [username, role, displayName] of list) await accounts.createUser({ org, username, role, displayName, password: DEMO_PASSWORD });
  }
  return list.map(([username, role]) => ({ username, role }));
}


/** A demo account as the principal it acts as, or undefined if this organisation has no such account. */
export function demoPrincipal(accounts: AccountStore, secret: Uint8Array, org: string, username: string): Principal | undefined {
  const u = accounts.findUser(org, username);
  return u === undefined ? undefined : { userId: u.id, username: u.username, org, role: u.role, actor: actorOf(org, u.id, secret) };
}
