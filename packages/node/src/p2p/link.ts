/**
 * One WebSocket to one peer: the handshake, then encrypted JSON frames. A Link never throws into the socket's event
 * handlers: anything a peer does wrong ends in `close(reason)`, which logs one line and tells the network once.
 */
import { TextDecoder } from 'node:util';
import WebSocket from 'ws';
import type { Org, Signer } from '@machi/core';
import {
  checkHello, deriveSessionKeys, parseAuth, parseHello, signAuth, startHandshake, transcriptHash, verifyAuth,
  type HandshakeContext, type Hello, type Role, type HandshakeStart,
} from './handshake.js';
import { FrameOpener, FrameSealer } from './frames.js';
import type { Duplex } from 'node:stream';
import { CLOSE_MS_MAX, CLOSE_REASON_BYTES_MAX, PRE_AUTH_BYTES_MAX } from './limits.js';
import { logSafe } from '../log-safe.js';

/** WebSocket close codes (4000–4999 are private use). */
export const CLOSE_CODE = {
  /** handshake refused: wrong chain, unknown or own key, bad signature, timeout */
  refused: 4001,
  /** a malformed, oversized, unauthentic or unexpected frame */
  protocol: 4002,
  /** a second link to the same key; the other one is kept */
  duplicate: 4003,
  /** the layer above dropped the peer (`P2PNetwork.disconnect`) */
  policy: 4004,
  /** the peer does not read fast enough, or does not answer pings */
  slow: 4005,
  /** we are shutting down */
  goingAway: 1001,
} as const;

export interface PeerInfo {
  /** the peer's Ed25519 org key, base64url */
  publicKey: string;
  orgId: string;
  /** "host:port" we dialed, or the remote socket address of an inbound link */
  address?: string;
}

/** What a Link needs from the network that owns it. */
export interface LinkHost {
  readonly handshake: HandshakeContext;
  readonly signer: Signer;
  readonly messageBytesMax: number;
  readonly bufferedBytesMax: number;
  readonly handshakeMsMax: number;
  readonly pingIntervalMs: number;
  log(line: string): void;
  /** The peer is authenticated and the link is open; the host may still close it (a duplicate). */
  opened(link: Link): void;
  message(link: Link, message: unknown): void;
  /** Called exactly once per link, whatever ended it. */
  closed(link: Link, reason: string): void;
}

/** Who dialed a link, told when it ends (the reconnect logic). */
export interface LinkOwner {
  linkClosed(link: Link): void;
  /** The socket never opened (refused, unreachable, not a WebSocket): the owner logs it, rate-limited. */
  dialFailed(reason: string): void;
}

type State = 'connecting' | 'hello' | 'auth' | 'open' | 'closed';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function truncateUtf8(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  return buf.subarray(0, bytes).toString('utf8').replace(/\uFFFD$/, '');
}


export class Link {
  private state: State;
  private readonly start: HandshakeStart;
  private peerHello: Hello | undefined;
  private transcript: Buffer | undefined;
  private sealer: FrameSealer | undefined;
  private opener: FrameOpener | undefined;
  private peerOrg: Org | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongSeen = true;
  /** Date.now() when the link opened; undefined before. */
  openedAtMs: number | undefined;
  /** Resolves once the socket is fully closed (or destroyed). */
  readonly socketClosed: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    readonly role: Role,
    private readonly host: LinkHost,
    readonly address: string,
    readonly owner?: LinkOwner,
  ) {
    this.start = startHandshake(host.handshake, host.signer.publicKey);
    this.socketClosed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('error', (err) => this.close(`socket error: ${err.message}`, CLOSE_CODE.protocol));
    ws.on('close', (code, reason) => this.close(`closed by peer (${code}${reason.length > 0 ? `: ${reason.toString('utf8')}` : ''})`, code));
    ws.on('message', (data, isBinary) => this.guard(() => this.receive(data as Buffer, isBinary)));
    ws.on('pong', () => { this.pongSeen = true; });
    this.handshakeTimer = setTimeout(() => this.close('refused: handshake timeout', CLOSE_CODE.refused), host.handshakeMsMax);
    if (ws.readyState === WebSocket.OPEN) {
      this.state = 'hello';
      this.guard(() => this.sendHello());
    } else {
      this.state = 'connecting';
      ws.once('open', () => this.guard(() => {
        if (this.state !== 'connecting') return;
        this.state = 'hello';
        this.sendHello();
      }));
    }
  }

  /** Set once the peer's Hello is accepted; authenticated only once `isOpen`. */
  get peerKey(): string | undefined {
    return this.peerHello?.publicKey;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Precondition: isOpen. */
  get info(): PeerInfo {
    return { publicKey: this.peerHello!.publicKey, orgId: this.peerOrg!.id, address: this.address };
  }

  /** Short description for log lines. */
  describe(): string {
    const dir = this.role === 'initiator' ? '→' : '←';
    if (this.peerHello === undefined) return `${dir} ${this.address}`;
    const org = this.peerOrg?.id ?? 'unknown';
    return `${dir} ${org} (${logSafe(this.peerHello.publicKey, 8)}) ${this.address}`;
  }

  /**
   * Sends one already-encoded JSON message (UTF-8, at most messageBytesMax: the caller checks). False if the link is
   * not open or could not take it (then it is being closed).
   */
  send(plaintext: Uint8Array): boolean {
    if (this.state !== 'open') return false;
    const frame = this.sealer!.seal(plaintext);
    if (frame === undefined) {
      this.close('frame counter exhausted', CLOSE_CODE.protocol);
      return false;
    }
    this.ws.send(frame, { binary: true });
    if (this.ws.bufferedAmount > this.host.bufferedBytesMax) {
      this.close(`peer too slow: ${this.ws.bufferedAmount} bytes buffered`, CLOSE_CODE.slow);
      return false;
    }
    return true;
  }

  /**
   * Counts what the peer sends on `socket` (the raw TCP socket under an inbound link) until the handshake completes,
   * and cuts the socket past `PRE_AUTH_BYTES_MAX`: so an unauthenticated peer cannot make us buffer a message-sized
   * frame. ws parses each chunk (and emits its messages) before this listener sees it, so the chunk that completes the
   * Auth, and any frames the peer sends once authenticated, are not counted.
   */
  limitPreAuthBytes(socket: Duplex, maxBytes = PRE_AUTH_BYTES_MAX): void {
    let bytes = 0;
    const onData = (chunk: Buffer): void => {
      if (this.state === 'open' || this.state === 'closed') return void socket.off('data', onData);
      bytes += chunk.length;
      if (bytes <= maxBytes) return;
      socket.off('data', onData);
      this.close(`protocol: more than ${maxBytes} bytes before the handshake completed`, CLOSE_CODE.protocol);
      this.ws.terminate();
    };
    socket.on('data', onData);
  }

  /** Ends the link (idempotent): logs one line, sends a close frame, destroys the socket if the peer does not answer. */
  close(why: string, code: number = CLOSE_CODE.protocol): void {
    if (this.state === 'closed') return;
    const reason = logSafe(why); // peer-chosen text (close reasons, versions) goes into log lines
    const wasConnecting = this.state === 'connecting';
    this.state = 'closed';
    clearTimeout(this.handshakeTimer);
    clearInterval(this.pingTimer);
    if (wasConnecting && this.owner !== undefined) this.guard(() => this.owner!.dialFailed(reason));
    else this.host.log(`p2p: ${this.describe()} closed: ${reason}`);
    try {
      if (wasConnecting || this.ws.readyState === WebSocket.CONNECTING) {
        this.ws.terminate();
      } else if (this.ws.readyState === WebSocket.OPEN) {
        const wsCode = code >= 4000 || code === 1001 ? code : CLOSE_CODE.protocol;
        this.ws.close(wsCode, truncateUtf8(reason, CLOSE_REASON_BYTES_MAX));
        setTimeout(() => this.ws.terminate(), CLOSE_MS_MAX).unref();
      }
    } catch {
      this.ws.terminate();
    }
    this.guard(() => this.host.closed(this, reason));
    if (this.owner !== undefined) this.guard(() => this.owner!.linkClosed(this));
  }

  /** Runs a step; whatever it throws ends the link instead of escaping into the socket's event loop. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.close(`internal error: ${(e as Error).message}`, CLOSE_CODE.protocol);
    }
  }

  private sendHello(): void {
    this.ws.send(JSON.stringify(this.start.hello));
  }

  private receive(data: Buffer, isBinary: boolean): void {
    switch (this.state) {
      case 'hello':
        return this.receiveHello(data, isBinary);
      case 'auth':
        return this.receiveAuth(data, isBinary);
      case 'open':
        return this.receiveFrame(data, isBinary);
      default:
        return; // connecting (impossible) or closed: drop
    }
  }

  private handshakeText(data: Buffer, isBinary: boolean, what: string): string | undefined {
    if (isBinary) {
      this.close(`protocol: expected ${what}, got a binary frame`, CLOSE_CODE.protocol);
      return undefined;
    }
    return data.toString('utf8');
  }

  private receiveHello(data: Buffer, isBinary: boolean): void {
    const text = this.handshakeText(data, isBinary, 'Hello');
    if (text === undefined) return;
    const parsed = parseHello(text);
    if (!parsed.ok) return this.close(`protocol: ${parsed.reason}`, CLOSE_CODE.protocol);
    const hello = parsed.value;
    this.peerHello = hello;
    const refusal = checkHello(hello, this.host.handshake);
    if (refusal !== undefined) return this.close(refusal, CLOSE_CODE.refused);
    this.peerOrg = this.host.handshake.orgs.get(hello.publicKey);
    const ours = this.start.hello;
    this.transcript = this.role === 'initiator' ? transcriptHash(ours, hello) : transcriptHash(hello, ours);
    const keys = deriveSessionKeys(this.role, this.start.ephPrivate, hello.eph, this.transcript);
    if (keys === undefined) return this.close('refused: degenerate ephemeral key', CLOSE_CODE.refused);
    this.sealer = new FrameSealer(keys.sendKey);
    this.opener = new FrameOpener(keys.receiveKey);
    this.state = 'auth';
    this.ws.send(JSON.stringify(signAuth(this.host.signer, this.role, this.transcript)));
  }

  private receiveAuth(data: Buffer, isBinary: boolean): void {
    const text = this.handshakeText(data, isBinary, 'Auth');
    if (text === undefined) return;
    const parsed = parseAuth(text);
    if (!parsed.ok) return this.close(`protocol: ${parsed.reason}`, CLOSE_CODE.protocol);
    const peerRole: Role = this.role === 'initiator' ? 'responder' : 'initiator';
    if (!verifyAuth(this.peerHello!, peerRole, this.transcript!, parsed.value)) {
      return this.close('refused: bad handshake signature', CLOSE_CODE.refused);
    }
    clearTimeout(this.handshakeTimer);
    this.state = 'open';
    this.openedAtMs = Date.now();
    this.pingTimer = setInterval(() => this.guard(() => this.ping()), this.host.pingIntervalMs).unref();
    this.host.opened(this);
  }

  private receiveFrame(data: Buffer, isBinary: boolean): void {
    if (!isBinary) return this.close('protocol: text frame after the handshake', CLOSE_CODE.protocol);
    this.pongSeen = true;
    const plaintext = this.opener!.open(data);
    if (plaintext === undefined) return this.close('protocol: frame failed authentication (corrupt, replayed or out of order)', CLOSE_CODE.protocol);
    if (plaintext.length > this.host.messageBytesMax) {
      return this.close(`protocol: message of ${plaintext.length} bytes exceeds ${this.host.messageBytesMax}`, CLOSE_CODE.protocol);
    }
    let message: unknown;
    try {
      message = JSON.parse(utf8Strict.decode(plaintext));
    } catch {
      return this.close('protocol: message is not UTF-8 JSON', CLOSE_CODE.protocol);
    }
    this.host.message(this, message);
  }

  private ping(): void {
    if (this.state !== 'open') return;
    if (!this.pongSeen) return this.close('peer unresponsive (no pong)', CLOSE_CODE.slow);
    this.pongSeen = false;
    this.ws.ping();
  }
}
