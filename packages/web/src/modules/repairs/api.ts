/**
 * The repairs routes as the web app uses them beyond a plain get/post: photo upload and download (photos need the
 * token, so an <img src> cannot fetch them), and the live stream of recorded steps. What the routes answer (request
 * views, timelines, catalogues, SLA tables, worker cards, events) is the core's client contract: import those types
 * from `@machi/core` (modules/repairs/api.ts there).
 */
import type { PhotoUploaded, RepairEvent } from '@machi/core';
import { ApiError, answer, authHeaders, followStream } from '../../api';

/**
 * Follows /v1/repairs/events until `signal` aborts, calling `onEvent` for each recorded step and `onOpen` whenever the
 * stream (re)connects, so the caller can refetch what it may have missed.
 */
export function followEvents(onEvent: (e: RepairEvent) => void, onOpen: () => void, signal: AbortSignal): Promise<void> {
  return followStream<RepairEvent>('/v1/repairs/events', onEvent, onOpen, signal);
}

export async function uploadPhoto(file: File): Promise<PhotoUploaded> {
  return answer(await fetch('/v1/repairs/photos', { method: 'POST', headers: authHeaders({ 'content-type': file.type || 'application/octet-stream' }), body: file }));
}

/** A photo as an object URL (photos need the token, so an <img src> cannot fetch them). */
export async function photoUrl(request: string, hash: string): Promise<string> {
  const res = await fetch(`/v1/repairs/${request}/photos/${hash}`, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, 'PHOTO', res.statusText);
  return URL.createObjectURL(await res.blob());
}
