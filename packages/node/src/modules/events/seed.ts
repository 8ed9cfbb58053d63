/**
 * DEMO ONLY — on the street office's node (the command centre, hosting the departments that run no validator): the
 * community's two grids with their grid workers, patrols and household visits, and events in every state — waiting
 * for triage, filed, rejected, merged, dispatched with short deadlines (overdue a few minutes after start), accepted,
 * handled and waiting for the check, sent back, closed and rated, a flag answered, a help request — and one major
 * event (a fire) fanned out to every responsible department: the hosted departments acknowledge, the property and
 * power companies (on their own nodes, which the demo leaves idle) miss their 5-minute acknowledgement, and the
 * escalation job escalates them. Every step is a real transaction through the service, signed by its department's own
 * key. The ledger's block times cannot be set back, so the history starts when the demo starts (`observedAt`, the
 * reporter's claim, goes back up to a week). Runs once (marked in the events store).
 */
import { EVENT_CATEGORIES, departmentOrgs, eventRecord, type EventCategory, type EventSeverity, type ImportedPart, type ResultCode } from '@machi/core';
import type { AuthOptions } from '../../auth/plugin.js';
import { demoPrincipal } from '../../auth/demo.js';
import type { Principal } from '../../auth/principal.js';
import type { EventsService } from './service.js';

const SEED_MARK = 'demo_events';
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Imported history: one finished event every HISTORY_STEP_DAYS over the last HISTORY_DAYS. */
const HISTORY_DAYS = 90;
const HISTORY_STEP_DAYS = 3;
/** The categories and severities the history cycles through (with some major ones: fire, gas, a person trapped). */
const HISTORY_KINDS: readonly [EventCategory, EventSeverity][] = [
  ['environment-sanitation', 'minor'], ['public-facilities', 'minor'], ['road-traffic', 'serious'], ['dispute', 'serious'],
  ['safety-hazard', 'serious'], ['landscaping', 'minor'], ['special-care', 'serious'], ['illegal-construction', 'serious'],
  ['public-order', 'minor'], ['fire', 'serious'], ['utility-outage', 'serious'], ['gas-leak', 'minor'], ['person-trapped', 'serious'],
];
const HISTORY_RESULTS: readonly ResultCode[] = ['resolved', 'resolved', 'temporary-measure', 'partially-resolved', 'resolved'];

export async function seedEvents(service: EventsService, auth: AuthOptions): Promise<string[]> {
  const node = service.node;
  if (node.self.id !== 'street-office' || service.store.meta.get(SEED_MARK) !== undefined) return [];
  const who = (org: string, username: string): Principal | undefined => demoPrincipal(auth.accounts, auth.secret, org, username);
  const must = (org: string, username: string): Principal => {
    const p = who(org, username);
    if (p === undefined) throw new Error(`demo account ${username} of ${org} is missing`);
    return p;
  };
  const official = must('street-office', 'zhou.official');
  const centre = must('street-office', 'lin.centre');
  const ma = must('street-office', 'ma.grid');
  const yang = must('street-office', 'yang.grid');
  // departments: hosted here, or absent when they run their own node (then their steps are left to them)
  const police = service.signingOrgs.includes('police') ? who('police', 'xu.police') : undefined;
  const urban = service.signingOrgs.includes('urban-management') ? who('urban-management', 'guo.urban') : undefined;
  const zongzhi = service.signingOrgs.includes('comprehensive-management') ? who('comprehensive-management', 'deng.zongzhi') : undefined;
  const judicial = service.signingOrgs.includes('judiciary') ? who('judiciary', 'song.judicial') : undefined;

  for (const g of service.grids) await service.defineGrid(official, g);
  service.store.meta.set(SEED_MARK, new Date().toISOString());
  const now = node.clock();

  // three months of finished events from the command centre's previous system (legacy times, marked imported)
  const history = await importHistory(service, centre, now);

  // patrols and visits: a morning round in each grid
  let visits = 0;
  for (const [worker, grid] of [[ma, service.grids[0]!], [yang, service.grids[1]!]] as const) {
    for (const [i, b] of grid.buildings.entries()) {
      await service.patrol(worker, grid.grid, b.building);
      const units = Array.from({ length: 12 + 5 * i }, (_, n) => `${b.building}-u${String(101 + n)}`);
      await service.visit(worker, grid.grid, { building: b.building, units, purpose: i === 0 ? 'special-care' : 'routine' });
      visits += 1;
    }
  }

  const report = async (p: Principal, grid: string, category: EventCategory, severity: EventSeverity, kind: 'building' | 'common-area', code: string, description: string, hoursAgo: number) =>
    (await service.report(p, { category, severity, grid, location: { kind, code }, description, observedAt: now - hoursAgo * HOUR_MS })).event;
  const made: string[] = [];

  // waiting for triage
  made.push(await report(ma, 'grid-1', 'environment-sanitation', 'minor', 'building', 'b2', '2号楼北侧堆放大量装修垃圾，已影响通行', 0.5));
  // rejected: already resolved
  const gone = await report(yang, 'grid-2', 'public-facilities', 'minor', 'common-area', 'pocket-park', '口袋公园长椅松动', 30);
  await service.triage(centre, gone, { decision: 'reject', reason: 'already-resolved' });
  // filed, not yet dispatched
  const filed = await report(yang, 'grid-2', 'illegal-construction', 'serious', 'building', 'b5', '5号楼顶层疑似违规搭建阳光房', 20);
  await service.triage(centre, filed, { decision: 'accept' });
  made.push(gone, filed);

  if (urban !== undefined && police !== undefined) {
    // dispatched to urban management with a short deadline: overdue a few minutes after start
    const lights = await report(ma, 'grid-1', 'public-facilities', 'minor', 'common-area', 'east-gate', '东门路灯连续三晚不亮', 48);
    await service.triage(centre, lights, { decision: 'accept' });
    await service.dispatch(centre, lights, [{ org: 'urban-management', deadlineMinutes: 5 }]);
    // a duplicate report of the same lights, merged
    const dup = await report(yang, 'grid-2', 'public-facilities', 'minor', 'common-area', 'car-park', '东门附近路灯不亮（重复上报）', 40);
    await service.triage(centre, dup, { decision: 'merge', into: lights });
    // dispatched to police and urban management: police accepted, urban management not yet (overdue soon)
    const parking = await report(ma, 'grid-1', 'road-traffic', 'serious', 'building', 'b1', '1号楼消防通道被私家车长期占用', 6);
    await service.triage(centre, parking, { decision: 'accept' });
    await service.dispatch(centre, parking, [{ org: 'police', deadlineMinutes: 240 }, { org: 'urban-management', deadlineMinutes: 5 }]);
    await service.accept(police, parking);
    // handled by both, waiting for the command centre's check on site
    const facade = await report(yang, 'grid-2', 'safety-hazard', 'serious', 'building', 'b6', '6号楼外墙瓷砖脱落，楼下有人经过', 72);
    await service.triage(centre, facade, { decision: 'accept' });
    await service.dispatch(centre, facade, [{ org: 'urban-management', deadlineMinutes: 480 }, { org: 'police', deadlineMinutes: 480 }]);
    for (const d of [urban, police]) {
      await service.accept(d, facade);
      await service.handle(d, facade, d === urban ? 'temporary-measure' : 'resolved');
    }
    // closed and rated by the grid worker who reported it
    const tree = await report(ma, 'grid-1', 'landscaping', 'serious', 'common-area', 'central-square', '中心广场大树倾斜，台风后有倒伏危险', 120);
    await service.triage(centre, tree, { decision: 'accept' });
    await service.dispatch(centre, tree, [{ org: 'urban-management', deadlineMinutes: 1440 }]);
    await service.acknowledge(urban, tree);
    await service.accept(urban, tree);
    await service.handle(urban, tree, 'resolved');
    await service.close(centre, tree, 'verified-resolved');
    await service.rate(ma, tree, 5);
    // sent back: the result did not hold; and a flag from police on urban management's step, answered
    const waste = await report(yang, 'grid-2', 'environment-sanitation', 'serious', 'building', 'b4', '4号楼地下室积水发臭', 96);
    await service.triage(centre, waste, { decision: 'accept' });
    await service.dispatch(centre, waste, [{ org: 'urban-management', deadlineMinutes: 720 }, { org: 'police', deadlineMinutes: 720 }]);
    await service.accept(urban, waste);
    await service.handle(urban, waste, 'resolved');
    await service.sendBack(centre, waste, [{ org: 'urban-management', deadlineMinutes: 720 }], 'not-resolved');
    await service.accept(police, waste);
    const handleStep = eventRecord(service.read, waste)!.steps.findIndex((s) => s.action === 'handle' && s.org === 'urban-management');
    await service.flag(police, waste, { step: handleStep, kind: 'result-disputed' });
    await service.answerFlag(urban, waste, { flag: 0, answer: 'redo-agreed' });
    made.push(lights, dup, parking, facade, tree, waste);
    // a dispute: the judicial office asks the comprehensive management office for help
    if (judicial !== undefined && zongzhi !== undefined) {
      const dispute = await report(ma, 'grid-1', 'dispute', 'serious', 'building', 'b3', '3号楼上下楼邻居因漏水纠纷多次争吵', 24);
      await service.triage(centre, dispute, { decision: 'accept' });
      await service.dispatch(centre, dispute, [{ org: 'judiciary', deadlineMinutes: 2880 }]);
      await service.accept(judicial, dispute);
      await service.requestHelp(judicial, dispute, { to: 'comprehensive-management', reason: 'manpower', deadlineMinutes: 2880 });
      await service.accept(zongzhi, dispute);
      made.push(dispute);
    }
  }

  // a major event: a fire, fanned out at report to every responsible department
  const fire = await report(yang, 'grid-2', 'fire', 'grave', 'building', 'b4', '4号楼地下车库冒烟，疑似电动车起火', 0.1);
  made.push(fire);
  for (const d of [police, urban, zongzhi]) if (d !== undefined) await service.acknowledge(d, fire);
  if (police !== undefined) await service.accept(police, fire);
  const missing = eventRecord(service.read, fire)!.assignments.filter((a) => a.acknowledgedAt === null).map((a) => a.org);
  return [
    `demo events: ${history} finished events of the last ${HISTORY_DAYS} days imported from the previous system; 2 grids, ${visits} patrol rounds with visits, ${made.length} events in every state; a major fire fanned out to every responsible department` +
      (missing.length === 0 ? '' : ` (${missing.join(', ')} not acknowledging: escalated once the 5-minute acknowledgement passes)`),
  ];
}

/**
 * One finished event every HISTORY_STEP_DAYS over the last HISTORY_DAYS, across both grids, the categories of
 * HISTORY_KINDS and their responsible departments (those in the chain): every fifth department part handled late,
 * every seventh sent back once, major ones acknowledged within minutes (one in three late). Deterministic.
 */
async function importHistory(service: EventsService, centre: Principal, now: number): Promise<number> {
  let n = 0;
  for (let day = HISTORY_DAYS; day >= 2; day -= HISTORY_STEP_DAYS) {
    const i = n;
    const grid = service.grids[i % service.grids.length]!;
    const [category, severity] = HISTORY_KINDS[i % HISTORY_KINDS.length]!;
    const major = EVENT_CATEGORIES[category].major;
    const orgs = [...new Set(EVENT_CATEGORIES[category].departments.flatMap((d) => departmentOrgs(service.readParsed, service.centre, d, service.orgIds)))].slice(0, major === null ? 2 : 4);
    if (orgs.length === 0) continue;
    const reportedAt = now - day * DAY_MS + (8 + (i % 9)) * HOUR_MS;
    const parts: ImportedPart[] = orgs.map((org, k) => {
      const assignedAt = reportedAt + (major === null ? 40 : 2) * 60_000;
      const deadline = major === null ? 24 * HOUR_MS : major.deadlineMinutes * 60_000;
      const late = (i + k) % 5 === 0;
      const acknowledgedAt = major === null ? undefined : assignedAt + ((i + k) % 3 === 0 ? major.ackMinutes + 4 : 2) * 60_000;
      const acceptedAt = (acknowledgedAt ?? assignedAt) + (major === null ? 2 * HOUR_MS : 5 * 60_000);
      const handledAt = assignedAt + (late ? deadline + 3 * HOUR_MS : deadline / 2);
      return {
        org, assignedAt, dueAt: assignedAt + deadline, ...(acknowledgedAt === undefined ? {} : { acknowledgedAt }), acceptedAt, handledAt,
        result: HISTORY_RESULTS[(i + k) % HISTORY_RESULTS.length]!, sentBack: (i + k) % 7 === 0 ? 1 : 0,
      };
    });
    const closedAt = Math.max(...parts.map((p) => p.handledAt)) + 4 * HOUR_MS;
    const building = grid.buildings[i % grid.buildings.length]!;
    const common = i % 4 === 3 && grid.commonAreas.length > 0 ? grid.commonAreas[i % grid.commonAreas.length]! : undefined;
    await service.importEvent(centre, {
      category, severity, grid: grid.grid,
      location: common === undefined ? { kind: 'building', code: building.building } : { kind: 'common-area', code: common.code },
      description: `${EVENT_CATEGORIES[category].name}（原系统记录 ${new Date(reportedAt).toISOString().slice(0, 10)}）`,
      reporter: i % 2 === 0 ? 'ma.grid' : 'yang.grid', reporterKind: 'grid-worker',
      observedAt: reportedAt - (20 + (i % 5) * 15) * 60_000, reportedAt, departments: parts,
      check: parts.some((p) => p.result !== 'resolved') ? 'verified-partially' : 'verified-resolved', closedAt,
    });
    n += 1;
  }
  return n;
}
