/**
 * DEMO ONLY — on the property company's node: two preserved records with custody steps (a lobby camera's export kept
 * encrypted and handed to the police; a resident's photo of a leak, file not kept, handed to the street office), a
 * registered work with a licence grant, and fire extinguishers and lift parts with their EPCIS lifecycle (one
 * inspection corrected by an error declaration), and scans of one extinguisher's code at a place where it is not
 * installed: a copied QR code, which raises an alert. Runs once.
 */
import { createHash } from 'node:crypto';
import { gtinCheckDigit, tracedItem, workRecord } from '@machi/core';
import { demoPrincipal } from '../../auth/demo.js';
import type { ModuleContext } from '../contract.js';
import { EPCIS_CONTEXT, eventIdOf } from './epcis.js';
import { placeUri, type ProvenanceService } from './service.js';

const gtinOf = (body: string): string => `${body}${gtinCheckDigit(body)}`;
/** Demo GTINs (GS1 China prefix 690, a made-up company): a 4 kg ABC powder extinguisher and a lift door roller. */
export const DEMO_EXTINGUISHER_GTIN = gtinOf('0690123400001');
export const DEMO_LIFT_PART_GTIN = gtinOf('0690123400010');
export const DEMO_COPIED_SERIAL = 'FE-2024-0002';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const DAY_MS = 86_400_000;
/** The demo's lobby camera export (its bytes are the file a court would be given). */
export const DEMO_CCTV_BYTES = Buffer.from('DEMO lobby camera export, building 1, 2026-11-30 21:00-21:15\n');

function lifecycle(now: number): Record<string, unknown>[] {
  const dl = (gtin: string, serial: string) => `https://id.gs1.org/01/${gtin}/10/B2024-07/21/${serial}`;
  const fe = ['FE-2024-0001', DEMO_COPIED_SERIAL, 'FE-2024-0003'].map((s) => dl(DEMO_EXTINGUISHER_GTIN, s));
  const lp = ['LR-7781', 'LR-7782'].map((s) => `https://id.gs1.org/01/${DEMO_LIFT_PART_GTIN}/21/${s}`);
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY_MS).toISOString();
  const ev = (bizStep: string, epcList: string[], daysAgo: number, extra: Record<string, unknown> = {}) =>
    ({ type: 'ObjectEvent', action: bizStep === 'commissioning' ? 'ADD' : 'OBSERVE', bizStep, epcList, eventTime: at(daysAgo), eventTimeZoneOffset: '+08:00', ...extra });
  const installs = fe.map((uri, i) => ev('installing', [uri], 60, { disposition: 'active', bizLocation: { id: placeUri(`b1-stairwell-${i + 1}`) } }));
  return [
    ev('commissioning', [...fe, ...lp], 120, { disposition: 'active', readPoint: { id: 'urn:epc:id:sgln:6901234.00001.0' } }),
    ev('shipping', [...fe, ...lp], 90, { disposition: 'in_transit' }),
    ev('receiving', [...fe, ...lp], 88, { disposition: 'in_progress', bizLocation: { id: placeUri('b1-store-room') } }),
    ...installs,
    ev('installing', [lp[0]!], 59, { disposition: 'active', bizLocation: { id: placeUri('b1-lift-a') } }),
    ev('inspecting', fe, 30, { disposition: 'conformant', readPoint: { id: placeUri('b1') } }),
    ev('inspecting', [lp[0]!], 20, { disposition: 'non_conformant', bizLocation: { id: placeUri('b1-lift-a') } }),
    ev('replacing', [lp[0]!], 19, { disposition: 'disposed', bizLocation: { id: placeUri('b1-lift-a') } }),
    ev('installing', [lp[1]!], 19, { disposition: 'active', bizLocation: { id: placeUri('b1-lift-a') } }),
  ];
}

export async function seedProvenance(service: ProvenanceService, ctx: ModuleContext): Promise<string[]> {
  const org = ctx.node.self.id;
  // each part once (a retry after a failure goes on where it stopped)
  const meta = service.store.meta;
  if (org !== 'property-company' || meta.get('demo-seeded') !== undefined) return [];
  const staff = demoPrincipal(ctx.auth.accounts, ctx.auth.secret, org, 'li.staff');
  const resident = demoPrincipal(ctx.auth.accounts, ctx.auth.secret, org, 'resident1');
  if (staff === undefined || resident === undefined) throw new Error('demo accounts li.staff and resident1 are missing');
  const orgs = ctx.node.genesis.orgs.map((o) => o.id).filter((id) => id !== org);
  const police = orgs.includes('police') ? 'police' : orgs[0];
  const office = orgs.includes('street-office') ? 'street-office' : orgs[0];
  const now = ctx.node.clock();
  const lines: string[] = [];

  // preserved records
  if (meta.get('demo-records') === undefined) {
    const cctv = DEMO_CCTV_BYTES;
    const a = await service.preserve(service.actors.in(staff), {
      hash: createHash('sha256').update(cctv).digest('hex'), kind: 'video', device: 'cctv:b1-lobby-cam-2', capturedAt: now - 7 * DAY_MS, place: 'b1-lobby', label: 'Lobby camera, night of the bicycle theft', keepFile: true,
    });
    service.uploadFile(service.actors.in(staff), a.record.record, cctv, 'text/plain');
    if (police !== undefined) await service.handOver(service.actors.in(staff), a.record.record, police, 'forensic-exam');
    const b = await service.preserve(service.actors.in(resident), {
      hash: sha('DEMO photo of the ceiling leak, unit 1-302'), kind: 'photo', device: 'phone:camera-app', capturedAt: now - 3 * DAY_MS, place: 'b1', label: '天花板漏水 (ceiling leak)', keepFile: false,
    });
    if (office !== undefined) await service.handOver(service.actors.in(resident), b.record.record, office, 'transfer');
    lines.push(`demo preserved records: ${a.record.record} (certificate /v1/certificates/${a.record.txHash}), ${b.record.record}`);
    meta.set('demo-records', a.record.txHash);
  }

  // a registered work
  const work = sha('DEMO mural design for building 3, v2');
  if (workRecord(service.read, work) === undefined) await service.registerWork(service.actors.in(staff), { hash: work, title: 'Mural design for building 3 (v2)', authors: ['陈画师', '王设计'], licence: 'CC-BY-4.0' });
  if (office !== undefined && workRecord(service.read, work)!.steps.length === 1) await service.licenseWork(service.actors.in(staff), work, { org: office, licence: 'CC-BY-NC-4.0' });
  lines.push(`demo work: /v1/works/${work}`);

  // traced items
  const events = lifecycle(now);
  if (tracedItem(service.read, DEMO_EXTINGUISHER_GTIN, DEMO_COPIED_SERIAL) === undefined) await service.capture({ '@context': [EPCIS_CONTEXT], type: 'EPCISDocument', schemaVersion: '2.0', creationDate: new Date(now).toISOString(), epcisBody: { eventList: events } });
  // the lift part's non-conformant inspection was recorded against the wrong roller: declared erroneous (a new event)
  const wrong = events.find((e) => e.bizStep === 'inspecting' && (e.epcList as string[]).length === 1)!;
  if (!tracedItem(service.read, DEMO_LIFT_PART_GTIN, 'LR-7781')!.events.some((e) => e.errorDeclaration !== undefined)) await service.capture({
    '@context': [EPCIS_CONTEXT], type: 'EPCISDocument', schemaVersion: '2.0', creationDate: new Date(now).toISOString(),
    epcisBody: { eventList: [{ ...wrong, eventID: eventIdOf(wrong), errorDeclaration: { declarationTime: new Date(now - 18 * DAY_MS).toISOString(), reason: 'incorrect_data' } }] },
  });
  // residents scan the extinguishers; one code was copied onto an extinguisher in building 5's garage
  const uri = (serial: string) => `https://id.gs1.org/01/${DEMO_EXTINGUISHER_GTIN}/10/B2024-07/21/${serial}`;
  service.scan(uri('FE-2024-0001'), 'b1-stairwell-1', now);
  service.scan(uri(DEMO_COPIED_SERIAL), 'b1-stairwell-2', now);
  service.scan(uri(DEMO_COPIED_SERIAL), 'b5-garage', now);
  lines.push(`demo traced items: 3 fire extinguishers (${DEMO_EXTINGUISHER_GTIN}), 2 lift rollers (${DEMO_LIFT_PART_GTIN}); a copied code: /01/${DEMO_EXTINGUISHER_GTIN}/21/${DEMO_COPIED_SERIAL}`);
  service.store.meta.set('demo-seeded', String(now));
  return lines;
}
