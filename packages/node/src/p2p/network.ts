/**
 * P2PNetwork: authenticated, encrypted links between the organisations of one genesis (README.md). It listens,
 * dials the configured peers, keeps at most one open link per peer key, and hands each decrypted JSON message to
 * the layer above. It checks nothing inside messages: that layer verifies them and calls `disconnect` on abuse.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { genesisHash, orgByKey, type Genesis, type Org, type Signer } from '@machi/core';
import type { Duplex } from 'node:stream';
import type { HandshakeContext } from './handshake.js';
import { CLOSE_CODE, Link, type LinkHost, type LinkOwner, type PeerInfo } from './link.js';
import { Dialer, parseAddress, wsUrl } from './dialer.js';
import { logSafe } from '../log-safe.js';
import {
  CLOSE_MS_MAX, FRAME_TAG_BYTES, P2P_CONNECTIONS_MAX, HANDSHAKE_BYTES_MAX, HANDSHAKE_MS_MAX, HANDSHAKES_PENDING_MAX, P2P_BUFFERED_BYTES_MAX,
  P2P_MESSAGE_BYTES_MAX, PING_INTERVAL_MS,
} from './limits.js';

export type { PeerInfo } from './link.js';

export interface P2PEvents {
  'peer-up': [PeerInfo];
  'peer-down': [PeerInfo, string];
  message: [PeerInfo, unknown];
}

export interface P2POptions {
  genesis: Genesis;
  /** our org key: what we prove we hold */
  signer: Signer;
  /** omit to only dial out; port 0 picks a free port (read `address` after start) */
  listen?: { host: string; port: number };
  /** "host:port" of the other nodes; each is dialed and redialed until close() */
  peers: string[];
  /** one line per event worth an operator's eye (refusals, disconnects); default: none */
  log?: (line: string) => void;
  /** default P2P_MESSAGE_BYTES_MAX */
  messageBytesMax?: number;
  /** default HANDSHAKE_MS_MAX (tests lower it) */
  handshakeMsMax?: number;
  /** default P2P_BUFFERED_BYTES_MAX (tests lower it) */
  bufferedBytesMax?: number;
  /** default PING_INTERVAL_MS (tests lower it) */
  pingIntervalMs?: number;
}

export class P2PNetwork extends EventEmitter<P2PEvents> {
  private readonly host: LinkHost;
  private readonly log: (line: string) => void;
  private readonly messageBytesMax: number;
  private readonly maxPayload: number;
  /** our key now: it follows a key rotation (the signer is the node's key ring, node/keys.ts) */
  private get ownKey(): string {
    return this.opts.signer.publicKey;
  }
  /** open, authenticated links by peer key: at most one each */
  private readonly links = new Map<string, Link>();
  /** every link not yet closed, in any state */
  private readonly live = new Set<Link>();
  private readonly dialers: Dialer[];
  private wss: WebSocketServer | undefined;
  private server: Server | undefined;
  private listenAddress: { host: string; port: number } | undefined;
  private started = false;
  private closing: Promise<void> | undefined;

  /**
   * The organisations whose nodes may link, from now on: the member set changes by decision
   * (docs/spec/consensus.md#membership). A removed organisation's next handshake is refused; links up stay until they
   * drop (its consensus messages are refused by the driver's checks meanwhile).
   */
  setMembers(orgs: ReadonlyMap<string, Org>): void {
    const map = this.host.handshake.orgs as Map<string, Org>;
    map.clear();
    for (const [k, o] of orgs) map.set(k, o);
  }

  constructor(private readonly opts: P2POptions) {
    super();
    this.log = opts.log ?? (() => {});
    this.messageBytesMax = opts.messageBytesMax ?? P2P_MESSAGE_BYTES_MAX;
    this.maxPayload = Math.max(this.messageBytesMax + FRAME_TAG_BYTES, HANDSHAKE_BYTES_MAX);
    const handshake: HandshakeContext = {
      chainId: opts.genesis.chainId,
      genesisHash: genesisHash(opts.genesis),
      orgs: orgByKey(opts.genesis),
      get ownPublicKey() {
        return opts.signer.publicKey;
      },
    };
    this.host = {
      handshake,
      signer: opts.signer,
      messageBytesMax: this.messageBytesMax,
      bufferedBytesMax: opts.bufferedBytesMax ?? P2P_BUFFERED_BYTES_MAX,
      handshakeMsMax: opts.handshakeMsMax ?? HANDSHAKE_MS_MAX,
      pingIntervalMs: opts.pingIntervalMs ?? PING_INTERVAL_MS,
      log: (line) => this.safely(() => this.log(line)),
      opened: (link) => this.linkOpened(link),
      message: (link, message) => this.safely(() => this.emit('message', link.info, message), 'a message listener'),
      closed: (link, reason) => this.linkClosed(link, reason),
    };
    for (const address of opts.peers) {
      if (parseAddress(address) === undefined) throw new TypeError(`p2p: bad peer address ${JSON.stringify(address)} (want host:port)`);
    }
    const dialerHost = {
      connect: (address: string, owner: LinkOwner) => this.connect(address, owner),
      isConnected: (peerKey: string) => this.links.has(peerKey),
      log: (line: string) => this.host.log(line),
    };
    this.dialers = [...new Set(opts.peers)].map((address) => new Dialer(address, dialerHost));
  }

  /** Listens (if configured), then starts dialing; resolves once listening. Dialing goes on in the background. */
  async start(): Promise<void> {
    if (this.started) throw new Error('p2p: start() called twice');
    this.started = true;
    if (this.opts.listen !== undefined) await this.listen(this.opts.listen);
    if (this.closing !== undefined) {
      // close() ran while we were binding: it found no listener to close, so do it here.
      this.wss?.close();
      this.server?.close();
      this.wss = this.server = this.listenAddress = undefined;
      return;
    }
    for (const dialer of this.dialers) dialer.start();
  }

  get address(): { host: string; port: number } | undefined {
    return this.listenAddress;
  }

  /** Sends one JSON message to one peer. False if it is not connected (or was just dropped as too slow). Throws a
   * TypeError for a value JSON cannot encode and a RangeError beyond messageBytesMax: both are the caller's bug. */
  send(peerKey: string, message: unknown): boolean {
    const link = this.links.get(peerKey);
    if (link === undefined) return false;
    return link.send(this.encode(message));
  }

  /** Sends to every connected peer (encoding once); returns how many took it. Throws as `send`. */
  broadcast(message: unknown): number {
    if (this.links.size === 0) return 0;
    const bytes = this.encode(message);
    let sent = 0;
    for (const link of [...this.links.values()]) if (link.send(bytes)) sent++;
    return sent;
  }

  /** Drops the link to a peer (logged, 'peer-down' emitted). Its dialer, or the peer, will connect again later. */
  disconnect(peerKey: string, reason: string): void {
    this.links.get(peerKey)?.close(`disconnected: ${reason}`, CLOSE_CODE.policy);
  }

  peers(): PeerInfo[] {
    return [...this.links.values()].map((link) => link.info);
  }

  /** Stops dialing, closes every link ('peer-down' for each open one) and the listener. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const dialer of this.dialers) dialer.stop();
    const sockets = [...this.live].map((link) => link.socketClosed);
    for (const link of [...this.live]) link.close('network closed', CLOSE_CODE.goingAway);
    const { wss, server } = this;
    this.wss = undefined;
    this.server = undefined;
    this.listenAddress = undefined;
    wss?.close();
    const serverClosed = server === undefined ? Promise.resolve() : new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // HTTP sockets not (yet) upgraded; upgraded ones are the links closed above
    });
    const capped = (p: Promise<void>) => Promise.race([p, new Promise<void>((r) => setTimeout(r, 2 * CLOSE_MS_MAX).unref())]);
    await Promise.all([...sockets.map(capped), serverClosed]);
  }

  /**
   * Our own HTTP server under ws, so that the upgrade request itself is bounded too: a socket that never completes it
   * is dropped after the handshake timeout (not Node's 5 minutes), and the connection count is capped.
   */
  private listen(at: { host: string; port: number }): Promise<void> {
    const handshakeMs = this.host.handshakeMsMax;
    const server = createServer({
      headersTimeout: handshakeMs, requestTimeout: handshakeMs, connectionsCheckingInterval: Math.min(1_000, handshakeMs),
    });
    server.maxConnections = P2P_CONNECTIONS_MAX;
    server.on('request', (_req, res) => res.writeHead(426, { connection: 'close' }).end());
    const wss = new WebSocketServer({ server, maxPayload: this.maxPayload, perMessageDeflate: false, clientTracking: false });
    // remoteAddress is undefined once the socket has closed (a peer that hung up during the upgrade)
    wss.on('connection', (ws, req) => this.safely(() => this.accept(ws, req.socket, `${req.socket.remoteAddress ?? 'closed socket'}:${req.socket.remotePort ?? '-'}`)));
    wss.on('error', (err) => this.host.log(`p2p: listener error: ${logSafe(err.message)}`));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.host.log(`p2p: listener error: ${logSafe(err.message)}`));
        const a = server.address();
        if (typeof a === 'object' && a !== null) this.listenAddress = { host: a.address, port: a.port };
        this.server = server;
        this.wss = wss;
        resolve();
      });
    });
  }

  private accept(ws: WebSocket, socket: Duplex, address: string): void {
    if (this.closing !== undefined) return ws.terminate();
    let pending = 0;
    for (const link of this.live) if (link.role === 'responder' && !link.isOpen) pending++;
    if (pending >= HANDSHAKES_PENDING_MAX) {
      this.host.log(`p2p: ← ${address} refused: ${pending} handshakes pending`);
      ws.on('error', () => {});
      ws.close(CLOSE_CODE.refused, 'busy');
      setTimeout(() => ws.terminate(), CLOSE_MS_MAX).unref();
      return;
    }
    this.track(new Link(ws, 'responder', this.host, address)).limitPreAuthBytes(socket);
  }

  private connect(address: string, owner: LinkOwner): Link {
    const ws = new WebSocket(wsUrl(address), {
      maxPayload: this.maxPayload, perMessageDeflate: false, handshakeTimeout: this.host.handshakeMsMax, followRedirects: false,
    });
    return this.track(new Link(ws, 'initiator', this.host, address, owner));
  }

  private track(link: Link): Link {
    // A link can close inside its constructor (a send failing at once); then it must not be tracked.
    if (!link.isClosed) this.live.add(link);
    return link;
  }

  /**
   * The pairing rule, applied the same way at both ends so they keep the same link: between keys A < B (string
   * order), prefer the link A dialed. Between two links in the same direction, the newer wins: the older is most
   * likely a dead socket not yet noticed (the peer restarted).
   */
  private linkOpened(link: Link): void {
    const key = link.peerKey!;
    if (link.owner instanceof Dialer) link.owner.learned(key);
    const existing = this.links.get(key);
    if (existing !== undefined && !this.preferred(link, existing)) {
      link.close('duplicate link: keeping the one dialed by the lower key', CLOSE_CODE.duplicate);
      return;
    }
    this.links.set(key, link);
    if (existing !== undefined) {
      // Replaced silently: the peer stays up for the layer above.
      existing.close('duplicate link: replaced by the one dialed by the lower key, or a newer one', CLOSE_CODE.duplicate);
      return;
    }
    this.safely(() => this.emit('peer-up', link.info), "a 'peer-up' listener");
  }

  private preferred(candidate: Link, existing: Link): boolean {
    const lowerDials = (link: Link) => (link.role === 'initiator') === (this.ownKey < link.peerKey!);
    return lowerDials(candidate) || !lowerDials(existing);
  }

  private linkClosed(link: Link, reason: string): void {
    this.live.delete(link);
    if (link.openedAtMs === undefined || this.links.get(link.peerKey!) !== link) return;
    this.links.delete(link.peerKey!);
    this.safely(() => this.emit('peer-down', link.info, reason), "a 'peer-down' listener");
    for (const dialer of this.dialers) dialer.wake(link.peerKey!);
  }

  private encode(message: unknown): Buffer {
    const text = JSON.stringify(message);
    if (text === undefined) throw new TypeError('p2p: message is not JSON-encodable');
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > this.messageBytesMax) throw new RangeError(`p2p: message of ${bytes.length} bytes exceeds ${this.messageBytesMax}`);
    return bytes;
  }

  /** Listener errors are the layer above's bug, not the peer's: log them and carry on. */
  private safely(fn: () => void, what?: string): void {
    try {
      fn();
    } catch (e) {
      if (what === undefined) return; // the log function itself threw: nowhere left to report
      try {
        this.log(`p2p: ${what} threw: ${logSafe((e as Error).message)}`);
      } catch {
        // as above
      }
    }
  }
}
