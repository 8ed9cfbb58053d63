/**
 * The repairs routes as the web app uses them: the views the node answers with, photo upload and download (photos
 * need the token, so an <img src> cannot fetch them), and the live stream of recorded steps.
 */
import { ApiError, answer, authHeaders, followStream } from '../../api';

export interface RequestView {
  request: string;
  category: string;
  categoryName: string;
  priority: 'urgent' | 'normal';
  status: string;
  open: boolean;
  location: { kind: 'home' | 'common'; building: string };
  org: string;
  reporter: string;
  worker?: string;
  workerOrg?: string;
  workerUsername?: string;
  workerCard?: { name?: string; phone?: string; photo?: boolean };
  createdAt: number;
  updatedAt: number;
  slaDueAt: number;
  overdue: boolean;
  escalation: { level: number; at: number; overdueMs: number } | null;
  followers: number;
  rating?: number;
  photos: string[];
  yours: boolean;
  following: boolean;
  description?: string;
  unit?: string;
  notes?: { kind: string; text: string; at: number }[];
}

export interface TimelineStep {
  action: string;
  status: string;
  at: number;
  actor: string;
  txHash: string;
  worker?: string;
  workerOrg?: string;
  cause?: string;
  parts?: { part: string; quantity: number }[];
  photoHashes?: string[];
  rating?: number;
  level?: number;
  overdueMs?: number;
  proof: unknown;
}

export interface Catalogue {
  categories: { code: string; name: string; defaultPriority: 'urgent' | 'normal'; slaHours: { urgent: number; normal: number } }[];
  priorities: string[];
  locationKinds: string[];
  causes: string[];
  parts: string[];
  statuses: string[];
  buildings: { code: string; name: string }[];
}

export interface ActResult {
  request: string;
  action: string;
  status: string;
  txHash: string;
  height: number;
}

export interface RepairEvent {
  request: string;
  action: string;
  status: string;
  height: number;
  txHash: string;
}

/**
 * Follows /v1/repairs/events until `signal` aborts, calling `onEvent` for each recorded step and `onOpen` whenever the
 * stream (re)connects, so the caller can refetch what it may have missed.
 */
export function followEvents(onEvent: (e: RepairEvent) => void, onOpen: () => void, signal: AbortSignal): Promise<void> {
  return followStream<RepairEvent>('/v1/repairs/events', onEvent, onOpen, signal);
}

export async function uploadPhoto(file: File): Promise<{ hash: string; type: string; bytes: number }> {
  return answer(await fetch('/v1/repairs/photos', { method: 'POST', headers: authHeaders({ 'content-type': file.type || 'application/octet-stream' }), body: file }));
}

/** A photo as an object URL (photos need the token, so an <img src> cannot fetch them). */
export async function photoUrl(request: string, hash: string): Promise<string> {
  const res = await fetch(`/v1/repairs/${request}/photos/${hash}`, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, 'PHOTO', res.statusText);
  return URL.createObjectURL(await res.blob());
}
