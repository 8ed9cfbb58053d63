/**
 * DEMO ONLY — property services' demo data. On the property company's node: the register (units of 1号楼 and 2号楼
 * with floor areas, owned by the four demo residents — resident 1 holds three units), two parking spaces, households and
 * a vehicle, two staff files with licences, read grants over the owners for the power company and the housing bureau, the fee
 * schedule, a year of bills and payments with some arrears and a reminder, two disclosures, a closed owners' vote on a
 * fund use and an open one, an emergency fund use (from a devices alarm or a repair, if there is one), a tender
 * taking bids, and three past activities whose hours bring resident 1 to the volunteer label (the node then offers
 * them the digital ID's `volunteer-hours` credential: volunteer.ts). On the street office's node (which hosts the housing bureau): a deposit into the fund, then the
 * bureau's approvals and first transfers once the property company's uses are on the ledger. Idempotent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { addressRecord, fundUses, mayIssue, registerTotals, sha256Hex, tenderCommitmentText, tenders, votes, HOUSING_BUREAU } from '@machi/core';
import { demoPrincipal } from '../../auth/demo.js';
import type { ModuleContext } from '../contract.js';
import type { Identity } from '../identity/index.js';
import type { PrivacyExports } from '../privacy/index.js';
import type { PropertyService } from './service.js';
import type { Principal } from '../../auth/principal.js';

/** Units the demo register holds: [code, m², owner (resident account n)] (the address register's demo units). */
/** The demo's vehicles: each plate is a vault record of the property company (a subject of class vehicle). */
export const DEMO_VEHICLES: readonly { unit: string; space: string; plate: string }[] = [{ unit: 'b2-u0101', space: 'p-b2-007', plate: '沪B6M283' }];

export const DEMO_PROPERTY_UNITS: readonly [string, string, number][] = [
  ['b1-u0101', '89.50', 1], ['b1-u0102', '76.25', 2], ['b1-u1203', '120.00', 3], ['b2-u0101', '95.00', 4], ['b2-u0102', '62.40', 1], ['b2-u0201', '88.00', 3], ['b2-u0202', '45.80', 1],
];
/**
 * Past activities of resident 1, [title, hours]: together the volunteer label's 20 hours (VOLUNTEER_LABEL_MINUTES).
 * Announced to start shortly (an activity starts after it is announced), their hours recorded once they started.
 */
export const DEMO_VOLUNTEER_ACTIVITIES: readonly [string, number][] = [['敬老院陪伴服务', 8], ['垃圾分类督导', 8], ['楼道清理', 4]];
/**
 * The demo's two waits, ms: how long the closed vote runs (its ballots commit first; the rest of the demo is made
 * meanwhile, and the seed waits out the rest) and how long after the seed announces them the past activities start
 * (their sign-ups commit before). Long enough for a person watching `npm start` (15 s, 10 s); the tests' consortia
 * shorten both (MACHI_DEMO_VOTE_MS, MACHI_DEMO_ACTIVITY_LEAD_MS: test/support/consortium.ts), not below DEMO_WAIT_MS_MIN.
 */
const DEMO_WAIT_MS_MIN = 3000;
const demoWaitMs = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return process.env[name] === undefined || process.env[name] === '' || !Number.isFinite(v) ? fallback : Math.max(DEMO_WAIT_MS_MIN, v);
};
const demoVoteMs = (): number => demoWaitMs('MACHI_DEMO_VOTE_MS', 15_000);
const demoActivityLeadMs = (): number => demoWaitMs('MACHI_DEMO_ACTIVITY_LEAD_MS', 10_000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The twelve months before this one, oldest first, as `YYYY-MM`. */
export function lastYear(now: number): string[] {
  const d = new Date(now);
  return Array.from({ length: 12 }, (_, i) => {
    const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 12 + i, 1));
    return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
  });
}
const ref = (label: string): string => `DEMO-${createHash('sha256').update(label).digest('hex').slice(0, 16)}`;

export async function seedProperty(s: PropertyService, ctx: ModuleContext, privacy: PrivacyExports, identity: Identity): Promise<string[]> {
  if (ctx.node.self.id === 'street-office') return seedBureau(s, ctx);
  if (ctx.node.self.id !== 'property-company' || registerTotals(s.read).units > 0) return [];
  const staff = demoPrincipal(ctx.auth.accounts, ctx.auth.secret, 'property-company', 'li.staff');
  if (staff === undefined) return [];
  const missing = DEMO_PROPERTY_UNITS.filter(([u]) => addressRecord(s.read, u) === undefined);
  if (missing.length > 0) throw new Error(`waiting for the street office's address register (${missing.length} units)`);
  const residents = [1, 2, 3, 4].map((n) => demoPrincipal(ctx.auth.accounts, ctx.auth.secret, 'property-company', `resident${n}`)!);
  const subjects = residents.map((r) => privacy.vault.subjectOfUser(r.userId)!);
  // the register, as an import of an existing register would bring it
  const csv = ['unit,type,area_m2,owner_subject', ...DEMO_PROPERTY_UNITS.map(([u, a, n]) => `${u},residential,${a},${subjects[n - 1]}`)].join('\n');
  const imported = await s.importCsv(staff, csv);
  await s.space(staff, { space: 'p-b1-001', building: 'b1', unit: 'b1-u0101' });
  await s.space(staff, { space: 'p-b2-007', building: 'b2', unit: 'b2-u0101' });
  // read grants over the owners (docs/spec/property.md#read-grants): the power company may read an owner's phone and
  // address to move a unit's electricity account, the housing bureau their name, ID number and address to check the
  // register; a year long, every read recorded on the ledger and shown to the owner
  // households of the vault's residents (resident 2 lives with resident 1 in b1-u0101), and a vehicle in b2-u0101's
  // space: its plate kept in the vault, its commitment on the ledger
  await s.household(staff, { unit: 'b1-u0101', memberSubjects: [subjects[0]!, subjects[1]!] });
  for (const [u, , n] of DEMO_PROPERTY_UNITS.slice(1, 4)) await s.household(staff, { unit: u, memberSubjects: [subjects[n - 1]!] });
  for (const v of DEMO_VEHICLES) await s.vehicle(staff, v);
  // staff files (kept sealed here): a lift operator whose licence expires in 20 days (the desk's alert), an electrician;
  // each the file of a maintenance-worker account, so that their licences cover the jobs assigned to it
  const day = 86_400_000;
  const worker = (username: string) => (s.isWorker(username) ? { worker: username } : {});
  const lift = s.createStaff({ name: '王建国', role: '电梯管理员', ...worker('wang.worker'), training: [{ course: '电梯安全管理培训', completedAt: s.now() - 200 * day }] });
  await s.addLicence(staff, lift.id, { kind: 'lift-operator', number: 'TS-DEMO-0421', expiresAt: s.now() + 20 * day });
  const elec = s.createStaff({ name: '赵明', role: '维修电工', ...worker('zhao.worker'), training: [{ course: '低压电工作业复审', completedAt: s.now() - 90 * day }] });
  await s.addLicence(staff, elec.id, { kind: 'electrician', number: 'DG-DEMO-1187', expiresAt: s.now() + 700 * day });
  const grants = await seedOwnerGrants(privacy, staff, [...new Set(DEMO_PROPERTY_UNITS.map(([, , n]) => subjects[n - 1]!))], s.now(), ctx.node.genesis.orgs.map((o) => o.id));
  // a property-ownership credential for resident 4 (the identity demo gave them to 1 and 3; resident 2 has none: the
  // identity demo's live issuance is theirs), for the ID check before their ballot
  if (mayIssue('property-company', 'property-ownership')) {
    for (const i of [3]) {
      const held = privacy.vault.get(subjects[i]!)?.fields;
      if (held === undefined) continue;
      const w = await identity.service.wallet(residents[i]!);
      if (w.some((c) => c.type === 'property-ownership')) continue;
      const made = await identity.service.offer(staff, { type: 'property-ownership', subject: subjects[i]!, claims: { name: held.name!, idNumber: held.idNumber!, building: held.building!, unit: held.unit!, certificateNumber: `DEMO-${2000 + i}`, share: 'sole' } });
      await identity.service.accept(residents[i]!, made.offer, { demoHolderKey: true });
    }
  }
  // resident 1's volunteering: activities that start in seconds, signed up for now, their hours recorded once the vote
  // below has closed (after they started)
  const volunteering = await seedVolunteering(s, staff, residents[0]!);
  // an ordinary fund use, approved by the owners in a vote that closes in seconds (the
  // year of bills is made meanwhile); then an open special vote
  const roof = await s.fundPropose(staff, { building: 'b1', title: '1号楼屋面防水', contractor: '申城建设工程公司', budgetFen: 4_800_000 });
  const closesAt = s.now() + demoVoteMs();
  const closed = await s.openVote(staff, { matter: 'fund-use', title: '1号楼屋面防水使用维修资金', closesAt, use: roof.id });
  // the ballots of residents 1, 3 and 4, one per unit they own, submitted together: they commit in a block or two
  await Promise.all([0, 2, 3].flatMap((i) => DEMO_PROPERTY_UNITS.filter(([, , n]) => n === i + 1)
    .map(([unit]) => s.ballot(residents[i]!, closed.id, { unit, choice: 'yes' }).catch(() => undefined))));
  // a year of bills; everyone pays but resident 4 (the last three months are in arrears, the oldest has a reminder)
  const now = s.now();
  const months = lastYear(now);
  await s.fees(staff, { from: months[0]!, items: [
    { item: 'service-fee', basis: 'area', unitType: 'residential', rateFen: 250 },
    { item: 'lift', basis: 'unit', unitType: 'any', rateFen: 3_000 },
    { item: 'parking', basis: 'space', unitType: 'any', rateFen: 15_000 },
  ] });
  // submitted together: they commit in a block or two
  await Promise.all(months.flatMap((m) => {
    const [y, mo] = m.split('-').map(Number) as [number, number];
    const dueAt = Math.min(Date.UTC(y, mo, 15), now + 86_400_000);
    return ['b1', 'b2'].map((b) => s.bill(staff, { period: m, building: b, dueAt }));
  }));
  const bills = s.bills({});
  const unpaid = (b: { unit: string; period: string }): boolean => b.unit === 'b2-u0101' && months.indexOf(b.period) >= 9;
  await Promise.all(bills.filter((b) => !unpaid(b)).map((b) => s.pay(staff, { unit: b.unit, period: b.period, amountFen: b.dueFen, reference: ref(`${b.unit}/${b.period}`) })));
  const late = bills.filter(unpaid).filter((b) => b.dueAt < s.now());
  if (late[0] !== undefined) await s.dun(staff, { unit: late[0].unit, period: late[0].period, step: 'reminder' });
  await Promise.all(months.slice(-2).map((m) => s.disclose(staff, { period: m, lines: [
      { account: 'common-area', kind: 'income', item: 'advertising', label: '电梯广告', amountFen: 1_200_000 },
      { account: 'common-area', kind: 'income', item: 'parking', label: '临时停车', amountFen: 860_000 },
      { account: 'common-area', kind: 'spending', item: 'cleaning', label: '公共区域保洁', amountFen: 450_000 },
      { account: 'maintenance-fund', kind: 'income', item: 'interest', label: '维修资金利息', amountFen: 31_500 },
  ] })));
  const open = await s.openVote(staff, { matter: 'common-business-use', title: '架空层出租作为便民超市', closesAt: s.now() + 14 * 86_400_000 });
  await s.ballot(residents[0]!, open.id, { unit: 'b1-u0101', choice: 'yes' });
  // an emergency use, linked to what triggered it
  // (the devices demo's pump-room leak if it is there, else any alarm)
  const alarms = s.scan('devices/alarm/', 50).map(([, v]) => JSON.parse(v) as { alarm: string; condition: string });
  const alarm = (alarms.find((a) => a.condition === 'leak') ?? alarms[0])?.alarm;
  const repair = s.scan('repairs/request/', 1)[0]?.[0].slice('repairs/request/'.length);
  const trigger = alarm !== undefined ? { alarm } : repair !== undefined ? { repair } : undefined;
  if (trigger !== undefined) await s.fundPropose(staff, { building: 'b1', title: '1号楼泵房漏水抢修', contractor: '申城水电维修公司', budgetFen: 1_500_000, emergency: { category: 'leak', ...trigger } });
  // a notice read by two owners, an activity with sign-ups
  const notice = await s.publishNotice(staff, { title: '二期停水检修通知', text: '12月20日9时至12时，2号楼停水检修，请提前储水。' });
  for (const r of residents.slice(0, 2)) await s.readNotice(r, notice.id);
  const act = await s.announceActivity(staff, { title: '社区清洁日志愿者招募', startsAt: s.now() + 5 * 86_400_000, capacity: 30 });
  for (const r of residents.slice(1, 3)) await s.signUp(r, act.id);
  // a tender taking bids: the commitments only (prices stay with the bidders until the deadline)
  const t = await s.openTender(staff, { title: '电梯维保服务（三年）', deadline: s.now() + 7 * 86_400_000, revealUntil: s.now() + 10 * 86_400_000 });
  for (const [bidder, price] of [['申城电梯维保', 860_000_00], ['浦江机电', 792_000_00], ['东方电梯服务', 905_000_00]] as const) {
    const bid = `pb_${randomBytes(16).toString('hex')}`;
    await s.commitBid(t.id, { bid, bidder, commitment: sha256Hex(tenderCommitmentText(t.id, bid, price, randomBytes(16).toString('hex'))) });
  }
  // the closed vote closes now (the rest of the demo was made while it ran), and the works start
  await sleep(Math.max(0, closesAt - s.now() + 1500));
  await s.closeVote(staff, closed.id);
  await s.fundWorks(staff, roof.id, 'started');
  const hours = await volunteering();
  return [`demo property: ${imported.imported} units, ${grants} read grants over the owners, ${bills.length} bills over 12 months (arrears: ${bills.filter(unpaid).length}), ${votes(s.scan).length} owners' votes, ${fundUses(s.scan).length} fund uses, ${tenders(s.scan).length} tender, ${hours} volunteer hours of resident 1`];
}

/**
 * Announces the past activities and signs resident 1 up; returns what records their hours once they started (the
 * hours recorded). A sign-up the ledger refused (the activity started first, on a slow chain) gets no hours.
 */
async function seedVolunteering(s: PropertyService, staff: Principal, resident: Principal): Promise<() => Promise<number>> {
  const startsAt = s.now() + demoActivityLeadMs();
  // submitted together: they commit in a block or two
  const acts = await Promise.all(DEMO_VOLUNTEER_ACTIVITIES.map(([title]) => s.announceActivity(staff, { title, startsAt, capacity: 20 })));
  const signed = await Promise.all(acts.map((a) => s.signUp(resident, a.id).then(() => true, () => false)));
  const person = s.ownerOf(resident);
  return async () => {
    if (person === undefined) return 0;
    await sleep(Math.max(0, startsAt - s.now() + 1000));
    const done = await Promise.all(DEMO_VOLUNTEER_ACTIVITIES.map(async ([, h], i) => {
      if (!signed[i]) return 0;
      await s.recordHours(staff, acts[i]!.id, { person, minutes: h * 60 });
      return h;
    }));
    return done.reduce((a, b) => a + b, 0);
  };
}

/** The demo's grants to the power company and the housing bureau over the owners' records (those orgs in the genesis). */
async function seedOwnerGrants(privacy: PrivacyExports, staff: Principal, owners: string[], now: number, orgs: readonly string[]): Promise<number> {
  const year = 365 * 86_400_000;
  const grants = [
    { toOrg: 'power-company', toRole: 'utility-staff', purpose: 'utility-account-transfer', classes: ['contact', 'address'], fields: ['phone', 'building', 'unit', 'address'] },
    { toOrg: HOUSING_BUREAU, toRole: 'official', purpose: 'housing-register-check', classes: ['identity', 'address'], fields: ['name', 'idNumber', 'building', 'unit'] },
  ].filter((g) => orgs.includes(g.toOrg));
  for (const g of grants) await privacy.service.grant(staff, { ...g, subjects: owners, from: now, until: now + year } as never);
  return grants.length;
}

/** On the street office's node, for the hosted housing bureau: the fund's deposit, then approvals and transfers. */
async function seedBureau(s: PropertyService, ctx: ModuleContext): Promise<string[]> {
  if (!s.signsFor().includes(HOUSING_BUREAU)) return [];
  const bureau = demoPrincipal(ctx.auth.accounts, ctx.auth.secret, HOUSING_BUREAU, 'gao.housing');
  if (bureau === undefined) return [];
  if (s.fund().depositedFen === 0) await s.fundDeposit(bureau, { amountFen: 500_000_000, reference: ref('deposit') });
  // the property company's uses come later (its seed waits for the addresses and a vote): poll for them a while
  let left = BUREAU_POLLS_MAX;
  const poll = (): void => {
    void approveReady(s, bureau).then((n) => {
      if (n > 0) ctx.log(`demo property: the housing bureau approved ${n} maintenance-fund uses and made their first transfers`);
      // until every demo use is approved (none yet, or one still before the bureau's step), for a few minutes at most
      const uses = fundUses(s.scan);
      if (--left > 0 && (uses.length === 0 || uses.some((u) => u.status === 'proposed' || u.status === 'owners-approved'))) setTimeout(poll, BUREAU_POLL_MS).unref();
    }, () => undefined);
  };
  poll();
  return [];
}

const BUREAU_POLLS_MAX = 150;
const BUREAU_POLL_MS = 2000;

async function approveReady(s: PropertyService, bureau: NonNullable<ReturnType<typeof demoPrincipal>>): Promise<number> {
  if (s.node.closed) return 0;
  const ready = fundUses(s.scan).filter((u) => (u.emergency !== null && u.status === 'proposed') || (u.emergency === null && u.status === 'owners-approved' && u.works !== 'none'));
  for (const u of ready) {
    await s.fundApprove(bureau, u.use);
    await s.fundTransfer(bureau, u.use, { amountFen: Math.floor((u.budgetFen * (u.emergency === null ? 50 : 60)) / 100), reference: ref(`transfer ${u.use}`) });
  }
  return ready.length;
}
