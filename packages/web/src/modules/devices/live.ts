/**
 * The live alarm board a page shows: the open alarms the organisation sees (refetched whenever the stream reports a
 * committed alarm step, and whenever it reconnects), the alarms raised since the page opened (they stand out until
 * someone acknowledges them), a clock in step with the node's (for the timers), and the tone for each new alarm.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AlarmBoard, AlarmEvent } from '@machi/core';
import { get } from '../../api';
import { followAlarms, playAlarmTone } from './api';

/** How often the timers tick, ms. */
export const BOARD_TICK_MS = 1000;

export interface LiveBoard {
  board: AlarmBoard | null;
  error: unknown;
  /** the stream is connected */
  live: boolean;
  /** the node's clock now (the board's `now` carried forward) */
  now: number;
  /** alarms raised while the page was open and not acknowledged since */
  fresh: ReadonlySet<string>;
  /** the newest raise seen on the stream, until dismissed */
  latest: AlarmEvent | null;
  dismiss(): void;
  reload(): void;
}

export function useLiveBoard(): LiveBoard {
  const [board, setBoard] = useState<AlarmBoard | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(false);
  const [offset, setOffset] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [latest, setLatest] = useState<AlarmEvent | null>(null);
  const seq = useRef(0);

  const reload = useCallback(() => {
    const mine = ++seq.current;
    get<AlarmBoard>('/v1/devices/alarms').then((b) => {
      if (mine !== seq.current) return; // a newer answer is on its way
      setBoard(b);
      setOffset(b.now - Date.now());
      setError(null);
    }, setError);
  }, []);

  useEffect(() => {
    reload();
    const ctl = new AbortController();
    void followAlarms(
      (e) => {
        if (e.action === 'raise') {
          setFresh((s) => new Set(s).add(e.alarm));
          setLatest(e);
          playAlarmTone(e.severity === 'critical');
        } else if (e.action === 'acknowledge' || e.action === 'resolve') {
          setFresh((s) => {
            const n = new Set(s);
            n.delete(e.alarm);
            return n;
          });
          setLatest((l) => (l?.alarm === e.alarm ? null : l));
        }
        reload();
      },
      () => {
        setLive(true);
        reload();
      },
      ctl.signal,
    ).finally(() => setLive(false));
    return () => ctl.abort();
  }, [reload]);

  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), BOARD_TICK_MS);
    return () => clearInterval(id);
  }, []);

  return { board, error, live, now: now + offset, fresh, latest, dismiss: () => setLatest(null), reload };
}

/** `m:ss` (or `h:mm:ss`) of a span of ms. */
export function span(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
