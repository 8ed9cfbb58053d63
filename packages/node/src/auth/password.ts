/**
 * Password hashes: scrypt (node:crypto) with a random salt, stored self-describing as
 * `scrypt$N$r$p$salt$hash` (salt and hash base64url) so the parameters can be raised later without a migration.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const SCRYPT_N = 2 ** 15;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
export const SCRYPT_SALT_BYTES = 16;
export const SCRYPT_KEY_BYTES = 32;
/** Ceiling on the cost parameters read back from a stored hash, so a tampered row cannot stall the node. */
const SCRYPT_N_MAX = 2 ** 20;
const SCRYPT_R_MAX = 32;
const SCRYPT_P_MAX = 16;

export const PASSWORD_CHARS_MIN = 8;
// PASSWORD_CHARS_MAX is the sign-in schema's: the core's foundation/auth.ts

function scryptAsync(password: string, salt: Buffer, keyBytes: number, o: ScryptOptions): Promise<Buffer> {
  // OpenSSL needs a little more than 128·N·r bytes; the default 32 MiB is exactly 128·2^15·8 and too small.
  const maxmem = 256 * (o.N ?? SCRYPT_N) * (o.r ?? SCRYPT_R);
  return new Promise((resolve, reject) => {
    // NFC: the same password typed on two keyboards may arrive composed differently.
    scrypt(password.normalize('NFC'), salt, keyBytes, { ...o, maxmem }, (err, key) => (err === null ? resolve(key) : reject(err)));
  });
}

/**
 * A new hash at the current parameters. `N` lowers the cost (a power of two from 2 to SCRYPT_N): for test fixtures
 * that make many accounts, never for a node's own accounts (AccountStore's `scryptN`).
 */
export async function hashPassword(password: string, N = SCRYPT_N): Promise<string> {
  checkScryptN(N);
  const salt = randomBytes(SCRYPT_SALT_BYTES);
  const key = await scryptAsync(password, salt, SCRYPT_KEY_BYTES, { N, r: SCRYPT_R, p: SCRYPT_P });
  return ['scrypt', N, SCRYPT_R, SCRYPT_P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Throws unless N is a power of two from 2 to SCRYPT_N (a cost may be lowered for tests, never raised past the default). */
export function checkScryptN(N: number): void {
  if (!(Number.isInteger(N) && N > 1 && N <= SCRYPT_N && (N & (N - 1)) === 0)) throw new Error(`scrypt N must be a power of two from 2 to ${SCRYPT_N}, not ${N}`);
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^[1-9][0-9]{0,7}$/.test(s) ? Number(s) : NaN)) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  const powerOfTwo = (N & (N - 1)) === 0;
  if (!(N > 1 && N <= SCRYPT_N_MAX && powerOfTwo && r >= 1 && r <= SCRYPT_R_MAX && p >= 1 && p <= SCRYPT_P_MAX)) return undefined;
  if (salt.length === 0 || key.length === 0) return undefined;
  return { N, r, p, salt, key };
}

/** True if `password` matches `stored`; false (never throws) for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (h === undefined) return false;
  const key = await scryptAsync(password, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p });
  return timingSafeEqual(key, h.key);
}
