/** Session tokens: HS256 JWTs (jose) with claims {sub: user id, org, role, jti}, short-lived, revocable by jti. */
import { randomBytes } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import { MachiError, isRole, type Role } from '@machi/core';

export const TOKEN_TTL_MS = 15 * 60_000;
/** Longest bearer token accepted (ours are ~300 characters). */
export const TOKEN_CHARS_MAX = 2048;
const ALG = 'HS256';

export interface IssuedToken {
  token: string;
  jti: string;
  /** ms since the epoch (whole seconds, as in the JWT) */
  expiresAt: number;
}

export interface TokenClaims {
  userId: string;
  org: string;
  role: Role;
  jti: string;
  expiresAt: number;
}

export async function issueToken(secret: Uint8Array, user: { id: string; org: string; role: Role }, nowMs: number): Promise<IssuedToken> {
  const jti = randomBytes(16).toString('hex');
  const exp = Math.floor((nowMs + TOKEN_TTL_MS) / 1000);
  const token = await new SignJWT({ org: user.org, role: user.role })
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setSubject(user.id)
    .setJti(jti)
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(exp)
    .sign(secret);
  return { token, jti, expiresAt: exp * 1000 };
}

const unauthenticated = (why: string) => new MachiError('UNAUTHENTICATED', why);

/** The claims of a token this node signed and that has not expired at `nowMs`; else throws UNAUTHENTICATED. */
export async function verifyToken(secret: Uint8Array, token: string, nowMs: number): Promise<TokenClaims> {
  if (token.length > TOKEN_CHARS_MAX) throw unauthenticated('token is not valid');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, secret, {
      algorithms: [ALG],
      currentDate: new Date(nowMs),
      requiredClaims: ['sub', 'jti', 'exp', 'iat'],
    }));
  } catch (e) {
    if (e instanceof errors.JWTExpired) throw unauthenticated('token has expired; sign in again');
    throw unauthenticated('token is not valid');
  }
  const { sub, jti, exp, org, role } = payload;
  if (typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number' || typeof org !== 'string' || typeof role !== 'string' || !isRole(role)) {
    throw unauthenticated('token is not valid');
  }
  return { userId: sub, org, role, jti, expiresAt: exp * 1000 };
}
