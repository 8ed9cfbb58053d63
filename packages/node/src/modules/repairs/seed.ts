/**
 * DEMO ONLY — on the property company's node: repair requests in every state, so that the dispatcher's board, a
 * worker's jobs and the residents' requests are not empty after `npm start`, and the data uses they cause (a
 * dispatcher and a worker reading a reporter's contact for the job; one refused read, which raises an alert for the
 * regulator). Every step is a real transaction through the service, as a user would make it. Overdue requests: the
 * ledger's SLA clock cannot be set back, so the seed gives common-area lighting a 1-hour SLA and leaves one lighting
 * report unassigned — it shows as overdue once the demo has run for an hour. Runs once (marked in the vault).
 */
import type { AuthOptions } from '../../auth/plugin.js';
import { demoPrincipal } from '../../auth/demo.js';
import type { Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { PrivacyExports } from '../privacy/index.js';
import type { RepairsService } from './service.js';

const SEED_MARK = 'demo_repairs';

export async function seedRepairs(service: RepairsService, privacy: PrivacyExports, auth: AuthOptions, node: MachiNode): Promise<string[]> {
  const org = node.self.id;
  if (org !== 'property-company' || privacy.vault.meta.get(SEED_MARK) !== undefined) return [];
  const who = (username: string): Principal => {
    const p = demoPrincipal(auth.accounts, auth.secret, org, username);
    if (p === undefined) throw new Error(`demo account ${username} is missing`);
    return p;
  };
  const [r1, r2, r3, r4] = ['resident1', 'resident2', 'resident3', 'resident4'].map(who) as [Principal, Principal, Principal, Principal];
  const staff = who('li.staff');
  const dispatcher = who('chen.dispatch');
  const wang = who('wang.worker');
  const zhao = who('zhao.worker');
  const report = async (p: Principal, category: Parameters<RepairsService['report']>[1]['category'], kind: 'home' | 'common', building: string, description: string, unit?: string) =>
    (await service.report(p, { category, location: { kind, building }, description, ...(unit === undefined ? {} : { unit }) })).request;

  await service.setSla(staff, 'lighting', { urgentHours: 1, normalHours: 1 });
  // marked once the chain commits: a later failure leaves part of the demo, never a second copy of it
  privacy.vault.meta.set(SEED_MARK, new Date().toISOString());
  // new, unassigned: one becomes overdue after an hour (1-hour SLA above)
  await report(r2, 'lighting', 'common', 'b2', '2号楼 3层楼道灯不亮，晚上很黑');
  const drain = await report(r3, 'drainage', 'home', 'b3', '厨房下水道堵了，水下不去', '1单元 502');
  await service.follow(r4, drain);
  // assigned, not yet accepted
  const lift = await report(staff, 'lift', 'common', 'b1', '1号楼电梯停在5楼，按钮无反应');
  await service.assign(dispatcher, lift, 'zhao.worker');
  // in progress: accepted, arrived, diagnosed, started
  const pipe = await report(r1, 'burst-pipe', 'home', 'b3', 'Pipe under the kitchen sink burst, water on the floor', '2单元 1203');
  await service.assign(dispatcher, pipe, 'wang.worker');
  await service.step(wang, pipe, 'accept');
  await service.step(wang, pipe, 'arrive');
  await service.diagnose(wang, pipe, { cause: 'pipe-joint', parts: [{ part: 'pipe-fitting', quantity: 2 }] });
  await service.step(wang, pipe, 'start');
  // finished, waiting for the resident's confirmation
  const lock = await report(r2, 'door-lock', 'home', 'b2', '单元门禁刷卡没反应', '3单元 801');
  await service.assign(dispatcher, lock, 'zhao.worker');
  for (const s of ['accept', 'arrive'] as const) await service.step(zhao, lock, s);
  await service.diagnose(zhao, lock, { cause: 'wear', parts: [{ part: 'lock-cylinder', quantity: 1 }] });
  await service.step(zhao, lock, 'start');
  await service.finish(zhao, lock, {});
  // closed with a rating
  const light = await report(r1, 'lighting', 'common', 'b1', '1号楼门口路灯闪烁');
  await service.assign(dispatcher, light, 'wang.worker');
  for (const s of ['accept', 'arrive'] as const) await service.step(wang, light, s);
  await service.diagnose(wang, light, { cause: 'wear', parts: [{ part: 'lamp', quantity: 1 }] });
  await service.step(wang, light, 'start');
  await service.finish(wang, light, {});
  await service.confirm(r1, light, { rating: 5, comment: '修得很快，谢谢王师傅' });
  // reopened by the resident
  const heat = await report(r3, 'heating', 'home', 'b3', '暖气片不热', '1单元 502');
  await service.assign(dispatcher, heat, 'wang.worker');
  for (const s of ['accept', 'arrive'] as const) await service.step(wang, heat, s);
  await service.diagnose(wang, heat, { cause: 'blockage', parts: [] });
  await service.step(wang, heat, 'start');
  await service.finish(wang, heat, {});
  await service.reopen(r3, heat, { reason: '第二天又不热了' });
  // cancelled by the reporter
  const bins = await report(r4, 'sanitation', 'common', 'b2', '垃圾桶满了');
  await service.cancel(r4, bins);

  // data uses: the dispatcher and the worker read the reporter's contact and address for the burst pipe …
  const subject = privacy.vault.subjectOfUser(r1.userId);
  if (subject !== undefined) {
    await privacy.service.read(dispatcher, { subject, purpose: 'repair-dispatch', fields: ['phone', 'unit'], caseRef: `repair:${pipe}` });
    await privacy.service.read(wang, { subject, purpose: 'repair-dispatch', fields: ['phone'], caseRef: `repair:${pipe}` });
    // … and a read for a purpose the worker's role does not have: refused, recorded, and an alert for the regulator
    await privacy.service.read(wang, { subject, purpose: 'welfare-assessment', fields: ['name', 'idNumber'] });
  }
  return ['demo repairs: 8 requests in every state (new, assigned, in progress, finished, closed, reopened, cancelled), 3 data uses'];
}
