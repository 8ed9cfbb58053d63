/**
 * The events routes as the web app uses them beyond a plain get/post: photo upload and download (photos need the
 * token, so an <img src> cannot fetch them) and the catalogue, fetched once per page load. What the routes answer
 * (event views, timelines, boards, grids, records) is the core's client contract: import those types from
 * `@machi/core` (modules/events/api.ts there).
 */
import { useEffect, useRef } from 'react';
import type { EventCatalogues, EventLiveFrame, PhotoUploaded } from '@machi/core';
import { ApiError, answer, authHeaders, followStream, get } from '../../api';

export async function uploadPhoto(file: File): Promise<PhotoUploaded> {
  return answer(await fetch('/v1/events/photos', { method: 'POST', headers: authHeaders({ 'content-type': file.type || 'application/octet-stream' }), body: file }));
}

/** A photo of an event as an object URL (held by the node the event was reported through). */
export async function photoUrl(event: string, hash: string): Promise<string> {
  const res = await fetch(`/v1/events/${event}/photos/${hash}`, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, 'PHOTO', res.statusText);
  return URL.createObjectURL(await res.blob());
}

let catalogue: Promise<EventCatalogues> | null = null;


/** The catalogues (categories with their GB/T class and departments, codes, departments' organisations, grids). */
export function loadCatalogue(): Promise<EventCatalogues> {
  catalogue ??= get<EventCatalogues>('/v1/events/catalogue').catch((e: unknown) => {
    catalogue = null;
    throw e;
  });
  return catalogue;
}

/** The departments' organisations whose keys this node holds (their staff sign in here): the catalogue's `hosted`. */
export async function hostedOrgs(): Promise<string[]> {
  const cat = await loadCatalogue();
  return [...new Set(cat.departments.flatMap((d) => d.orgs.filter((o) => o.hosted).map((o) => o.org)))];
}

/** A page's data is reloaded at most this often however many steps a burst of blocks brings, ms. */
export const LIVE_RELOAD_MIN_MS = 500;

/**
 * Reloads a page's data when the node's live event stream (`GET /v1/events/live`) reports a committed step that
 * `wanted` says the page shows (every step if absent), and whenever the stream (re)connects, so nothing is missed
 * while it was down. Bursts are folded into one reload per LIVE_RELOAD_MIN_MS.
 */
export function useLiveEvents(reload: () => void, wanted?: (f: EventLiveFrame) => boolean): void {
  const latest = useRef({ reload, wanted });
  latest.current = { reload, wanted };
  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const soon = (): void => {
      timer ??= setTimeout(() => {
        timer = null;
        latest.current.reload();
      }, LIVE_RELOAD_MIN_MS);
    };
    let opened = 0;
    void followStream<EventLiveFrame>('/v1/events/live', (f) => {
      if (latest.current.wanted === undefined || latest.current.wanted(f)) soon();
    }, () => {
      // the first open follows the page's own first load; a reconnect may have missed steps
      if (opened++ > 0) soon();
    }, ctl.signal);
    return () => {
      ctl.abort();
      if (timer !== null) clearTimeout(timer);
    };
  }, []);
}
