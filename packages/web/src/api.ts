/**
 * The plumbing every module's API calls share: the session (token in sessionStorage: gone when the tab closes),
 * `{code, message}` answers turned into ApiError, a sign-out on 401, and live streams (SSE read through fetch, so the
 * token travels in the Authorization header and never in a URL). The session is what the node's sign-in answered
 * (`SignedIn`). What each route takes and answers is the core's client contract, imported from `@machi/core`
 * (types only); each module's own calls are in its `modules/<name>/api.ts`.
 */
import type { LoginBody, SignedIn } from '@machi/core';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const SESSION_KEY = 'machi.session';

export function loadSession(): SignedIn | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as SignedIn | null;
    return s !== null && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: SignedIn | null): void {
  if (s === null) sessionStorage.removeItem(SESSION_KEY);
  else sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

let onUnauthorised: () => void = () => {};
export function setUnauthorisedHandler(fn: () => void): void {
  onUnauthorised = fn;
}

/** Headers carrying the session's token (with `extra`). */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const s = loadSession();
  return s === null ? extra : { ...extra, authorization: `Bearer ${s.token}` };
}

/** The body of an answer, or an ApiError (and the sign-out handler on 401). */
export async function answer<T>(res: Response): Promise<T> {
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
  return answer<T>(await fetch(path, { headers: authHeaders() }));
}

export async function post<T>(path: string, body?: unknown): Promise<T> {
  const init: RequestInit = body === undefined
    ? { method: 'POST', headers: authHeaders() }
    : { method: 'POST', headers: authHeaders({ 'content-type': 'application/json' }), body: JSON.stringify(body) };
  return answer<T>(await fetch(path, init));
}

export async function put<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(path, { method: 'PUT', headers: authHeaders({ 'content-type': 'application/json' }), body: JSON.stringify(body) }));
}

/** A local preview of a file the user picked. */
export function photoBlobUrl(f: File): string {
  return URL.createObjectURL(f);
}

/** An image a route serves to signed-in users, as an object URL (an <img src> cannot send the token). */
export async function imageUrl(path: string): Promise<string> {
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, 'PHOTO', res.statusText);
  return URL.createObjectURL(await res.blob());
}

export async function login(org: string, username: string, password: string): Promise<SignedIn> {
  const body: LoginBody = { org, username, password };
  const s = await answer<SignedIn>(await fetch('/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
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

/** A public route of another organisation's node (a desk, an issuer): no token travels there. */
export async function publicCall<T>(base: string, path: string, body?: unknown): Promise<T> {
  const url = base === '' ? path : new URL(path, base).toString();
  const init: RequestInit = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  return answer<T>(await fetch(url, init));
}

/**
 * Follows a Server-Sent Events stream at `path` until `signal` aborts, calling `onEvent` with each event's JSON data
 * and `onOpen` whenever the stream (re)connects, so the caller can refetch what it may have missed. Reconnects after
 * a drop.
 */
export async function followStream<T>(path: string, onEvent: (e: T) => void, onOpen: () => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch(path, { headers: authHeaders({ accept: 'text/event-stream' }), signal });
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
          if (data !== '') onEvent(JSON.parse(data) as T);
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, 1500));
  }
}
