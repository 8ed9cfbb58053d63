/**
 * GET /v1/repairs/events (Server-Sent Events) on a real socket: a one-node chain (test/support/node.ts) with the
 * repairs module as `machi start` opens it (REST, events, Open311), listening on a free port; streams opened with
 * fetch and a Bearer token and read as they arrive. Every recorded step arrives as an `event: repair` frame that matches the ledger; nothing
 * private ever does; a user's fifth stream closes their oldest; app.close() ends the open streams.
 * docs/spec/repairs.md#live-updates
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { repairEventSchema, requestRecord, type RepairEvent, type Role } from '@machi/core';
import { actorOf } from '../../src/index.js';
import { REPAIRS_EVENT_STREAMS_PER_USER_MAX } from '../../src/modules/repairs/events.js';
import { oneNode, repairsModule, type OneNode } from '../support/node.js';

const ORG = 'property-company';
const USERS: Record<string, Role> = {
  'chen.dispatch': 'dispatcher',
  'wang.worker': 'maintenance-worker',
  resident1: 'resident',
  resident2: 'resident',
  resident3: 'resident',
};

type Server = OneNode;

/** The one-node fixture with the repairs module (and privacy, which it uses), listening on 127.0.0.1 at a free port. */
const server = (opts: { eventHeartbeatMs?: number } = {}): Promise<Server> =>
  oneNode({ org: ORG, modules: [repairsModule(opts)], users: USERS, displayName: (u) => `${u} display`, listen: true });

async function api(s: Server, user: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${s.tokens.get(user)!}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${s.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, json: text === '' ? undefined : JSON.parse(text) };
}

interface Frame {
  event?: string;
  id?: string;
  data?: string;
  comments: string[];
  retry?: string;
}

/** An open event stream: everything read so far (raw text and parsed frames), and whether the server ended it. */
interface Stream {
  status: number;
  headers: Headers;
  text: () => string;
  frames: () => Frame[];
  ended: () => boolean;
  /** resolves once the server ends the stream (or it errors) */
  done: Promise<void>;
  /** waits until `pred` holds for the frames read so far */
  until<T>(pred: (frames: Frame[]) => T | undefined | false, ms?: number): Promise<T>;
  abort(): void;
}

function parseFrames(text: string): Frame[] {
  const out: Frame[] = [];
  // only complete frames (ended by a blank line)
  const complete = text.slice(0, text.lastIndexOf('\n\n') + 2);
  for (const block of complete.split('\n\n')) {
    if (block === '') continue;
    const f: Frame = { comments: [] };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) f.comments.push(line.slice(1).trim());
      else {
        const i = line.indexOf(':');
        const [k, v] = i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1).replace(/^ /, '')];
        if (k === 'event' || k === 'id' || k === 'retry') f[k] = v;
        else if (k === 'data') f.data = f.data === undefined ? v : `${f.data}\n${v}`;
      }
    }
    out.push(f);
  }
  return out;
}

async function open(s: Server, token: string | undefined): Promise<Stream> {
  const ac = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${s.url}/v1/repairs/events`, { headers, signal: ac.signal });
  let text = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const decoder = new TextDecoder();
  const done = (async () => {
    if (res.body === null) return;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { value, done: d } = await reader.read();
        if (d) break;
        text += decoder.decode(value, { stream: true });
        notify();
      }
    } catch {
      // aborted by the test
    } finally {
      ended = true;
      notify();
    }
  })();
  const stream: Stream = {
    status: res.status,
    headers: res.headers,
    text: () => text,
    frames: () => parseFrames(text),
    ended: () => ended,
    done,
    until: <T>(pred: (frames: Frame[]) => T | undefined | false, ms = 10_000) =>
      new Promise<T>((resolve, reject) => {
        const check = () => {
          const r = pred(parseFrames(text));
          if (r !== undefined && r !== false) {
            cleanup();
            resolve(r);
          } else if (ended) {
            cleanup();
            reject(new Error(`the stream ended before the awaited frame; read:\n${text}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no awaited frame within ${ms} ms; read:\n${text}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    abort: () => ac.abort(),
  };
  return stream;
}

/** An event's data: the core's client contract (the web app reads it with this type). */
type RepairEventData = RepairEvent;
const isRepairEvent = new Ajv({ strict: true }).compile(repairEventSchema);

const repairEvents = (frames: Frame[]): RepairEventData[] => frames.filter((f) => f.event === 'repair').map((f) => JSON.parse(f.data!) as RepairEventData);

/** Waits for the frame of transaction `txHash` on `stream` and returns it, parsed. */
async function frameOf(stream: Stream, txHash: string): Promise<{ frame: Frame; data: RepairEventData }> {
  return stream.until((frames) => {
    const frame = frames.find((f) => f.event === 'repair' && (JSON.parse(f.data!) as RepairEventData).txHash === txHash);
    return frame === undefined ? undefined : { frame, data: JSON.parse(frame.data!) as RepairEventData };
  });
}

/** Resolves true if `p` settles within `ms`, false otherwise. */
const within = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

describe('GET /v1/repairs/events', () => {
  let s: Server;
  const opened: Stream[] = [];
  const stream = async (user: string | undefined, token = user === undefined ? undefined : s.tokens.get(user)) => {
    const st = await open(s, token);
    opened.push(st);
    return st;
  };

  beforeAll(async () => {
    s = await server();
  });
  afterAll(async () => {
    for (const st of opened) st.abort();
    await s?.close();
  });

  it('answers 401 without a token, or with a bad one, and streams nothing', async () => {
    for (const token of [undefined, 'not-a-token', `${s.tokens.get('resident1')!}x`]) {
      const st = await stream(undefined, token);
      expect(st.status, String(token)).toBe(401);
      expect(st.headers.get('content-type') ?? '').not.toContain('text/event-stream');
      await st.done;
      expect(JSON.parse(st.text())).toMatchObject({ code: expect.any(String) });
      expect(st.text()).not.toContain('event:');
    }
  });

  it('opens as an event stream: its headers, a retry hint and the current height', async () => {
    const st = await stream('resident1');
    expect(st.status).toBe(200);
    expect(st.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(st.headers.get('cache-control')).toBe('no-store');
    const first = await st.until((frames) => frames[0]);
    expect(first.retry).toBe('1500');
    expect(first.comments).toEqual([`height ${s.node.head.height}`]);
    expect(st.ended()).toBe(false);
    st.abort();
  });

  it('sends every recorded step as an `event: repair` frame that matches the ledger, to every signed-in user; nothing private', async () => {
    const reporter = await stream('resident1');
    const bystander = await stream('resident2'); // one stream serves every user: public ledger data only
    const worker = await stream('wang.worker');
    await Promise.all([reporter, bystander, worker].map((st) => st.until((f) => f.length > 0)));

    const description = `kitchen pipe burst ${randomBytes(8).toString('hex')} 厨房水管爆裂`;
    const unit = `2单元 ${randomBytes(3).toString('hex')}`;
    const comment = `fixed well ${randomBytes(8).toString('hex')}`;
    const created = await api(s, 'resident1', 'POST', '/v1/repairs', { category: 'burst-pipe', location: { kind: 'home', building: 'b7' }, description, unit });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.request as string;
    const results = [created.json];
    results.push((await api(s, 'resident2', 'POST', `/v1/repairs/${id}/follow`)).json);
    results.push((await api(s, 'chen.dispatch', 'POST', `/v1/repairs/${id}/assign`, { worker: 'wang.worker' })).json);
    for (const action of ['accept', 'arrive']) results.push((await api(s, 'wang.worker', 'POST', `/v1/repairs/${id}/${action}`)).json);
    results.push((await api(s, 'wang.worker', 'POST', `/v1/repairs/${id}/diagnose`, { cause: 'pipe-joint', parts: [{ part: 'valve', quantity: 1 }] })).json);
    results.push((await api(s, 'wang.worker', 'POST', `/v1/repairs/${id}/start`)).json);
    results.push((await api(s, 'wang.worker', 'POST', `/v1/repairs/${id}/finish`)).json);
    results.push((await api(s, 'resident1', 'POST', `/v1/repairs/${id}/confirm`, { rating: 5, comment })).json);
    expect(results.map((r) => r.action)).toEqual(['create', 'follow', 'assign', 'accept', 'arrive', 'diagnose', 'start', 'finish', 'confirm']);

    for (const st of [reporter, bystander, worker]) {
      for (const r of results) {
        const { frame, data } = await frameOf(st, r.txHash as string);
        // exactly these five fields, as the API answered the call
        expect(Object.keys(data).sort()).toEqual(['action', 'height', 'request', 'status', 'txHash']);
        expect(isRepairEvent(data), JSON.stringify(isRepairEvent.errors)).toBe(true);
        expect(data).toEqual({ request: id, action: r.action, status: r.status, height: r.height, txHash: r.txHash });
        expect(frame.id).toBe(String(r.height));
        // and as the ledger recorded it: the transaction is in that block, of that type, accepted
        const tx = s.store.blockTxs(data.height).find((t) => t.hash === data.txHash);
        expect(tx, data.txHash).toBeDefined();
        expect(tx!.code).toBeNull();
        expect(JSON.parse(tx!.body)).toMatchObject({ type: `repair.${data.action}`, payload: { request: id } });
      }
      // in ledger order, each once
      const mine = repairEvents(st.frames()).filter((e) => e.request === id);
      expect(mine.map((e) => e.txHash)).toEqual(results.map((r) => r.txHash));
      expect(mine.map((e) => e.height)).toEqual([...mine.map((e) => e.height)].sort((a, b) => a - b));
    }
    // the timeline's steps (follow records no step) are the frames' steps, with the same statuses
    const timeline = await api(s, 'resident1', 'GET', `/v1/repairs/${id}/timeline`);
    const stepFrames = repairEvents(reporter.frames()).filter((e) => e.request === id && e.action !== 'follow');
    expect(stepFrames.map((e) => [e.action, e.status, e.txHash])).toEqual(timeline.json.steps.map((t: { action: string; status: string; txHash: string }) => [t.action, t.status, t.txHash]));
    expect(requestRecord((k) => s.store.read(k), id)!.status).toBe(stepFrames.at(-1)!.status);

    // nothing private, no pseudonym, no account id: in any stream, raw
    const record = requestRecord((k) => s.store.read(k), id)!;
    const secrets = [
      description, unit, comment, 'kitchen pipe', '厨房', '2单元',
      record.reporter, record.worker!, record.descriptionHash, record.followers[0]!,
      ...[...s.principals.values()].map((p) => p.userId),
      actorOf(ORG, s.principals.get('resident1')!.userId, s.auth.secret),
      'resident1', 'wang.worker', 'display',
    ];
    for (const st of [reporter, bystander, worker]) {
      for (const x of secrets) expect(st.text(), `${x} in the stream`).not.toContain(x);
      for (const f of st.frames()) {
        if (f.event === undefined) continue;
        expect(f.event).toBe('repair');
      }
    }
  });

  it('a refused call sends nothing; the next step does', async () => {
    const st = await stream('resident3');
    await st.until((f) => f.length > 0);
    const created = await api(s, 'resident3', 'POST', '/v1/repairs', { category: 'lift', location: { kind: 'common', building: 'b2' }, description: 'lift stuck' });
    const id = created.json.request as string;
    await frameOf(st, created.json.txHash as string);
    const refused = await api(s, 'wang.worker', 'POST', `/v1/repairs/${id}/accept`); // nobody is assigned yet
    expect(refused.status).toBe(409);
    const cancelled = await api(s, 'resident3', 'POST', `/v1/repairs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    await frameOf(st, cancelled.json.txHash as string);
    expect(repairEvents(st.frames()).filter((e) => e.request === id).map((e) => [e.action, e.status])).toEqual([['create', 'received'], ['cancel', 'cancelled']]);
  });

  it(`a user's ${REPAIRS_EVENT_STREAMS_PER_USER_MAX + 1}th stream closes their oldest; the others, and other users', stay open`, async () => {
    expect(REPAIRS_EVENT_STREAMS_PER_USER_MAX).toBeGreaterThan(1);
    const other = await stream('chen.dispatch');
    const tabs: Stream[] = [];
    for (let i = 0; i < REPAIRS_EVENT_STREAMS_PER_USER_MAX; i++) {
      const st = await stream('resident2');
      await st.until((f) => f.length > 0);
      tabs.push(st);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(tabs.map((t) => t.ended())).toEqual(tabs.map(() => false));

    const extra = await stream('resident2');
    await extra.until((f) => f.length > 0);
    expect(await within(tabs[0]!.done, 5_000)).toBe(true); // the oldest was ended by the server, not by us
    expect(tabs[0]!.ended()).toBe(true);

    // the rest still receive: record a step and see it on each of them
    const created = await api(s, 'resident1', 'POST', '/v1/repairs', { category: 'lighting', location: { kind: 'common', building: 'b3' }, description: 'dark stairs' });
    expect(created.status).toBe(201);
    for (const st of [...tabs.slice(1), extra, other]) {
      await frameOf(st, created.json.txHash as string);
      expect(st.ended()).toBe(false);
    }
    expect(tabs[0]!.text()).not.toContain(created.json.txHash);

    // one more: now the second oldest goes
    const again = await stream('resident2');
    await again.until((f) => f.length > 0);
    expect(await within(tabs[1]!.done, 5_000)).toBe(true);
    for (const st of [...tabs.slice(2), extra, again, other]) expect(st.ended()).toBe(false);
  });

  it('a stream the client closes is forgotten: it no longer counts towards the limit', async () => {
    const tabs: Stream[] = [];
    for (let i = 0; i < REPAIRS_EVENT_STREAMS_PER_USER_MAX; i++) {
      const st = await stream('resident3');
      await st.until((f) => f.length > 0);
      tabs.push(st);
    }
    // the client closes two of them; wait for the server to see the sockets go
    tabs[0]!.abort();
    tabs[1]!.abort();
    await new Promise((r) => setTimeout(r, 300));
    // two new ones fit without closing any of the remaining two
    for (let i = 0; i < 2; i++) {
      const st = await stream('resident3');
      await st.until((f) => f.length > 0);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(tabs[2]!.ended()).toBe(false);
    expect(tabs[3]!.ended()).toBe(false);
  });
});

describe('closing the server', () => {
  it('app.close() ends the open streams and resolves', async () => {
    const s = await server();
    try {
      const streams = await Promise.all(['resident1', 'resident1', 'resident2', 'chen.dispatch'].map((u) => open(s, s.tokens.get(u)!)));
      await Promise.all(streams.map((st) => st.until((f) => f.length > 0)));
      const listeners = s.node.listenerCount('block');
      expect(await within(s.app.close(), 10_000)).toBe(true);
      for (const st of streams) {
        expect(await within(st.done, 5_000)).toBe(true);
        expect(st.ended()).toBe(true);
      }
      // the app's block listeners are gone with it: the route's stream and the metrics' counter (src/api/metrics.ts);
      // this fixture's modules (repairs, privacy) keep none of their own on the node
      expect(listeners).toBe(2);
      expect(s.node.listenerCount('block')).toBe(0);
    } finally {
      await s.close();
    }
  });
});

describe('a stream lasts as long as its token', () => {
  it('ends at the next heartbeat once its token is signed out; other users\' streams stay open', async () => {
    const s = await server({ eventHeartbeatMs: 100 });
    try {
      const mine = await open(s, s.tokens.get('resident1')!);
      const other = await open(s, s.tokens.get('resident2')!);
      await Promise.all([mine, other].map((st) => st.until((f) => f.length > 0)));
      const out = await fetch(`${s.url}/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${s.tokens.get('resident1')!}` } });
      expect(out.status).toBeLessThan(300);
      expect(await within(mine.done, 5_000)).toBe(true);
      expect(mine.ended()).toBe(true);
      // the other stream is still alive: it keeps receiving heartbeats
      const pings = other.text().split(': ping').length;
      await other.until(() => other.text().split(': ping').length > pings + 1);
      expect(other.ended()).toBe(false);
      other.abort();
    } finally {
      await s.close();
    }
  });
});
