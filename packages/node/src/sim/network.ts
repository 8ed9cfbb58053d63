/**
 * The simulated network, disk-less and socket-less: per-node transports implementing the driver's PeerTransport over
 * the simulator's event queue. Messages are JSON-encoded when sent and decoded on delivery, as on a real link. Before
 * GST a message may be dropped, duplicated, delayed (with spikes) or reordered, and links cut by partitions; after GST
 * every message between live nodes arrives within DELTA_MS. A disconnect (a peer judged misbehaving) takes the link
 * down for a while, then both sides see 'peer-up', as after a reconnect.
 */
import { P2P_MESSAGE_BYTES_MAX, assert } from '@machi/core';
import type { Prng } from '@machi/core/sim';
import type { PeerTransport } from '../consensus/transport.js';
import type { World } from './world.js';

/** Bound on message delay after GST. */
export const DELTA_MS = 100;
/** A link cut by a disconnect comes back (both sides reconnect) after this long. */
export const RECONNECT_MS = 1_000;

export interface NetFaults {
  gstMs: number;
  dropProbability: number;
  duplicateProbability: number;
  delayMsMax: number;
  spikeProbability: number;
  /** before GST: each partition splits the nodes in two groups from startMs to endMs (≤ GST) */
  partitions: { startMs: number; endMs: number; group: number[] }[];
}

export interface NetCounts {
  sent: number;
  delivered: number;
  drop: number;
  duplicate: number;
  reorder: number;
  'delay-spike': number;
  'partition-drop': number;
  disconnect: number;
  /** disconnects of an honest node by an honest node: not a safety problem, but a false accusation */
  'honest-disconnect': number;
  /** disconnects for invalid gossiped transactions (CONS-PEER-1), back-off drops of reconnections not included */
  'gossip-disconnect': number;
}

type Listener = (peer: { publicKey: string; orgId: string }, message?: unknown) => void;

interface Endpoint {
  key: string;
  orgId: string;
  up: boolean;
  incarnation: number;
  transport: SimTransport | undefined;
}

export class SimNetwork {
  readonly #world: World;
  readonly #rng: Prng;
  readonly #faults: NetFaults;
  readonly endpoints: Endpoint[] = [];
  readonly #linkEpoch = new Map<string, number>();
  readonly #linkDownUntil = new Map<string, number>();
  readonly #lastArrival = new Map<string, number>();
  readonly #honest: (index: number) => boolean;
  readonly counts: NetCounts = { sent: 0, delivered: 0, drop: 0, duplicate: 0, reorder: 0, 'delay-spike': 0, 'partition-drop': 0, disconnect: 0, 'honest-disconnect': 0, 'gossip-disconnect': 0 };

  constructor(world: World, rng: Prng, faults: NetFaults, nodes: { key: string; orgId: string }[], honest: (index: number) => boolean) {
    this.#world = world;
    this.#rng = rng;
    this.#faults = faults;
    this.#honest = honest;
    for (const n of nodes) this.endpoints.push({ ...n, up: false, incarnation: 0, transport: undefined });
  }

  /** A node (re)starts: a new transport for its new incarnation; links to every live node come up shortly after. */
  attach(index: number): SimTransport {
    const e = this.endpoints[index]!;
    e.up = true;
    e.incarnation++;
    e.transport = new SimTransport(this, index);
    for (let j = 0; j < this.endpoints.length; j++) if (j !== index && this.endpoints[j]!.up) this.#linkUp(index, j, this.#rng.int(1, 50));
    return e.transport;
  }

  /** A crash: the node's links die with it; messages in flight to it are lost. */
  detach(index: number): void {
    const e = this.endpoints[index]!;
    e.up = false;
    e.transport = undefined;
  }

  /** A partition heals: the links it cut reconnect (their keepalives had timed out). */
  heal(group: number[]): void {
    for (let i = 0; i < this.endpoints.length; i++) {
      for (let j = i + 1; j < this.endpoints.length; j++) if (group[i] !== group[j]) this.#linkUp(i, j, this.#rng.int(1, 50));
    }
  }

  #linkUp(i: number, j: number, afterMs: number): void {
    const epoch = this.#linkEpoch.get(pair(i, j)) ?? 0;
    const a = this.endpoints[i]!;
    const b = this.endpoints[j]!;
    const [ia, ib] = [a.incarnation, b.incarnation];
    this.#world.schedule(afterMs, () => {
      if ((this.#linkEpoch.get(pair(i, j)) ?? 0) !== epoch || a.incarnation !== ia || b.incarnation !== ib || !a.up || !b.up) return;
      a.transport?.emitPeerUp(b);
      b.transport?.emitPeerUp(a);
    });
  }

  #partitioned(i: number, j: number): boolean {
    const now = this.#world.now;
    return this.#faults.partitions.some((p) => p.startMs <= now && now < p.endMs && p.group[i] !== p.group[j]);
  }

  send(from: number, to: number, text: string): boolean {
    const a = this.endpoints[from]!;
    const b = this.endpoints[to]!;
    if (!a.up || !b.up) return false;
    const now = this.#world.now;
    const link = pair(from, to);
    if ((this.#linkDownUntil.get(link) ?? 0) > now) return false;
    this.counts.sent++;
    if (this.#partitioned(from, to)) {
      this.counts['partition-drop']++;
      return true;
    }
    const beforeGst = now < this.#faults.gstMs;
    if (beforeGst && this.#rng.chance(this.#faults.dropProbability)) {
      this.counts.drop++;
      return true;
    }
    const copies = this.#rng.chance(this.#faults.duplicateProbability) ? 2 : 1;
    if (copies === 2) this.counts.duplicate++;
    const epoch = this.#linkEpoch.get(link) ?? 0;
    const incarnation = b.incarnation;
    for (let c = 0; c < copies; c++) {
      let delay = beforeGst ? this.#rng.int(1, this.#faults.delayMsMax) : this.#rng.int(1, DELTA_MS);
      if (beforeGst && this.#rng.chance(this.#faults.spikeProbability)) {
        delay = this.#rng.int(500, 3000);
        this.counts['delay-spike']++;
      }
      const arrival = now + delay;
      const lastKey = `${from}>${to}`;
      if (arrival < (this.#lastArrival.get(lastKey) ?? 0)) this.counts.reorder++;
      this.#lastArrival.set(lastKey, Math.max(arrival, this.#lastArrival.get(lastKey) ?? 0));
      this.#world.schedule(delay, () => {
        if (!b.up || b.incarnation !== incarnation || (this.#linkEpoch.get(link) ?? 0) !== epoch) return;
        this.counts.delivered++;
        b.transport?.deliver(a, JSON.parse(text) as unknown);
      });
    }
    return true;
  }

  disconnect(from: number, to: number, reason: string): void {
    const link = pair(from, to);
    this.counts.disconnect++;
    if (reason === 'invalid gossiped transactions') this.counts['gossip-disconnect']++;
    if (this.#honest(from) && this.#honest(to)) this.counts['honest-disconnect']++;
    this.#linkEpoch.set(link, (this.#linkEpoch.get(link) ?? 0) + 1);
    this.#linkDownUntil.set(link, this.#world.now + RECONNECT_MS);
    this.#linkUp(from, to, RECONNECT_MS);
  }
}

function pair(i: number, j: number): string {
  return i < j ? `${i}-${j}` : `${j}-${i}`;
}

/** One node incarnation's view of the network: what the driver gets as its PeerTransport. */
export class SimTransport implements PeerTransport {
  readonly #net: SimNetwork;
  readonly #index: number;
  readonly #messageListeners: Listener[] = [];
  readonly #upListeners: Listener[] = [];
  /** the Byzantine adversary may rewrite what this node sends (null: drop it) */
  outgoing: ((to: number, message: unknown) => unknown | null) | undefined;
  /** sees every message this node sends, once (the checkers' view of an honest node) */
  observe: ((message: unknown) => void) | undefined;
  /** sees every message delivered to this node, before its driver does */
  received: ((message: unknown) => void) | undefined;

  constructor(net: SimNetwork, index: number) {
    this.#net = net;
    this.#index = index;
  }

  get peers(): number[] {
    return this.#net.endpoints.map((_, i) => i).filter((i) => i !== this.#index);
  }

  #encode(message: unknown): string {
    const text = JSON.stringify(message);
    assert(text.length <= P2P_MESSAGE_BYTES_MAX, 'a consensus message fits a peer frame');
    return text;
  }

  broadcast(message: unknown): number {
    this.observe?.(message);
    let n = 0;
    const text = this.outgoing === undefined ? this.#encode(message) : undefined;
    for (const to of this.peers) {
      if (text !== undefined) {
        if (this.#net.send(this.#index, to, text)) n++;
        continue;
      }
      const m = this.outgoing!(to, message);
      if (m !== null && this.#net.send(this.#index, to, this.#encode(m))) n++;
    }
    return n;
  }

  send(peerKey: string, message: unknown): boolean {
    const to = this.#net.endpoints.findIndex((e) => e.key === peerKey);
    if (to < 0) return false;
    this.observe?.(message);
    const m = this.outgoing === undefined ? message : this.outgoing(to, message);
    return m !== null && this.#net.send(this.#index, to, this.#encode(m));
  }

  /** Sends a message the adversary made itself (not through `outgoing`). */
  sendRaw(to: number, message: unknown): void {
    this.#net.send(this.#index, to, this.#encode(message));
  }

  disconnect(peerKey: string, reason: string): void {
    const to = this.#net.endpoints.findIndex((e) => e.key === peerKey);
    if (to >= 0) this.#net.disconnect(this.#index, to, reason);
  }

  on(event: 'message' | 'peer-up', listener: Listener): this {
    (event === 'message' ? this.#messageListeners : this.#upListeners).push(listener);
    return this;
  }

  deliver(from: { key: string; orgId: string }, message: unknown): void {
    this.received?.(message);
    for (const l of this.#messageListeners) l({ publicKey: from.key, orgId: from.orgId }, message);
  }

  emitPeerUp(peer: { key: string; orgId: string }): void {
    for (const l of this.#upListeners) l({ publicKey: peer.key, orgId: peer.orgId });
  }
}
