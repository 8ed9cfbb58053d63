/**
 * The provenance handlers as consensus rules (what any organisation's signed transaction meets, whatever node sent
 * it): a record is captured before it is chained; only the holder hands it over, and the holder moves; only a work's
 * owner transfers or licenses it; an item starts with its commissioning, an event is recorded once, and a correction
 * is a new event that leaves the original in place; handlers are deterministic.
 */
import { describe, expect, it } from 'vitest';
import {
  createRegistry, custody, deskActor, eventsInForce, itemStatus, preserve, traceEvent, tracedItem, workLicence, workRegister, workTransfer, preservedRecord,
  type HandlerContext, type Org, type SignedTx, type TraceEventPayload, type TxType,
} from '../../../src/index.js';
import { MemState, T0, hex32, hex64 } from '../privacy/fixtures.js';

const org = (id: string): Org => ({ id, name: id, publicKey: `key-${id}`, power: 1 });
const PROPERTY = org('property-company');
const POLICE = org('police');
const ORGS = new Map([PROPERTY, POLICE].map((o) => [o.id, o]));
const registry = createRegistry();
let seq = 0;

function apply<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0): void {
  registry.get(type.type)!.checkPayload(payload);
  const ctx: HandlerContext = { state, height: 1, time, txHash: hex64(`tx ${seq++}`), seq, org: signer, orgsById: ORGS, tx: {} as SignedTx };
  type.handle(ctx, payload);
}
const refused = <P>(type: TxType<P>, state: MemState, signer: Org, payload: P, why: RegExp, time = T0): void => {
  const before = [...state.map.entries()];
  expect(() => apply(type, state, signer, payload, time)).toThrow(why);
  // (the registry runs handlers on a copy; here the rule is thrown before any write)
  expect([...state.map.entries()]).toEqual(before);
};

const STAFF = hex32('staff');
const RECORD = 'pr_0123456789abcdef';
const GTIN = '09520123456788';
const ev = (step: TraceEventPayload['step'], n: number, over: Partial<TraceEventPayload> = {}): TraceEventPayload =>
  ({ gtin: GTIN, serial: 'S1', step, eventId: `ni:///sha-256;${hex64(`event ${n}`)}?ver=CBV2.0`, eventTime: T0 - 1000 * n, eventTimeZoneOffset: '+08:00', ...over });

describe('preserved records', () => {
  it('captured before chained; only the holder hands over, and the holder moves', () => {
    const s = new MemState();
    const p = { record: RECORD, hash: hex64('file'), kind: 'photo' as const, capture: { by: STAFF, role: 'property-staff', device: 'camera:x', capturedAt: T0 + 10 * 60_000 }, fileKept: false };
    refused(preserve, s, PROPERTY, p, /capturedAt is after the block time/);
    apply(preserve, s, PROPERTY, { ...p, capture: { ...p.capture, capturedAt: T0 - 1 } });
    refused(preserve, s, PROPERTY, { ...p, capture: { ...p.capture, capturedAt: T0 - 1 } }, /exists/);
    const toPolice = { record: RECORD, from: { org: 'property-company', actor: STAFF }, to: { org: 'police', actor: deskActor('police') }, purpose: 'forensic-exam' as const };
    refused(custody, s, POLICE, toPolice, /only the current holder/);
    refused(custody, s, PROPERTY, { ...toPolice, from: { org: 'property-company', actor: hex32('someone else') } }, /only the current holder/);
    refused(custody, s, PROPERTY, { ...toPolice, to: { org: 'nowhere', actor: deskActor('nowhere') } }, /not an organisation/);
    apply(custody, s, PROPERTY, toPolice);
    expect(preservedRecord(s.read, RECORD)!.holder).toEqual(toPolice.to);
    refused(custody, s, PROPERTY, toPolice, /only the current holder/);
    apply(custody, s, POLICE, { record: RECORD, from: toPolice.to, to: toPolice.from, purpose: 'return' });
    expect(preservedRecord(s.read, RECORD)!.custody.map((c) => c.purpose)).toEqual(['forensic-exam', 'return']);
  });
});

describe('copyright works', () => {
  it('only the owner transfers or licenses; a licence ends after it starts', () => {
    const s = new MemState();
    const hash = hex64('work');
    const owner = { org: 'property-company', actor: STAFF };
    refused(workRegister, s, POLICE, { hash, title: 'T', authors: [hex32('a')], licence: 'CC-BY-4.0', owner }, /own organisation/);
    apply(workRegister, s, PROPERTY, { hash, title: 'T', authors: [hex32('a')], licence: 'CC-BY-4.0', owner });
    const police = { org: 'police', actor: deskActor('police') };
    refused(workLicence, s, PROPERTY, { hash, by: police, licensee: owner, licence: 'MIT' }, /only the owner/);
    refused(workLicence, s, PROPERTY, { hash, by: owner, licensee: police, licence: 'MIT', until: T0 }, /ends before it starts/);
    apply(workLicence, s, PROPERTY, { hash, by: owner, licensee: police, licence: 'MIT', until: T0 + 1 });
    apply(workTransfer, s, PROPERTY, { hash, from: owner, to: police });
    refused(workTransfer, s, PROPERTY, { hash, from: owner, to: police }, /only the owner/);
  });
});

describe('traced items', () => {
  it('starts with its commissioning; an event once; a correction is a new event and the original stays', () => {
    const s = new MemState();
    refused(traceEvent, s, PROPERTY, ev('installed', 1), /first event is its commissioning/);
    refused(traceEvent, s, PROPERTY, ev('commissioned', 1, { gtin: '09520123456789' }), /check digit/);
    apply(traceEvent, s, PROPERTY, ev('commissioned', 1));
    apply(traceEvent, s, PROPERTY, ev('installed', 2, { bizLocation: 'urn:machi:place:b1' }));
    apply(traceEvent, s, PROPERTY, ev('inspected', 3, { disposition: 'conformant' }));
    refused(traceEvent, s, PROPERTY, ev('inspected', 3), /recorded already/);
    refused(traceEvent, s, PROPERTY, ev('inspected', 9, { errorDeclaration: { declarationTime: T0, reason: 'incorrect_data' } }), /no event/);
    const before = tracedItem(s.read, GTIN, 'S1')!;
    expect(itemStatus(before).lastInspection?.eventId).toBe(ev('inspected', 3).eventId);
    apply(traceEvent, s, PROPERTY, ev('inspected', 3, { errorDeclaration: { declarationTime: T0, reason: 'incorrect_data' } }));
    refused(traceEvent, s, PROPERTY, ev('inspected', 3, { errorDeclaration: { declarationTime: T0, reason: 'incorrect_data' } }), /declared erroneous already/);
    const after = tracedItem(s.read, GTIN, 'S1')!;
    expect(after.events.slice(0, 3)).toEqual(before.events);
    expect(eventsInForce(after).map((e) => e.step)).toEqual(['commissioned', 'installed']);
    expect(itemStatus(after)).toEqual({ installedAt: 'urn:machi:place:b1', replaced: false });
  });

  it('is deterministic: the same transactions write the same state', () => {
    const run = () => {
      const s = new MemState();
      seq = 100;
      apply(traceEvent, s, PROPERTY, ev('commissioned', 1));
      apply(traceEvent, s, PROPERTY, ev('replaced', 2));
      return s.log;
    };
    expect(run()).toEqual(run());
  });
});
