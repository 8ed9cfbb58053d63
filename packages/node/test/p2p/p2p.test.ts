/**
 * The p2p link layer on real sockets (127.0.0.1): a full mesh, refusals (unknown key, other chain, replayed Auth,
 * own key, slow handshake), misbehaving peers dropped while honest links carry on, one link per pair, reconnect after
 * a restart, backpressure, and rough throughput figures (printed, not asserted).
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { genesisHash, type Genesis } from '@machi/core';
import { CLOSE_CODE, HANDSHAKES_PENDING_MAX, P2P_MESSAGE_BYTES_MAX, FRAME_TAG_BYTES, PRE_AUTH_BYTES_MAX } from '../../src/p2p/index.js';
import { parseHello, startHandshake } from '../../src/p2p/handshake.js';
import {
  RawPeer, closeAll, freePorts, makeGenesis, outsiderSigner, sleep, startMesh, startNode, waitFor, waitMesh, type TestNode,
} from './helpers.js';

afterEach(closeAll);

/** Orgs 0..3 run nodes; org 4 is the identity a hand-driven (possibly misbehaving) peer uses. */
const { genesis, signers } = makeGenesis(5);
const RAW = 4;
const orgKey = (i: number) => signers[i]!.publicKey;

/** Node `a` sends to `b` and `b` receives it: the link works both at the socket and the crypto level. */
async function roundTrip(a: TestNode, b: TestNode, tag: string): Promise<void> {
  expect(a.net.send(b.key, { tag })).toBe(true);
  await waitFor(() => b.received.some((r) => (r.message as { tag?: string }).tag === tag && r.from.publicKey === a.key), `${tag} delivered`);
}

/** A node with one honest peer, and a raw peer (org 4) connected to it. */
async function nodeWithRawPeer(extra: { messageBytesMax?: number; bufferedBytesMax?: number; pingIntervalMs?: number } = {}, autoPong = true) {
  const [n0, n1] = await startMesh(genesis, signers, 2, extra);
  await waitMesh([n0!, n1!]);
  const raw = await RawPeer.connect(n0!.addr, genesis, signers[RAW]!, { autoPong });
  await waitFor(() => n0!.peerIds().includes('org-4'), 'raw peer up');
  return { n0: n0!, n1: n1!, raw };
}

/** After `raw` misbehaved: it is dropped with `code`, logged, and the honest link still works. */
async function expectDropped(n0: TestNode, n1: TestNode, raw: RawPeer, code: number, logRe: RegExp): Promise<void> {
  const closed = await raw.closed;
  expect(closed.code).toBe(code);
  await waitFor(() => !n0.peerIds().includes('org-4'), 'raw peer down');
  expect(n0.hasLog(logRe)).toBe(true);
  expect(n0.downs.map((d) => d.peer.orgId)).toContain('org-4');
  await roundTrip(n0, n1, `still-${randomBytes(4).toString('hex')}`);
  await roundTrip(n1, n0, `still-${randomBytes(4).toString('hex')}`);
}

describe('p2p: mesh', () => {
  it('four nodes of one genesis connect in a full mesh and exchange messages both ways', async () => {
    const nodes = await startMesh(genesis, signers, 4);
    await waitMesh(nodes);
    for (const [i, n] of nodes.entries()) {
      expect(n.peerIds()).toEqual(['org-0', 'org-1', 'org-2', 'org-3'].filter((id) => id !== `org-${i}`));
    }
    for (const a of nodes) for (const b of nodes) if (a !== b) expect(a.net.send(b.key, { from: a.key, to: b.key })).toBe(true);
    await waitFor(() => nodes.every((n) => n.received.length === 3), '12 messages');
    for (const n of nodes) {
      for (const r of n.received) expect(r.message).toEqual({ from: r.from.publicKey, to: n.key });
      expect(new Set(n.received.map((r) => r.from.orgId)).size).toBe(3);
    }
    expect(nodes[0]!.net.broadcast({ hello: 'all' })).toBe(3);
    await waitFor(() => nodes.slice(1).every((n) => n.received.length === 4), 'broadcast');
    expect(nodes[0]!.net.send(orgKey(RAW), { x: 1 })).toBe(false); // not connected
  });

  it('two nodes dialing each other end up with exactly one link (the lower key dials), stably', async () => {
    const nodes = await startMesh(genesis, signers, 2);
    await waitMesh(nodes);
    await sleep(1000); // let any duplicate be resolved and any flapping show
    const ups = nodes.map((n) => n.ups.length);
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    await waitFor(() => sockets() === 2, 'one TCP connection (two socket ends)', 3000);
    await sleep(1000);
    expect(nodes.map((n) => n.ups.length)).toEqual(ups);
    expect(sockets()).toBe(2);
    for (const n of nodes) expect(n.peerIds()).toHaveLength(1);
    // Both dialed; the link dialed by the higher key was dropped as a duplicate, at one end or the other.
    expect(nodes.some((n) => n.hasLog(/duplicate link/))).toBe(true);
    const lower = nodes[0]!.key < nodes[1]!.key ? nodes[0]! : nodes[1]!;
    const higher = lower === nodes[0] ? nodes[1]! : nodes[0]!;
    expect(lower.net.peers()[0]!.address).toBe(higher.addr); // the kept link is the one the lower key dialed
    await roundTrip(nodes[0]!, nodes[1]!, 'after-dedup');
  });

  it('a second link from the same key (a hand-driven duplicate) leaves exactly one link to that key', async () => {
    const [n0, n1] = await startMesh(genesis, signers, 2);
    await waitMesh([n0!, n1!]);
    // A raw peer holding org-1's key dials n0 while n1's link is open.
    const dup = await RawPeer.connect(n0!.addr, genesis, signers[1]!);
    await sleep(500);
    expect(n0!.peerIds()).toEqual(['org-1']);
    expect(n0!.hasLog(/duplicate link/)).toBe(true);
    dup.ws.terminate();
    await waitFor(() => n0!.peerIds().length === 1 && n1!.peerIds().length === 1, 'one link again');
    await roundTrip(n0!, n1!, 'after-dup');
    await roundTrip(n1!, n0!, 'after-dup-back');
    expect(n0!.net.peers()).toHaveLength(1);
  });

  it('after a node is closed and restarted on the same port, the others reconnect by themselves', async () => {
    const ports = await freePorts(4);
    const addrs = ports.map((p) => `127.0.0.1:${p}`);
    const opts = (i: number) => ({
      genesis, signer: signers[i]!, listen: { host: '127.0.0.1', port: ports[i]! }, peers: addrs.filter((_, j) => j !== i), label: `org-${i}`,
    });
    const nodes = await Promise.all([0, 1, 2, 3].map((i) => startNode(opts(i))));
    await waitMesh(nodes);
    await nodes[2]!.net.close();
    await waitFor(() => [0, 1, 3].every((i) => !nodes[i]!.peerIds().includes('org-2')), 'org-2 down everywhere');
    expect(nodes[0]!.downs.some((d) => d.peer.orgId === 'org-2')).toBe(true);
    await sleep(1500); // let the others fail a few redials
    expect(nodes[0]!.hasLog(/→ 127\.0\.0\.1:\d+ unreachable: .*ECONNREFUSED/)).toBe(true);
    const t0 = Date.now();
    // The restarted node dials no one: only the others' redials can bring the mesh back.
    nodes[2] = await startNode({ ...opts(2), peers: [] });
    await waitMesh(nodes, 15_000);
    console.log(`p2p: mesh whole again ${Date.now() - t0} ms after the restart (the others redialed)`);
    await roundTrip(nodes[0]!, nodes[2]!, 'after-restart');
    await roundTrip(nodes[2]!, nodes[3]!, 'after-restart-2');
  });

  it('disconnect() drops a peer for the layer above (logged, peer-down), and the link comes back later', async () => {
    const nodes = await startMesh(genesis, signers, 2);
    await waitMesh(nodes);
    nodes[0]!.net.disconnect(nodes[1]!.key, 'sent an invalid vote');
    await waitFor(() => nodes[0]!.downs.length === 1, 'peer-down');
    expect(nodes[0]!.downs[0]!.reason).toMatch(/invalid vote/);
    expect(nodes[0]!.hasLog(/disconnected: sent an invalid vote/)).toBe(true);
    await waitMesh(nodes, 15_000, false);
  });

  it('a listener that throws is logged; it crashes nothing and the link stays up', async () => {
    const nodes = await startMesh(genesis, signers, 2);
    await waitMesh(nodes);
    nodes[1]!.net.on('message', () => { throw new Error('listener bug'); });
    nodes[0]!.net.send(nodes[1]!.key, { a: 1 });
    await waitFor(() => nodes[1]!.hasLog(/message listener threw: listener bug/), 'logged');
    await roundTrip(nodes[0]!, nodes[1]!, 'still-up');
    expect(nodes[1]!.net.peers()).toHaveLength(1);
  });
});

describe('p2p: refusals', () => {
  it('a node whose key is not in the genesis is refused by all, and each refusal is logged', async () => {
    const nodes = await startMesh(genesis, signers, 3);
    await waitMesh(nodes);
    const outsider = await startNode({ genesis, signer: outsiderSigner(), peers: nodes.map((n) => n.addr), label: 'outsider' });
    await waitFor(() => nodes.every((n) => n.hasLog(/is not an org of the genesis/)), 'refusal logged by all');
    await sleep(200);
    expect(outsider.net.peers()).toEqual([]);
    expect(outsider.ups).toEqual([]);
    for (const n of nodes) expect(n.peerIds()).toHaveLength(2);
    expect(outsider.hasLog(/closed by peer \(4001: refused: key .* is not an org of the genesis\)/)).toBe(true);
  });

  it('a node of another chain id, or of another genesis, is refused (even with a genesis org key)', async () => {
    const nodes = await startMesh(genesis, signers, 2);
    await waitMesh(nodes);
    const otherChain: Genesis = { ...genesis, chainId: 'another-chain' };
    const otherGenesis: Genesis = { ...genesis, genesisTime: '2025-06-01T00:00:00.000Z' };
    const a = await startNode({ genesis: otherChain, signer: signers[RAW]!, peers: [nodes[0]!.addr], label: 'other-chain' });
    const b = await startNode({ genesis: otherGenesis, signer: signers[RAW]!, peers: [nodes[1]!.addr], label: 'other-genesis' });
    await waitFor(() => nodes[0]!.hasLog(/refused: chainId differs/) && nodes[1]!.hasLog(/refused: genesis differs/), 'refusals logged');
    expect(a.net.peers()).toEqual([]);
    expect(b.net.peers()).toEqual([]);
    expect(nodes[0]!.peerIds()).toEqual(['org-1']);
  });

  it('a recorded Auth replayed into a new handshake is refused: the signature binds fresh ephemerals', async () => {
    const [n0] = await startMesh(genesis, signers, 1);
    // The recorder poses as org-0 to an honest node of org 4 and records its Hello and Auth.
    const recorder = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => recorder.once('listening', r));
    const recorded: string[] = [];
    recorder.on('connection', (ws) => {
      ws.on('message', (data) => {
        recorded.push(data.toString());
        if (recorded.length === 1) ws.send(JSON.stringify(startHandshake({ chainId: genesis.chainId, genesisHash: genesisHash(genesis) }, orgKey(0)).hello));
        if (recorded.length === 2) ws.close();
      });
    });
    const victim = await startNode({ genesis, signer: signers[RAW]!, peers: [`127.0.0.1:${(recorder.address() as { port: number }).port}`], label: 'victim' });
    await waitFor(() => recorded.length >= 2, 'a recorded Hello and Auth');
    await victim.net.close();
    recorder.close();
    expect(parseHello(recorded[0]!).ok).toBe(true);
    // Replay both to the real org-0 node, as if we were org 4.
    const ws = new WebSocket(`ws://${n0!.addr}/`);
    ws.on('error', () => {});
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', () => ws.send(recorded[1]!)); // their Hello arrived: send the recorded Auth
    ws.on('open', () => ws.send(recorded[0]!));
    const c = await closed;
    expect(c).toEqual({ code: CLOSE_CODE.refused, reason: 'refused: bad handshake signature' });
    expect(n0!.hasLog(/refused: bad handshake signature/)).toBe(true);
    expect(n0!.ups).toEqual([]);
  });

  it('a node dialing its own address refuses itself', async () => {
    const [port] = await freePorts(1);
    const n = await startNode({ genesis, signer: signers[0]!, listen: { host: '127.0.0.1', port: port! }, peers: [`127.0.0.1:${port}`] });
    await waitFor(() => n.hasLog(/refused: the peer key is our own/), 'self refusal');
    expect(n.net.peers()).toEqual([]);
  });

  it('a socket that never completes the handshake is dropped after the handshake timeout', async () => {
    const n = await startNode({ genesis, signer: signers[0]!, listen: { host: '127.0.0.1', port: 0 }, peers: [], handshakeMsMax: 300 });
    const ws = new WebSocket(`ws://${n.addr}/`);
    ws.on('error', () => {});
    const t0 = Date.now();
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(CLOSE_CODE.refused);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(n.hasLog(/refused: handshake timeout/)).toBe(true);
  });

  it(`more than ${HANDSHAKES_PENDING_MAX} inbound handshakes at once: the extra ones are refused at once`, async () => {
    const n = await startNode({ genesis, signer: signers[0]!, listen: { host: '127.0.0.1', port: 0 }, peers: [] });
    const open = (): Promise<WebSocket> => new Promise((resolve) => {
      const ws = new WebSocket(`ws://${n.addr}/`);
      ws.on('error', () => {});
      ws.on('open', () => resolve(ws));
    });
    const silent = await Promise.all(Array.from({ length: HANDSHAKES_PENDING_MAX }, open));
    const extra = await open();
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => extra.on('close', (code, r) => resolve({ code, reason: r.toString() })));
    expect(closed).toEqual({ code: CLOSE_CODE.refused, reason: 'busy' });
    expect(n.hasLog(new RegExp(`refused: ${HANDSHAKES_PENDING_MAX} handshakes pending`))).toBe(true);
    for (const ws of silent) ws.terminate();
    // Once they are gone, a real peer gets in.
    await waitFor(() => n.logs.filter((l) => /closed by peer/.test(l)).length === HANDSHAKES_PENDING_MAX, 'silent sockets gone');
    const raw = await RawPeer.connect(n.addr, genesis, signers[RAW]!);
    await waitFor(() => n.peerIds().includes('org-4'), 'a real peer accepted');
    raw.ws.terminate();
  });

  it('a peer-chosen close reason cannot inject lines into the log', async () => {
    const [n0] = await startMesh(genesis, signers, 1);
    const raw = await RawPeer.connect(n0!.addr, genesis, signers[RAW]!);
    await waitFor(() => n0!.peerIds().includes('org-4'), 'raw peer up');
    // a newline, an ANSI colour sequence and a right-to-left override ("Trojan Source")
    raw.ws.close(4000, 'bye\nFAKE LOG LINE \x1b[31mred\x1b[0m \u202eevil');
    await waitFor(() => n0!.logs.some((l) => l.includes('closed by peer (4000: bye')), 'reason logged');
    const line = n0!.logs.find((l) => l.includes('closed by peer (4000: bye'))!;
    expect(line).toContain('bye\\nFAKE LOG LINE \\x1b[31mred\\x1b[0m \\u202eevil');
    expect(n0!.logs.every((l) => !/[\n\r\x1b\u202e]/.test(l))).toBe(true);
  });

  it('an HTTP upgrade that never completes is dropped after the handshake timeout; open links are not', async () => {
    const nodes = await startMesh(genesis, signers, 2, { handshakeMsMax: 300 });
    await waitMesh(nodes);
    const port = Number(nodes[0]!.addr.split(':')[1]);
    const slow = connect(port, '127.0.0.1', () => slow.write('GET / HTTP/1.1\r\nHost: x\r\n')); // never ends its headers
    slow.on('error', () => {});
    let answer = '';
    slow.on('data', (d) => { answer += d.toString(); }); // reading also lets us see the server's end
    const t0 = Date.now();
    await new Promise((r) => slow.on('close', r));
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    console.log(`p2p: half-sent upgrade request dropped after ${Date.now() - t0} ms`);
    const plain = await fetch(`http://${nodes[0]!.addr}/`);
    expect(plain.status).toBe(426);
    await sleep(1500); // well past the request timeouts: upgraded sockets must not be subject to them
    expect(nodes.map((n) => n.downs.length)).toEqual([0, 0]);
    await roundTrip(nodes[0]!, nodes[1]!, 'long-lived');
  });

  it('an unauthenticated peer sending a message-sized frame before its handshake is cut after PRE_AUTH_BYTES_MAX', async () => {
    const [n0, n1] = await startMesh(genesis, signers, 2);
    await waitMesh([n0!, n1!]);
    const ws = new WebSocket(`ws://${n0!.addr}/`, { perMessageDeflate: false });
    ws.on('error', () => {});
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    await new Promise<void>((r) => ws.once('open', () => r()));
    // 8 MiB of "Hello" text: within the WebSocket payload limit (sized for messages), far beyond a handshake
    ws.send('x'.repeat(8 * 1024 * 1024));
    await closed;
    await waitFor(() => n0!.hasLog(new RegExp(`more than ${PRE_AUTH_BYTES_MAX} bytes before the handshake completed`)), 'cut logged');
    expect(n0!.peerIds()).toEqual(['org-1']);
    await roundTrip(n0!, n1!, 'after-pre-auth-flood');
  });

  it('a malformed Hello is refused as a protocol error', async () => {
    const n = await startNode({ genesis, signer: signers[0]!, listen: { host: '127.0.0.1', port: 0 }, peers: [] });
    for (const bad of ['not json', JSON.stringify({ v: 1 }), 'x'.repeat(5000)]) {
      const ws = new WebSocket(`ws://${n.addr}/`);
      ws.on('error', () => {});
      ws.on('open', () => ws.send(bad));
      const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
      expect(code).toBe(CLOSE_CODE.protocol);
    }
    expect(n.logs.filter((l) => /protocol: handshake message/.test(l))).toHaveLength(3);
  });
});

describe('p2p: misbehaving peers are dropped while honest links keep working', () => {
  it('garbage bytes after the handshake', async () => {
    const { n0, n1, raw } = await nodeWithRawPeer();
    raw.sendMessage({ ok: true });
    await waitFor(() => n0.received.some((r) => r.from.orgId === 'org-4'), 'a valid message first');
    raw.sendRaw(randomBytes(1000));
    await expectDropped(n0, n1, raw, CLOSE_CODE.protocol, /frame failed authentication/);
  });

  it('a tampered ciphertext (one bit flipped)', async () => {
    const { n0, n1, raw } = await nodeWithRawPeer();
    const frame = raw.sealer.seal(Buffer.from(JSON.stringify({ amount: 1 })))!;
    frame[3]! ^= 0x01;
    raw.sendRaw(frame);
    await expectDropped(n0, n1, raw, CLOSE_CODE.protocol, /frame failed authentication/);
    expect(n0.received.some((r) => r.from.orgId === 'org-4')).toBe(false);
  });

  it('a replayed (stale) frame', async () => {
    const { n0, n1, raw } = await nodeWithRawPeer();
    const frame = raw.sendMessage({ vote: 1 });
    raw.sendRaw(frame);
    await expectDropped(n0, n1, raw, CLOSE_CODE.protocol, /frame failed authentication/);
    expect(n0.received.filter((r) => r.from.orgId === 'org-4')).toHaveLength(1);
  });

  it('an oversized frame (one byte over the limit), while a message of exactly the limit passes', async () => {
    const { n0, n1, raw } = await nodeWithRawPeer();
    const exact = JSON.stringify('a'.repeat(P2P_MESSAGE_BYTES_MAX - 2));
    raw.sendPlain(Buffer.from(exact));
    await waitFor(() => n0.received.some((r) => r.from.orgId === 'org-4'), 'the largest message', 20_000);
    raw.sendRaw(Buffer.alloc(P2P_MESSAGE_BYTES_MAX + FRAME_TAG_BYTES + 1));
    await expectDropped(n0, n1, raw, 1009, /Max payload size exceeded/);
  });

  it('an oversized frame against a lowered messageBytesMax', async () => {
    const { n0, n1, raw } = await nodeWithRawPeer({ messageBytesMax: 1024 });
    raw.sendPlain(Buffer.from(JSON.stringify('b'.repeat(2000))));
    await expectDropped(n0, n1, raw, 1009, /Max payload size exceeded/);
  });

  it('authentic frames that are not UTF-8 JSON', async () => {
    const { n0, n1, raw } = await nodeWithRawPeer();
    raw.sendPlain(Buffer.from('{"unterminated": '));
    await expectDropped(n0, n1, raw, CLOSE_CODE.protocol, /not UTF-8 JSON/);
    const again = await RawPeer.connect(n0.addr, genesis, signers[RAW]!);
    again.sendPlain(Buffer.from([0x22, 0xff, 0xfe, 0x22])); // "\xff\xfe": invalid UTF-8 in a JSON string
    await expectDropped(n0, n1, again, CLOSE_CODE.protocol, /not UTF-8 JSON/);
  });

  it('a text frame after the handshake', async () => {
    const { n0, n1, raw } = await nodeWithRawPeer();
    raw.sendRaw('{"plaintext": true}', false);
    await expectDropped(n0, n1, raw, CLOSE_CODE.protocol, /text frame after the handshake/);
  });

  it('a peer that stops reading is dropped once too much is buffered for it', async () => {
    const { n0, n1, raw } = await nodeWithRawPeer({ bufferedBytesMax: 1024 * 1024 });
    (raw.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const blob = { data: 'z'.repeat(64 * 1024) };
    let sent = 0;
    while (n0.net.send(orgKey(RAW), blob)) if (++sent > 10_000) break;
    expect(sent).toBeLessThan(10_000);
    expect(n0.hasLog(/peer too slow: \d+ bytes buffered/)).toBe(true);
    expect(n0.peerIds()).toEqual(['org-1']);
    await roundTrip(n0, n1, 'after-slow');
    console.log(`p2p: slow peer dropped after ${sent} × 64 KiB queued`);
  });
});

describe('p2p: keepalive', () => {
  it('a peer that stops answering pings is dropped as unresponsive; answering peers are kept', async () => {
    const { n0, n1, raw } = await nodeWithRawPeer({ pingIntervalMs: 150 }, false);
    await expectDropped(n0, n1, raw, CLOSE_CODE.slow, /peer unresponsive \(no pong\)/);
    await sleep(500); // several more ping rounds
    expect(n0.peerIds()).toEqual(['org-1']);
  });
});

describe('p2p: throughput (figures, not assertions)', () => {
  async function measure(bytes: number, count: number, window: number): Promise<void> {
    const [a, b] = await startMesh(genesis, signers, 2);
    await waitMesh([a!, b!]);
    let got = 0;
    b!.net.on('message', () => { got++; });
    const message = { type: 'blob', data: 'x'.repeat(bytes - 30) };
    const size = Buffer.byteLength(JSON.stringify(message));
    const t0 = process.hrtime.bigint();
    for (let sent = 0; sent < count;) {
      const batch = Math.min(window, count - sent);
      // every send is accepted: counted, then checked once a batch (an expect per message is most of the CPU here)
      let accepted = 0;
      for (let i = 0; i < batch; i++) if (a!.net.send(b!.key, message)) accepted++;
      expect(accepted, 'sends accepted in the batch').toBe(batch);
      sent += batch;
      await waitFor(() => got >= sent, 'the batch', 60_000);
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`p2p throughput: ${count} × ${size} B in ${s.toFixed(2)} s = ${Math.round(count / s)} msg/s, ${(count * size / s / 2 ** 20).toFixed(1)} MiB/s`);
    expect(got).toBe(count);
  }

  it('64 KiB messages between two nodes', async () => {
    await measure(64 * 1024, 2048, 256);
  });

  it('256-byte messages (vote-sized) between two nodes', async () => {
    await measure(256, 100_000, 5_000);
  });
});
