/**
 * Demo data for `machi up` (`machi start --demo`), on the street office's node: two programmes (minimum living
 * allowance and the elderly allowance, which do not exclude each other), an existing roll imported by the reviewer
 * with a year of monthly payments and the bank's receipts and reconciliations, one payment that failed and was
 * reissued, one credential revoked so that this month's payment is blocked (the alert), and a notice running now for
 * two new applicants. Each part is signed by its organisation when this node hosts its key (civil affairs, the
 * finance bureau, the agent bank), else by the street office itself (the log says which). Idempotent.
 */
import { randomBytes } from 'node:crypto';
import { periodOf, type CredentialTypeId } from '@machi/core';
import type { AuthOptions } from '../../auth/plugin.js';
import { DEMO_PASSWORD, demoPrincipal } from '../../auth/demo.js';
import type { Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { PrivacyExports } from '../privacy/index.js';
import type { FundsService } from './service.js';

export const FUNDS_DEMO_HOST = 'street-office';
/** The demo beneficiary's own account at the street office (陈桂兰, the first of the roll): "my benefits" in the web app. */
export const FUNDS_DEMO_RESIDENT = 'chen.guilan';
/** The organisations the demo would like for each part; hosted members' keys let the host sign for them. */
export const FUNDS_DEMO_PARTS = { owner: 'civil-affairs', treasury: 'finance-bureau', bank: 'agent-bank' } as const;
const MONTHS_OF_HISTORY = 12;
const DAY_MS = 86_400_000;

type Person = { name: string; building: string; account: string };
const ROLL: readonly (Person & { programme: 'minimum-living' | 'elderly-allowance'; category: string })[] = [
  { name: '陈桂兰', building: 'b1', account: '6222020200112233', programme: 'minimum-living', category: 'single' },
  { name: '刘建国', building: 'b2', account: '6222020200223344', programme: 'minimum-living', category: 'family' },
  { name: '黄秀英', building: 'b2', account: '6222020200334455', programme: 'elderly-allowance', category: 'age-80' },
  { name: '周福生', building: 'b3', account: '6222020200445566', programme: 'elderly-allowance', category: 'age-90' },
];
const NEW_APPLICANTS: readonly Person[] = [
  { name: '林美华', building: 'b1', account: '6222020200556677' },
  { name: '郭志强', building: 'b3', account: '6222020200667788' },
];

export async function seedFunds(s: FundsService, auth: AuthOptions, node: MachiNode, privacy: PrivacyExports): Promise<string[]> {
  if (node.self.id !== FUNDS_DEMO_HOST || s.store.meta.get('demo_seeded') !== undefined) return [];
  const signs = s.signsFor();
  const orgFor = (want: string): string => (signs.includes(want) ? want : FUNDS_DEMO_HOST);
  const owner = orgFor(FUNDS_DEMO_PARTS.owner);
  const treasury = orgFor(FUNDS_DEMO_PARTS.treasury);
  const bank = orgFor(FUNDS_DEMO_PARTS.bank);
  const as = (org: string): Principal =>
    demoPrincipal(auth.accounts, auth.secret, org, org === FUNDS_DEMO_HOST ? 'zhou.official' : `${org}.official`)
    ?? { userId: `funds-demo-${org}`, username: `${org}.official`, org, role: 'official', actor: '' };
  const desk = as(FUNDS_DEMO_HOST);
  const now = node.clock();

  const common = { excludes: [], communities: [FUNDS_DEMO_HOST], reviewer: owner, treasury, bank, recurrence: 'monthly' as const };
  await s.defineProgramme(as(owner), 'minimum-living', {
    ...common, budgetFen: 2_000_000,
    eligibility: [{ type: 'low-income', claims: { eligible: true, category: 'minimum-living' } }],
    categories: [{ category: 'single', amountFen: 80_000 }, { category: 'family', amountFen: 120_000 }],
  });
  await s.defineProgramme(as(owner), 'elderly-allowance', {
    ...common, budgetFen: 1_000_000,
    eligibility: [{ type: 'elderly', claims: { age80OrOver: true } }],
    categories: [{ category: 'age-80', amountFen: 10_000 }, { category: 'age-90', amountFen: 30_000 }],
  });

  // the credentials: issued by civil affairs when hosted here, else by the street office (both may issue these types)
  const issuer = orgFor('civil-affairs');
  const issue = async (type: CredentialTypeId): Promise<{ credentialHash: string; statusIndex: number; expiresAt: number }> => {
    const credentialHash = randomBytes(32).toString('hex');
    const expiresAt = now + 365 * DAY_MS;
    const r = await s.submitterFor(issuer)!.submit('identity.issue', { credentialHash, type, expiresAt, actor: randomBytes(16).toString('hex') });
    if (r.code !== undefined) throw new Error(`demo credential: ${r.message}`);
    const { statusIndex } = JSON.parse(node.store.read(`identity/credential/${credentialHash}`)!) as { statusIndex: number };
    return { credentialHash, statusIndex, expiresAt };
  };
  // the people are registered at the street office like any other subjects (encrypted here, a commitment on the
  // ledger), so a read for their application's case is recorded; the first beneficiary has her own resident account
  const register = async (name: string, linkUser?: string): Promise<string> => (await privacy.service.register(desk, { name }, linkUser)).subject;
  const beneficiary = async (name: string): Promise<string> => {
    const u = auth.accounts.findUser(FUNDS_DEMO_HOST, FUNDS_DEMO_RESIDENT)
      ?? await auth.accounts.createUser({ org: FUNDS_DEMO_HOST, username: FUNDS_DEMO_RESIDENT, role: 'resident', displayName: '陈桂兰 (resident)', password: DEMO_PASSWORD });
    return register(name, privacy.vault.subjectOfUser(u.id) === undefined ? u.id : undefined);
  };

  // the existing roll, approved 13 months ago
  const roll: ((typeof ROLL)[number] & { application: string; credentialHash: string; amountFen: number })[] = [];
  for (const [i, p] of ROLL.entries()) {
    const type: CredentialTypeId = p.programme === 'minimum-living' ? 'low-income' : 'elderly';
    const cred = await issue(type);
    const r = await s.importBeneficiary(as(owner), {
      programme: p.programme, subject: i === 0 ? await beneficiary(p.name) : await register(p.name), name: p.name, building: p.building, category: p.category, accountNumber: p.account,
      credential: { type, issuer, statusIndex: cred.statusIndex, expiresAt: cred.expiresAt }, approvedOn: now - (MONTHS_OF_HISTORY + 1) * 31 * DAY_MS,
    });
    roll.push({ ...p, application: r.id, credentialHash: cred.credentialHash, amountFen: p.category === 'family' ? 120_000 : p.category === 'single' ? 80_000 : p.category === 'age-80' ? 10_000 : 30_000 });
  }

  // a year of monthly payments, the bank's receipt for each; in the 6th month one fails and is reissued
  const periods = Array.from({ length: MONTHS_OF_HISTORY }, (_, i) => periodOf('monthly', now - (MONTHS_OF_HISTORY - i) * 30.5 * DAY_MS));
  for (const [m, period] of periods.entries()) {
    const payments = await Promise.all(roll.map((b) => s.instruct(as(treasury), { application: b.application, period, amountFen: b.amountFen })));
    await Promise.all(roll.map(async (b, i) => {
      if (m === 5 && i === 1) {
        await s.receipt(as(bank), payments[i]!.id, { result: 'failed', reason: 'account-frozen', amountFen: b.amountFen, accountNumber: b.account });
        const again = await s.reissue(as(treasury), payments[i]!.id, { accountNumber: '6222020200998877' });
        await s.receipt(as(bank), again.id, { result: 'paid', amountFen: b.amountFen, accountNumber: '6222020200998877' });
        return;
      }
      await s.receipt(as(bank), payments[i]!.id, { result: 'paid', amountFen: b.amountFen, accountNumber: b.account });
    }));
    await Promise.all(['minimum-living', 'elderly-allowance'].map((programme) => {
      const paid = roll.filter((b) => b.programme === programme);
      return s.reconcile(as(bank), { programme, period, paidCount: paid.length, paidFen: paid.reduce((t, b) => t + b.amountFen, 0), failedCount: m === 5 && programme === 'minimum-living' ? 1 : 0 });
    }));
  }

  // one credential revoked (moved out of the programme's criteria): this month's payment is blocked, an alert raised
  const revoked = roll[2]!;
  const r = await s.submitterFor(issuer)!.submit('identity.status', { credentialHash: revoked.credentialHash, status: 'revoked', reason: 'eligibility-ended', actor: randomBytes(16).toString('hex') });
  if (r.code !== undefined) throw new Error(`demo revocation: ${r.message}`);
  await s.instruct(as(treasury), { application: revoked.application, period: periodOf('monthly', now), amountFen: revoked.amountFen });

  // two new applicants at the desk, verified, on a notice running now
  const fresh: string[] = [];
  for (const p of NEW_APPLICANTS) {
    const cred = await issue('low-income');
    const a = await s.apply(desk, {
      programme: 'minimum-living', subject: await register(p.name), name: p.name, building: p.building, category: 'single', accountNumber: p.account,
      credential: { type: 'low-income', issuer, statusIndex: cred.statusIndex, expiresAt: cred.expiresAt },
    });
    await s.verify(desk, a.id, { result: 'verified' });
    fresh.push(a.id);
  }
  await s.publishNotice(desk, { programme: 'minimum-living', applications: fresh });

  s.store.meta.set('demo_seeded', new Date().toISOString());
  const parts = `owner/reviewer ${owner}, treasury ${treasury}, bank ${bank}`;
  return [`demo funds: 2 programmes (${parts}), ${roll.length} beneficiaries with ${MONTHS_OF_HISTORY} months of payments, 1 reissued, 1 blocked by a revoked credential, a notice of ${fresh.length} running now`];
}
