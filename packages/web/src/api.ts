/**
 * The node's REST API, as the app uses it. One place holds the session (token in sessionStorage: gone when the tab
 * closes) and turns `{code, message}` answers into ApiError. Live updates arrive from /v1/repairs/events (SSE read
 * through fetch, so the token travels in the Authorization header and never in a URL).
 */
export type Role =
  | 'resident' | 'property-staff' | 'dispatcher' | 'maintenance-worker' | 'grid-worker' | 'utility-staff' | 'official' | 'regulator';

export interface User {
  id: string;
  org: string;
  username: string;
  role: Role;
  displayName: string;
}

export interface Session {
  token: string;
  expiresAt: number;
  user: User;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const SESSION_KEY = 'machi.session';

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return s !== null && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s === null) sessionStorage.removeItem(SESSION_KEY);
  else sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

let onUnauthorised: () => void = () => {};
export function setUnauthorisedHandler(fn: () => void): void {
  onUnauthorised = fn;
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const s = loadSession();
  return s === null ? extra : { ...extra, authorization: `Bearer ${s.token}` };
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  const body = text === '' ? {} : (JSON.parse(text) as unknown);
  if (!res.ok) {
    const e = body as { code?: string; message?: string };
    if (res.status === 401) onUnauthorised();
    throw new ApiError(res.status, e.code ?? 'HTTP_' + res.status, e.message ?? res.statusText);
  }
  return body as T;
}

export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: headers() }));
}

export async function post<T>(path: string, body?: unknown): Promise<T> {
  const init: RequestInit = body === undefined
    ? { method: 'POST', headers: headers() }
    : { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) };
  return answer<T>(await fetch(path, init));
}

export async function put<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(path, { method: 'PUT', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) }));
}

/** A local preview of a file the user picked. */
export function photoBlobUrl(f: File): string {
  return URL.createObjectURL(f);
}

/** An image a route serves to signed-in users, as an object URL (an <img src> cannot send the token). */
export async function imageUrl(path: string): Promise<string> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw new ApiError(res.status, 'PHOTO', res.statusText);
  return URL.createObjectURL(await res.blob());
}

export async function login(org: string, username: string, password: string): Promise<Session> {
  const s = await answer<Session>(await fetch('/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ org, username, password }),
  }));
  saveSession(s);
  return s;
}

export async function logout(): Promise<void> {
  try {
    await post('/v1/auth/logout');
  } catch {
    // signed out locally either way
  }
  saveSession(null);
}

export async function uploadPhoto(file: File): Promise<{ hash: string; type: string; bytes: number }> {
  return answer(await fetch('/v1/repairs/photos', { method: 'POST', headers: headers({ 'content-type': file.type || 'application/octet-stream' }), body: file }));
}

/** A photo as an object URL (photos need the token, so an <img src> cannot fetch them). */
export async function photoUrl(request: string, hash: string): Promise<string> {
  const res = await fetch(`/v1/repairs/${request}/photos/${hash}`, { headers: headers() });
  if (!res.ok) throw new ApiError(res.status, 'PHOTO', res.statusText);
  return URL.createObjectURL(await res.blob());
}

// ---- repairs ------------------------------------------------------------------------------------------------------

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
 * stream (re)connects, so the caller can refetch what it may have missed. Reconnects after a drop.
 */
export async function followEvents(onEvent: (e: RepairEvent) => void, onOpen: () => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch('/v1/repairs/events', { headers: headers({ accept: 'text/event-stream' }), signal });
      if (res.status === 401) {
        onUnauthorised();
        return;
      }
      if (!res.ok || res.body === null) throw new Error(`events: ${res.status}`);
      onOpen();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (data !== '') onEvent(JSON.parse(data) as RepairEvent);
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, 1500));
  }
}

// ---- digital ID ---------------------------------------------------------------------------------------------------

/** A public route of another organisation's node (a desk, an issuer): no token travels there. */
export async function publicCall<T>(base: string, path: string, body?: unknown): Promise<T> {
  const url = base === '' ? path : new URL(path, base).toString();
  const init: RequestInit = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  return answer<T>(await fetch(url, init));
}

export interface WalletCredential {
  id: string;
  type: string;
  typeName: string;
  issuer: string;
  issuerDid: string;
  credentialHash: string;
  issuedAt: number;
  expiresAt: number;
  status: string;
  claims: Record<string, unknown>;
  credential: string;
  demoHolderKey: boolean;
}

export interface Offer {
  offer: string;
  type: string;
  typeName: string;
  issuer: string;
  expiresAt: number;
}

export interface SessionView {
  session: string;
  service: string;
  serviceName: string;
  deskOrg: string;
  deskName: string;
  audience: string;
  expiresAt: number;
  requirements: { type: string; typeName: string; vct: string; disclose: string[]; require?: Record<string, unknown> }[];
  consented: boolean;
  verified: string[];
  complete: boolean;
  txHash: string;
}

export interface Verification {
  verification: string;
  session: string;
  credentialHash?: string;
  type?: string;
  issuer?: string;
  result: 'valid' | 'invalid';
  reason: string;
  verifierOrg: string;
  txHash: string;
  height: number;
  at: number;
}

export interface DeskView extends SessionView {
  eligible: boolean;
  disclosed: Record<string, Record<string, unknown>>;
  consent: { txHash: string; at: number; holderOrg: string; grant?: string } | null;
  verifications: Verification[];
  nonce?: string;
}

export interface ClaimSpec {
  name: string;
  label: string;
  kind: 'text' | 'date' | 'enum' | 'bool' | 'integer' | string;
  values?: string[];
  min?: number;
  max?: number;
  derived: boolean;
}

export interface IdentityCatalogue {
  types: { id: string; name: string; issuers: string[]; validityDays: number; claims: ClaimSpec[] }[];
  services: { id: string; name: string; desks: string[]; requirements: { type: string; disclose: string[] }[] }[];
}
