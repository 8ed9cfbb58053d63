/** Live updates for a page: refetch when a repair step is recorded (and when the stream reconnects). */
import { useEffect, useRef } from 'react';
import type { RepairEvent } from '@machi/core';
import { followEvents } from './api';

export function useRepairEvents(onChange: (e: RepairEvent | null) => void, filter?: (e: RepairEvent) => boolean): void {
  const cb = useRef(onChange);
  cb.current = onChange;
  const f = useRef(filter);
  f.current = filter;
  useEffect(() => {
    const ctl = new AbortController();
    void followEvents(
      (e) => {
        if (f.current === undefined || f.current(e)) cb.current(e);
      },
      () => cb.current(null),
      ctl.signal,
    );
    return () => ctl.abort();
  }, []);
}
