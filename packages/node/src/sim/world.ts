/**
 * The simulator's virtual time: one event queue for every node, a virtual clock per node (with a fixed skew), and
 * timers that die with the node incarnation that armed them. Events at equal times run in the order scheduled.
 */
import { EventQueue, type Timed } from '@machi/core/sim';
import type { Clock, Timer } from '../consensus/clock.js';

/** Virtual time 0 is this instant (ms since the epoch): the genesis time. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);

export interface SimEvent extends Timed {
  run(): void;
  cancelled: boolean;
  /** the node incarnation that owns it (timers), or undefined (network, faults, client) */
  owner?: { index: number; incarnation: number };
}

export class World {
  now = 0;
  #seq = 0;
  readonly queue = new EventQueue<SimEvent>();
  events = 0;

  schedule(delayMs: number, run: () => void, owner?: SimEvent['owner']): SimEvent {
    const ev: SimEvent = { atMs: this.now + Math.max(0, Math.round(delayMs)), seq: this.#seq++, run, cancelled: false, ...(owner ? { owner } : {}) };
    this.queue.push(ev);
    return ev;
  }
}

/** A node incarnation's clock: virtual time plus its skew; its timers fire only while the incarnation lives. */
export class SimClock implements Clock {
  readonly #world: World;
  readonly #skewMs: number;
  readonly #owner: { index: number; incarnation: number };

  constructor(world: World, skewMs: number, owner: { index: number; incarnation: number }) {
    this.#world = world;
    this.#skewMs = skewMs;
    this.#owner = owner;
  }

  now(): number {
    return SIM_EPOCH_MS + this.#world.now + this.#skewMs;
  }

  setTimer(ms: number, fn: () => void): Timer {
    return this.#world.schedule(ms, fn, this.#owner) as unknown as Timer;
  }

  clearTimer(timer: Timer): void {
    (timer as unknown as SimEvent).cancelled = true;
  }
}
