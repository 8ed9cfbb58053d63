/**
 * provenance on one node, in process: preserved records (provenance at capture, a resident's per-record pseudonym,
 * the file kept sealed and checked against the hash, custody handovers), the PDF certificate (its text read back with
 * pdfjs-dist, its QR code decoded with jsQR from the image in the PDF) and the export package (verified, and one byte
 * changed names the field), copyright works, and traced items: EPCIS 2.0 in and out against the EPCIS 2.0 JSON schema
 * (packages/node/data/epcis, see SOURCE.md), bad GTIN check digits, corrections as new events, scans and the alert a
 * copied code raises; and the demo seed.
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, PDFName, PDFNumber, PDFRawStream } from 'pdf-lib';
import jsQR from 'jsqr';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { verifyPreservedPackage, gtinCheckDigit } from '@machi/core';
import { oneNode, type OneNode } from '../support/node.js';
import { EPCIS_CONTEXT, epcisSchemaError } from '../../src/modules/provenance/epcis.js';

let s: OneNode;
beforeAll(async () => {
  s = await oneNode({ modules: ['provenance'], otherOrgs: ['police', 'street-office'], publicUrl: 'https://machi.example', demo: true });
});
afterAll(async () => s?.close());

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const ok = (r: { status: number; json: any; body: string }, status = 200): any => {
  expect(r.status, r.body).toBe(status);
  return r.json;
};
const GTIN = `0690123400099${gtinCheckDigit('0690123400099')}`;
const doc = (events: object[]) => ({ '@context': [EPCIS_CONTEXT], type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-12-01T08:00:00Z', epcisBody: { eventList: events } });
const ev = (bizStep: string, serial: string, time: string, extra: object = {}) => ({
  type: 'ObjectEvent', action: bizStep === 'commissioning' ? 'ADD' : 'OBSERVE', bizStep, epcList: [`https://id.gs1.org/01/${GTIN}/10/L1/21/${serial}`],
  eventTime: time, eventTimeZoneOffset: '+08:00', ...extra,
});

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, isEvalSupported: false }).promise;
  const page = await pdf.getPage(1);
  const content = await page.getTextContent();
  return content.items.map((i) => ('str' in i ? i.str : '')).join('\n');
}

/** The QR image pdf-lib embedded (RGB, deflated), decoded with jsQR. */
async function pdfQr(bytes: Uint8Array): Promise<string | undefined> {
  const pdf = await PDFDocument.load(bytes);
  for (const [, obj] of pdf.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFRawStream) || obj.dict.get(PDFName.of('Subtype')) !== PDFName.of('Image')) continue;
    const w = (obj.dict.get(PDFName.of('Width')) as PDFNumber).asNumber();
    const h = (obj.dict.get(PDFName.of('Height')) as PDFNumber).asNumber();
    const raw = inflateSync(Buffer.from(obj.contents));
    const channels = raw.length / (w * h);
    if (channels !== 3 && channels !== 1) continue; // an alpha mask
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      for (let c = 0; c < 3; c++) rgba[i * 4 + c] = raw[i * channels + (channels === 3 ? c : 0)]!;
      rgba[i * 4 + 3] = 255;
    }
    return jsQR(rgba, w, h)?.data;
  }
  return undefined;
}

describe('preserved records', () => {
  let staffRecord: any;
  const file = Buffer.from('CCTV export: b2 lobby, 2026-12-01 20:00-20:10');

  it('preserves with provenance at capture; keeps the file sealed only when it hashes to the record', async () => {
    staffRecord = ok(await s.call('POST', '/v1/preserved', { as: 'li.staff', body: { hash: sha(file), kind: 'video', device: 'cctv:b2-lobby-1', capturedAt: Date.now() - 60_000, place: 'b2-lobby', label: 'night of the theft', keepFile: true } }), 201);
    expect(staffRecord.record).toMatchObject({ hash: sha(file), kind: 'video', fileKept: true, capture: { role: 'property-staff', device: 'cctv:b2-lobby-1', place: 'b2-lobby' } });
    expect(staffRecord.label).toBe('night of the theft');
    // the label is not on the ledger
    expect(JSON.stringify(staffRecord.proof)).not.toContain('night of the theft');
    const id = staffRecord.record.record;
    const wrong = await s.call('PUT', `/v1/preserved/${id}/file`, { as: 'li.staff', body: Buffer.from('another file'), headers: { 'content-type': 'application/octet-stream' } });
    expect(wrong.status).toBe(409);
    expect(wrong.json.code).toBe('PRESERVED_CONFLICT');
    ok(await s.call('PUT', `/v1/preserved/${id}/file`, { as: 'li.staff', body: file, headers: { 'content-type': 'video/mp4' } }));
    const back = await s.call('GET', `/v1/preserved/${id}/file`, { as: 'li.staff' });
    expect(back.status).toBe(200);
    expect(back.body).toBe(file.toString());
    expect((await s.call('GET', `/v1/preserved/${id}/file`, { as: 'resident1' })).status).toBe(403);
    // public view: ledger data and proofs, no label
    const pub = ok(await s.call('GET', `/v1/preserved/${id}`));
    expect(pub.label).toBeUndefined();
    expect(pub.proof.txHash).toBe(staffRecord.record.txHash);
  });

  it('data cannot be chained before it was captured: a capture time after the block is refused', async () => {
    const r = await s.call('POST', '/v1/preserved', { as: 'li.staff', body: { hash: sha('later'), kind: 'photo', device: 'camera:x', capturedAt: Date.now() + 3_600_000, keepFile: false } });
    expect(r.status).toBe(409);
    expect(r.json.code).toBe('PRESERVED_CONFLICT');
    expect(r.json.message).toMatch(/capturedAt is after the block time/);
  });

  it('a resident appears under a pseudonym of each record, never a stable one', async () => {
    const a = ok(await s.call('POST', '/v1/preserved', { as: 'resident1', body: { hash: sha('photo 1'), kind: 'photo', device: 'phone:camera', capturedAt: Date.now() - 1000, keepFile: false } }), 201);
    const b = ok(await s.call('POST', '/v1/preserved', { as: 'resident1', body: { hash: sha('photo 2'), kind: 'photo', device: 'phone:camera', capturedAt: Date.now() - 1000, keepFile: false } }), 201);
    expect(a.record.capture.by).not.toBe(b.record.capture.by);
    expect(a.record.capture.by).not.toBe(s.principals.get('resident1')!.actor);
    const mine = ok(await s.call('GET', '/v1/preserved', { as: 'resident1' })).records.map((r: any) => r.record.record);
    expect(mine).toEqual(expect.arrayContaining([a.record.record, b.record.record]));
    expect(ok(await s.call('GET', '/v1/preserved', { as: 'resident2' })).records.map((r: any) => r.record.record)).not.toContain(a.record.record);
    // a file when none was to be kept: refused
    expect((await s.call('PUT', `/v1/preserved/${a.record.record}/file`, { as: 'resident1', body: Buffer.from('photo 1'), headers: { 'content-type': 'image/jpeg' } })).json.code).toBe('PRESERVED_CONFLICT');
  });

  it('custody: each handover a signed step; the former holder can no longer hand it over', async () => {
    const id = staffRecord.record.record;
    const v = ok(await s.call('POST', `/v1/preserved/${id}/custody`, { as: 'li.staff', body: { to: 'police', purpose: 'forensic-exam' } }));
    expect(v.custody).toHaveLength(1);
    expect(v.holder.org).toBe('police');
    expect(v.custodyProofs[0].tx.type).toBe('provenance.custody');
    const again = await s.call('POST', `/v1/preserved/${id}/custody`, { as: 'li.staff', body: { to: 'street-office', purpose: 'transfer' } });
    expect(again.status).toBe(403);
    expect((await s.call('POST', `/v1/preserved/${id}/custody`, { as: 'li.staff', body: { to: 'nowhere', purpose: 'transfer' } })).status).toBe(403);
  });

  it('the PDF certificate holds the filing number, time and organisation; its QR code decodes to the verification address', async () => {
    const tx = staffRecord.record.txHash;
    const r = await s.app.inject({ method: 'GET', url: `/v1/certificates/${tx}` });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    const bytes = new Uint8Array(r.rawPayload);
    const text = await pdfText(bytes);
    const pkg = ok(await s.call('GET', `/v1/certificates/${tx}/package`));
    expect(text).toContain(`Filing number: ${tx}`);
    expect(text).toContain(`Recorded at: ${new Date(pkg.proof.header.time).toISOString().replace('.000Z', 'Z')}`);
    expect(text).toContain('Organisation: property-company');
    expect(text).toContain('device or system: cctv:b2-lobby-1');
    expect(text).toMatch(/Chain of custody: 1 handover/);
    expect(await pdfQr(bytes)).toBe(`https://machi.example/verify/${tx}`);
  });

  it('a certificate for a transaction that is not a preserved record: 404', async () => {
    const custodyTx = ok(await s.call('GET', `/v1/preserved/${staffRecord.record.record}`)).custody[0].txHash;
    for (const tx of [custodyTx, 'ab'.repeat(32)]) {
      const r = await s.call('GET', `/v1/certificates/${tx}`);
      expect(r.status).toBe(404);
      expect(r.json.code).toBe('PRESERVED_NOT_FOUND');
      expect((await s.call('GET', `/v1/certificates/${tx}/package`)).status).toBe(404);
    }
  });

  it('the export package verifies offline with its genesis; one byte changed names the field', async () => {
    const pkg = ok(await s.call('GET', `/v1/certificates/${staffRecord.record.txHash}/package`));
    const good = verifyPreservedPackage(pkg, sha(file));
    expect(good).toMatchObject({ ok: true, filingNumber: staffRecord.record.txHash, org: 'property-company', custodySteps: 1 });
    expect(verifyPreservedPackage(pkg, sha('another file'))).toMatchObject({ ok: false, field: 'fileHash' });
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);
    // the field each change is caught at (a signature is part of the transaction's hash; a header field, of what the commit signs)
    const cases: [string, (p: any) => void][] = [
      ['record.capture', (p) => { p.record.capture.capturedAt += 1; }],
      ['record.kind', (p) => { p.record.kind = 'audio'; }],
      ['proof.txHash', (p) => { p.proof.tx.sig = flip(p.proof.tx.sig, 10); }],
      ['proof.commit', (p) => { p.proof.header.logRoot = flip(p.proof.header.logRoot, 5); }],
      ['proof.inclusionProof', (p) => { p.proof.inclusionProof = p.proof.inclusionProof.length === 0 ? ['00'.repeat(32)] : p.proof.inclusionProof.map((h: string) => flip(h, 3)); }],
      ['custody[0].step.purpose', (p) => { p.custody[0].step.purpose = 'return'; }],
      ['genesisHash', (p) => { p.genesis.chainId += 'x'; }],
      ['filingNumber', (p) => { p.filingNumber = flip(p.filingNumber, 0); }],
    ];
    for (const [field, change] of cases) {
      const p = structuredClone(pkg);
      change(p);
      const v = verifyPreservedPackage(p, sha(file));
      expect(v.ok ? 'verified' : v.field, field).toBe(field);
    }
  });
});

describe('copyright works', () => {
  const hash = sha('a song about the east gate');
  it('registers with pseudonymous authors; public lookup; only the owner licenses or transfers', async () => {
    const w = ok(await s.call('POST', '/v1/works', { as: 'resident2', body: { hash, title: 'East Gate Song', authors: ['张三', '李四'], licence: 'CC-BY-4.0' } }), 201);
    expect(w.authors).toHaveLength(2);
    expect(JSON.stringify(w)).not.toContain('张三');
    expect((await s.call('POST', '/v1/works', { as: 'resident3', body: { hash, title: 'mine', authors: ['x'], licence: 'MIT' } })).json.code).toBe('WORK_CONFLICT');
    const pub = ok(await s.call('GET', `/v1/works/${hash}`));
    expect(pub).toMatchObject({ title: 'East Gate Song', licence: 'CC-BY-4.0' });
    expect(pub.steps[0].proof.tx.type).toBe('provenance.work.register');
    expect((await s.call('POST', `/v1/works/${hash}/licences`, { as: 'resident3', body: { org: 'street-office', licence: 'CC-BY-NC-4.0' } })).json.code).toBe('WORK_CONFLICT');
    ok(await s.call('POST', `/v1/works/${hash}/licences`, { as: 'resident2', body: { org: 'street-office', licence: 'CC-BY-NC-4.0' } }));
    const t = ok(await s.call('POST', `/v1/works/${hash}/transfer`, { as: 'resident2', body: { to: 'police' } }));
    expect(t.owner.org).toBe('police');
    expect(t.steps.map((x: any) => x.kind)).toEqual(['register', 'licence', 'transfer']);
    expect((await s.call('GET', `/v1/works/${sha('nothing')}`)).status).toBe(404);
  });
});

describe('traced items: GS1 Digital Link and EPCIS 2.0', () => {
  const input = doc([
    ev('commissioning', 'X-1', '2026-10-01T09:00:00+08:00', { disposition: 'active' }),
    ev('installing', 'X-1', '2026-10-05T09:00:00+08:00', { disposition: 'active', bizLocation: { id: 'urn:machi:place:b3-stairwell-1' } }),
    ev('inspecting', 'X-1', '2026-11-05T09:00:00+08:00', { disposition: 'conformant' }),
  ]);

  it('takes in a schema-valid document and serves the item as EPCIS 2.0 that meets the schema', async () => {
    expect(epcisSchemaError(input)).toBeUndefined();
    const r = ok(await s.call('POST', '/v1/trace/events', { as: 'wang.worker', body: input }), 201);
    expect(r.events).toHaveLength(3);
    const out = await s.call('GET', `/v1/trace/items/${GTIN}/X-1/epcis`);
    expect(out.status).toBe(200);
    expect(epcisSchemaError(out.json)).toBeUndefined();
    expect(out.json.epcisBody.eventList.map((e: any) => e.bizStep)).toEqual(['commissioning', 'installing', 'inspecting']);
    expect(out.json.epcisBody.eventList[0].epcList[0]).toBe(`https://machi.example/01/${GTIN}/10/L1/21/X-1`);
    const item = ok(await s.call('GET', '/v1/trace/lookup', { query: { uri: `https://example.com/01/${GTIN}/21/X-1` } }));
    expect(item).toMatchObject({ installedAt: 'b3-stairwell-1', batch: 'L1', replaced: false });
    expect(item.lastInspection.event.disposition).toBe('conformant');
  });

  it('refuses a document that fails the schema with the schema\'s message, and a bad GTIN check digit', async () => {
    const { eventTime: _t, ...noTime } = ev('inspecting', 'X-1', '2026-11-06T09:00:00+08:00');
    const bad = await s.call('POST', '/v1/trace/events', { as: 'wang.worker', body: doc([noTime]) });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('EPCIS_INVALID');
    expect(bad.json.message).toContain('EPCIS 2.0 JSON schema');
    expect(bad.json.message).toContain(epcisSchemaError(doc([noTime]))!);
    const notDoc = await s.call('POST', '/v1/trace/events', { as: 'wang.worker', body: { ...input, type: 'EPCISDocument', schemaVersion: 2 } });
    expect(notDoc.status).toBe(400);
    const wrongDigit = (GTIN.slice(0, 13) + ((Number(GTIN[13]) + 1) % 10));
    const badGtin = await s.call('POST', '/v1/trace/events', { as: 'wang.worker', body: doc([{ ...ev('inspecting', 'X-1', '2026-11-06T09:00:00+08:00'), epcList: [`https://id.gs1.org/01/${wrongDigit}/21/X-1`] }]) });
    expect(badGtin.status).toBe(400);
    expect(badGtin.json.code).toBe('DIGITAL_LINK_INVALID');
    const lookup = await s.call('GET', '/v1/trace/lookup', { query: { uri: `https://id.gs1.org/01/${wrongDigit}/21/X-1` } });
    expect(lookup.status).toBe(400);
    expect(lookup.json.message).toMatch(/check digit/);
    expect((await s.call('GET', `/v1/trace/items/${wrongDigit}/X-1`)).json.code).toBe('DIGITAL_LINK_INVALID');
    expect((await s.call('POST', '/v1/trace/scans', { body: { uri: `https://machi.example/01/${wrongDigit}/21/X-1` } })).status).toBe(400);
    expect((await s.call('POST', '/v1/trace/events', { as: 'resident1', body: input })).status).toBe(403);
  });

  it('a correction is a new event (errorDeclaration); recording the same event again is refused', async () => {
    const again = await s.call('POST', '/v1/trace/events', { as: 'wang.worker', body: doc([input.epcisBody.eventList[2]!]) });
    expect(again.status).toBe(409);
    const item = ok(await s.call('GET', `/v1/trace/items/${GTIN}/X-1`));
    const inspection = item.lastInspection.event;
    const wrong = { ...input.epcisBody.eventList[2], eventID: inspection.eventId, errorDeclaration: { declarationTime: '2026-11-07T09:00:00+08:00', reason: 'incorrect_data' } };
    ok(await s.call('POST', '/v1/trace/events', { as: 'wang.worker', body: doc([wrong]) }), 201);
    const after = ok(await s.call('GET', `/v1/trace/items/${GTIN}/X-1`));
    expect(after.events).toHaveLength(4);
    expect(after.events[2].erroneous).toBe(true);
    expect(after.lastInspection).toBeUndefined();
    const out = await s.call('GET', `/v1/trace/items/${GTIN}/X-1/epcis`);
    expect(epcisSchemaError(out.json)).toBeUndefined();
    expect(out.json.epcisBody.eventList[3].errorDeclaration.reason).toBe('incorrect_data');
  });

  it('scans are counted per serial; a scan where the item is not installed raises an alert', async () => {
    const uri = `https://machi.example/01/${GTIN}/10/L1/21/X-1`;
    const here = ok(await s.call('POST', '/v1/trace/scans', { body: { uri, place: 'b3-stairwell-1' } }));
    expect(here.alert).toBeUndefined();
    expect(here.item.scans.total).toBeGreaterThanOrEqual(1);
    const there = ok(await s.call('POST', '/v1/trace/scans', { body: { uri, place: 'b9-garage' } }));
    expect(there.alert.kind).toBe('elsewhere');
    const alerts = ok(await s.call('GET', '/v1/trace/alerts', { as: 'li.staff' })).alerts;
    expect(alerts.some((a: any) => a.serial === 'X-1' && a.place === 'b9-garage')).toBe(true);
    expect((await s.call('GET', '/v1/trace/alerts', { as: 'resident1' })).status).toBe(403);
  });
});

describe('demo seed', () => {
  it('seeds preserved records with custody, a work, extinguishers and lift parts, and one copied code that raised an alert', async () => {
    await expect.poll(async () => (await s.call('GET', '/v1/trace/alerts', { as: 'li.staff' })).json.alerts.some((a: any) => a.place === 'b5-garage'), { timeout: 20_000 }).toBe(true);
    const items = ok(await s.call('GET', '/v1/trace/items', { as: 'li.staff' })).items;
    expect(items.length).toBeGreaterThanOrEqual(5);
    const replaced = items.find((i: any) => i.serial === 'LR-7781');
    expect(replaced.replaced).toBe(true);
    const mine = ok(await s.call('GET', '/v1/preserved', { as: 'li.staff' })).records;
    expect(mine.some((r: any) => r.custody.length === 1)).toBe(true);
  });
});
