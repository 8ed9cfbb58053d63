/** Test scaffolding for the p2p tests: a genesis, nodes on real sockets, and a hand-driven peer that can misbehave. */
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { generateKeyPair, genesisHash, signerFromJwk, type Genesis, type Signer } from '@machi/core';
import { P2PNetwork, type P2POptions, type PeerInfo } from '../../src/p2p/index.js';
import { FrameOpener, FrameSealer } from '../../src/p2p/frames.js';
import {
  deriveSessionKeys, parseAuth, parseHello, signAuth, startHandshake, transcriptHash, verifyAuth,
} from '../../src/p2p/handshake.js';

export function makeGenesis(orgs: number, chainId = 'p2p-test'): { genesis: Genesis; signers: Signer[] } {
  const keys = Array.from({ length: orgs }, () => generateKeyPair());
  return {
    genesis: {
      chainId,
      genesisTime: '2025-01-01T00:00:00.000Z',
      orgs: keys.map((k, i) => ({ id: `org-${i}`, name: `Org ${i}`, publicKey: k.publicKey, power: 1 })),
    },
    signers: keys.map((k) => signerFromJwk(k.jwk)),
  };
}

export const outsiderSigner = (): Signer => signerFromJwk(generateKeyPair().jwk);

/** Ports that were free a moment ago (so that every node can be told every other's address before any starts). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TestNode {
  net: P2PNetwork;
  logs: string[];
  received: { from: PeerInfo; message: unknown }[];
  ups: PeerInfo[];
  downs: { peer: PeerInfo; reason: string }[];
  addr: string;
  key: string;
  /** the addresses this node dials */
  dials: readonly string[];
  /** peers() as sorted org ids */
  peerIds(): string[];
  hasLog(re: RegExp): boolean;
}

/** Every network a test created, closed by `closeAll` (afterEach). */
const created = new Set<P2PNetwork>();

export async function startNode(opts: Omit<P2POptions, 'log'> & { label?: string }): Promise<TestNode> {
  const logs: string[] = [];
  const net = new P2PNetwork({ ...opts, log: (line) => { logs.push(line); if (process.env.P2P_DEBUG) console.log(`[${opts.label ?? ''}] ${line}`); } });
  created.add(net);
  const node: TestNode = {
    net, logs, received: [], ups: [], downs: [], addr: '', key: opts.signer.publicKey, dials: opts.peers ?? [],
    peerIds: () => net.peers().map((p) => p.orgId).sort(),
    hasLog: (re) => logs.some((l) => re.test(l)),
  };
  net.on('message', (from, message) => node.received.push({ from, message }));
  net.on('peer-up', (p) => node.ups.push(p));
  net.on('peer-down', (peer, reason) => node.downs.push({ peer, reason }));
  await net.start();
  if (net.address !== undefined) node.addr = `127.0.0.1:${net.address.port}`;
  return node;
}

export async function closeAll(): Promise<void> {
  await Promise.all([...created].map((n) => n.close()));
  created.clear();
}

/** `n` nodes of orgs 0..n-1 on pre-chosen ports, each dialing every other. */
export async function startMesh(genesis: Genesis, signers: Signer[], n: number, extra: Partial<P2POptions> = {}): Promise<TestNode[]> {
  const ports = await freePorts(n);
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  return Promise.all(Array.from({ length: n }, (_, i) => startNode({
    genesis, signer: signers[i]!, listen: { host: '127.0.0.1', port: ports[i]! },
    peers: addrs.filter((_, j) => j !== i), label: `org-${i}`, ...extra,
  })));
}

/**
 * Waits for a full mesh in its settled shape: every pair joined by the link the lower key dialed. A link the higher
 * key dialed can come up first (the lower key's first dial met a port not yet listening) and is replaced when the
 * lower key's retry lands (when the lower key dials at all); a message sent on it in between may be lost, as the layer
 * above expects of any link. `settled = false` after a link was dropped on purpose: then a dialer that finds its peer
 * connected by the other side's redial idles, and the higher key's link is kept.
 */
export async function waitMesh(nodes: TestNode[], timeoutMs = 10_000, settled = true): Promise<void> {
  const addrOf = new Map(nodes.map((n) => [n.key, n.addr]));
  const ready = (n: TestNode) => n.net.peers().length === nodes.length - 1
    && (!settled || n.net.peers().every((p) => {
      const theirs = addrOf.get(p.publicKey);
      return !(n.key < p.publicKey) || theirs === undefined || !n.dials.includes(theirs) || p.address === theirs;
    }));
  await waitFor(() => nodes.every(ready), settled ? 'a full mesh, each pair on the link its lower key dialed' : 'a full mesh', timeoutMs);
}

/**
 * A peer driven by hand through the real handshake (initiator side), then able to send anything: valid messages,
 * raw bytes, tampered or replayed frames. `closed` resolves with the close code and reason the node sent.
 */
export class RawPeer {
  readonly received: unknown[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  sealer!: FrameSealer;
  private opener!: FrameOpener;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  static async connect(address: string, genesis: Genesis, signer: Signer, opts: { autoPong?: boolean } = {}): Promise<RawPeer> {
    const ws = new WebSocket(`ws://${address}/`, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024, autoPong: opts.autoPong ?? true });
    const peer = new RawPeer(ws);
    const start = startHandshake({ chainId: genesis.chainId, genesisHash: genesisHash(genesis) }, signer.publicKey);
    const texts: string[] = [];
    let wake = () => {};
    ws.on('message', (data, isBinary) => {
      if (!isBinary) { texts.push(data.toString()); wake(); return; }
      const plain = peer.opener.open(data as Buffer);
      peer.received.push(plain === undefined ? { undecryptable: true } : JSON.parse(plain.toString('utf8')));
    });
    const nextText = async (): Promise<string> => {
      const t0 = Date.now();
      while (texts.length === 0) {
        if (ws.readyState > WebSocket.OPEN || Date.now() - t0 > 5000) throw new Error('raw peer: no handshake message');
        await new Promise<void>((r) => { wake = r; setTimeout(r, 20); });
      }
      return texts.shift()!;
    };
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    ws.send(JSON.stringify(start.hello));
    const theirs = parseHello(await nextText());
    if (!theirs.ok) throw new Error(theirs.reason);
    const transcript = transcriptHash(start.hello, theirs.value);
    const keys = deriveSessionKeys('initiator', start.ephPrivate, theirs.value.eph, transcript)!;
    peer.sealer = new FrameSealer(keys.sendKey);
    peer.opener = new FrameOpener(keys.receiveKey);
    ws.send(JSON.stringify(signAuth(signer, 'initiator', transcript)));
    const auth = parseAuth(await nextText());
    if (!auth.ok || !verifyAuth(theirs.value, 'responder', transcript, auth.value)) throw new Error('raw peer: node auth invalid');
    return peer;
  }

  /** A correct frame carrying `message`; returns the frame bytes (for replay). */
  sendMessage(message: unknown): Buffer {
    return this.sendPlain(Buffer.from(JSON.stringify(message), 'utf8'));
  }

  sendPlain(plaintext: Uint8Array): Buffer {
    const frame = this.sealer.seal(plaintext)!;
    this.ws.send(frame, { binary: true });
    return frame;
  }

  sendRaw(bytes: Uint8Array | string, binary = true): void {
    this.ws.send(bytes, { binary });
  }
}
