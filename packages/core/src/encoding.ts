/**
 * Canonical encoding for everything hashed or signed: RFC 8785 JSON Canonicalization Scheme (JCS), UTF-8.
 * Binary values inside JSON: hashes are lowercase hex (64 chars for SHA-256); keys and signatures are base64url
 * without padding. See docs/spec/formats.md.
 */
import canonicalize from 'canonicalize';
import { MachiError } from './errors.js';

/** RFC 8785 canonical JSON text of a JSON value. Throws TX_MALFORMED-free plain errors only on programmer error. */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (e) {
    throw new MachiError('TX_MALFORMED', `value cannot be canonicalised: ${(e as Error).message}`);
  }
  if (text === undefined) throw new MachiError('TX_MALFORMED', 'value cannot be canonicalised');
  return text;
}

export function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;
export function isHex(text: unknown, chars?: number): text is string {
  return typeof text === 'string' && HEX_RE.test(text) && (chars === undefined || text.length === chars);
}

export function fromHex(text: string): Uint8Array {
  if (!isHex(text)) throw new MachiError('TX_MALFORMED', 'not lowercase hex');
  return Buffer.from(text, 'hex');
}

export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

const B64URL_RE = /^[A-Za-z0-9_-]*$/;
const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * True for canonical unpadded base64url only: one spelling per byte string (no length ≡ 1 mod 4, and the unused low
 * bits of the last character zero), so that a relayed signature or key cannot be re-spelled into another tx hash.
 */
export function isBase64url(text: unknown, bytes?: number): text is string {
  if (typeof text !== 'string' || text.length % 4 === 1 || !B64URL_RE.test(text)) return false;
  if (bytes !== undefined && text.length !== Math.ceil((bytes * 4) / 3)) return false;
  const unusedBits = (text.length * 6) % 8;
  return unusedBits === 0 || (B64URL_ALPHABET.indexOf(text[text.length - 1]!) & ((1 << unusedBits) - 1)) === 0;
}

export function fromBase64url(text: string): Uint8Array {
  if (!isBase64url(text)) throw new MachiError('TX_MALFORMED', 'not base64url');
  return Buffer.from(text, 'base64url');
}

/** Concatenate a domain-separation tag and a canonical body: every signature and hash names what it covers. */
export function tagged(tag: string, body: string): Uint8Array {
  return Buffer.from(`${tag}\n${body}`, 'utf8');
}
