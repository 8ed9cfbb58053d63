/**
 * Time as the consensus driver sees it: a clock and timers behind one small interface, so the same driver code runs
 * on the process clock in production and on the simulator's virtual clock (packages/node/src/sim/). The driver files
 * never call Date.now, setTimeout, setInterval or setImmediate themselves.
 */

/** An armed timer; only the clock that made it can clear it. */
export interface Timer {
  readonly __timer: unique symbol;
}

export interface Clock {
  /** ms since the epoch */
  now(): number;
  /**
   * Runs `fn` once after `ms` (0: after the current turn, letting work queued together be handled together).
   * `background` timers (status, re-send, sync give-up) do not by themselves keep a process alive.
   */
  setTimer(ms: number, fn: () => void, background?: boolean): Timer;
  clearTimer(timer: Timer): void;
}

/** The process clock: Date.now and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn, background = false) {
    if (ms <= 0 && !background) return { immediate: setImmediate(fn) } as unknown as Timer;
    const t = setTimeout(fn, ms);
    if (background) t.unref();
    return { timeout: t } as unknown as Timer;
  },
  clearTimer(timer) {
    const t = timer as unknown as { immediate?: NodeJS.Immediate; timeout?: NodeJS.Timeout };
    if (t.immediate !== undefined) clearImmediate(t.immediate);
    if (t.timeout !== undefined) clearTimeout(t.timeout);
  },
};

/** Calls `fn` every `ms` until the returned function is called (a re-arming timer: no interval in the interface). */
export function every(clock: Clock, ms: number, fn: () => void, background = true): () => void {
  let timer: Timer | undefined;
  let stopped = false;
  const arm = (): void => {
    timer = clock.setTimer(ms, () => {
      if (stopped) return;
      arm();
      fn();
    }, background);
  };
  arm();
  return () => {
    stopped = true;
    if (timer !== undefined) clock.clearTimer(timer);
  };
}
