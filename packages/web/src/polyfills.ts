/**
 * The one global the core needs in a browser: Node's `Buffer` (the core uses it for hex, base64url and UTF-8). The
 * `buffer` package provides it, except the `base64url` encoding, added here. Imported first by main.tsx, so it is in
 * place before any core module is evaluated.
 */
import { Buffer } from 'buffer/'; // the npm package (plain 'buffer' is Node's own under Node)

type Enc = string | undefined;
const toStd = (s: string): string => s.replace(/-/g, '+').replace(/_/g, '/');
const toUrl = (s: string): string => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const B = Buffer as unknown as {
  from: (...a: unknown[]) => Buffer;
  byteLength: (...a: unknown[]) => number;
  isEncoding: (e: string) => boolean;
  prototype: { toString: (this: Buffer, enc?: Enc, start?: number, end?: number) => string };
};
const from = B.from.bind(Buffer);
B.from = (value: unknown, enc?: unknown, len?: unknown): Buffer =>
  typeof value === 'string' && enc === 'base64url' ? from(toStd(value), 'base64') : from(value, enc, len);
const byteLength = B.byteLength.bind(Buffer);
B.byteLength = (value: unknown, enc?: unknown): number =>
  typeof value === 'string' && enc === 'base64url' ? byteLength(toStd(value), 'base64') : byteLength(value, enc);
const isEncoding = B.isEncoding.bind(Buffer);
B.isEncoding = (e: string): boolean => e === 'base64url' || isEncoding(e);
const toString = B.prototype.toString;
B.prototype.toString = function (this: Buffer, enc?: Enc, start?: number, end?: number): string {
  return enc === 'base64url' ? toUrl(toString.call(this, 'base64', start, end)) : toString.call(this, enc, start, end);
};

(globalThis as unknown as { Buffer: typeof Buffer }).Buffer = Buffer;
