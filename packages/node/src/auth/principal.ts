import { createHash, createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RULE_LEDGER_CONTEXT_PSEUDONYMS, chainNamesRule, type ChainRules, type Role } from '@machi/core';
import { MODULE_ACTOR_KEY_INFO, domainKeyOf, pseudonymKeyOf } from './secret.js';

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

/**
 * A resident's pseudonym in one module, on chains with `ledger.context-pseudonyms`: first 32 hex of
 * HMAC-SHA-256(HKDF(secret, MODULE_ACTOR_KEY_INFO), module ‖ ":" ‖ org ‖ ":" ‖ userId). The same resident is then
 * another actor in repairs, identity and privacy, so that their steps cannot be joined across modules.
 */
export function moduleActorOf(org: string, userId: string, secret: Uint8Array, module: string): string {
  return createHmac('sha256', domainKeyOf(secret, MODULE_ACTOR_KEY_INFO)).update(`${module}:${org}:${userId}`, 'utf8').digest('hex').slice(0, 32);
}

/**
 * The actors users appear as on this chain's ledger. Residents: one per module where the chain names
 * `ledger.context-pseudonyms`, else one per user and organisation (actorOf), as existing chains recorded them. Staff
 * keep one actor per organisation across modules on purpose: their reads must be checkable against the cases they
 * are on (a worker's privacy read against the repair they are assigned), by the holder of the data too; and a read's
 * case reference links those records anyway. A module builds one with its name and converts every principal before
 * it acts (`in`). docs/spec/privacy.md#how-the-linkages-are-closed
 */
export class LedgerActors {
  readonly perModule: boolean;

  constructor(private readonly secret: Uint8Array, rules: ChainRules | undefined, readonly module: string) {
    this.perModule = chainNamesRule(rules, RULE_LEDGER_CONTEXT_PSEUDONYMS);
  }

  /** The actor of user `userId` (of `role`) of `org` in this module (or in `module`). */
  of(org: string, userId: string, role: Role, module = this.module): string {
    return this.perModule && role === 'resident' ? moduleActorOf(org, userId, this.secret, module) : actorOf(org, userId, pseudonymKeyOf(this.secret));
  }

  /** The principal acting in this module (or in `module`): its actor is the module's. */
  in(p: Principal, module = this.module): Principal {
    return { ...p, actor: this.of(p.org, p.userId, p.role, module) };
  }

  /** A request's principal, acting in this module. */
  req(req: FastifyRequest): Principal {
    return this.in(principalOf(req));
  }
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
