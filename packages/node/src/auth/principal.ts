import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Role } from '@machi/core';

/** The signed-in user a request acts for (`request.principal`; null on public routes). */
export interface Principal {
  userId: string;
  username: string;
  org: string;
  role: Role;
  /** the user's pseudonym on the ledger (actorOf) */
  actor: string;
}

/**
 * The pseudonym a user appears under on the ledger: first 32 hex of SHA-256(org ‖ ":" ‖ userId ‖ ":" ‖ secret),
 * stable per user and org, meaningless without the node's secret. docs/spec/privacy.md#transactions-module-privacy
 */
export function actorOf(org: string, userId: string, secret: Uint8Array): string {
  return createHash('sha256').update(`${org}:${userId}:`, 'utf8').update(secret).digest('hex').slice(0, 32);
}

/** The token a request was authenticated with (logout revokes it). */
const credentials = new WeakMap<FastifyRequest, { jti: string; expiresAt: number }>();

export function requestToken(req: FastifyRequest): { jti: string; expiresAt: number } | undefined {
  return credentials.get(req);
}

/** The principal of a non-public route (the hook has set it; its absence is a bug). */
export function principalOf(req: FastifyRequest): Principal {
  if (req.principal === null) throw new Error('invariant violated: no principal on a route that requires sign-in');
  return req.principal;
}

/** Called by the authorisation hook only. */
export function setRequestToken(req: FastifyRequest, t: { jti: string; expiresAt: number }): void {
  credentials.set(req, t);
}
