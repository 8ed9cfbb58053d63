/**
 * The events routes as the web app uses them beyond a plain get/post: photo upload and download (photos need the
 * token, so an <img src> cannot fetch them) and the catalogue, fetched once per page load. What the routes answer
 * (event views, timelines, boards, grids, records) is the core's client contract: import those types from
 * `@machi/core` (modules/events/api.ts there).
 */
import type { EventCatalogues, PhotoUploaded } from '@machi/core';
import { ApiError, answer, authHeaders, get } from '../../api';

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
