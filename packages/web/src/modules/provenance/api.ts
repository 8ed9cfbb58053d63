/**
 * The provenance pages' calls beyond a plain get/post: a file's SHA-256 in the browser (WebCrypto), uploading a
 * preserved record's file as raw bytes, and downloads that need the session's token. docs/spec/provenance.md
 */
import { answer, authHeaders } from '../../api';

/** SHA-256 of a file's bytes, lowercase hex, computed here (the file never leaves the browser for this). */
export async function sha256File(f: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await f.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function uploadPreservedFile(record: string, f: File): Promise<{ record: string; bytes: number }> {
  return answer(await fetch(`/v1/preserved/${record}/file`, { method: 'PUT', headers: authHeaders({ 'content-type': f.type === '' ? 'application/octet-stream' : f.type }), body: f }));
}

/** A place code as the scan page remembers it (where the resident usually is), per browser. */
export const PLACE_KEY = 'machi.scan.place';
