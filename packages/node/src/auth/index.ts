/** Accounts, sign-in and the single authorisation point. Roles are @machi/core's (ROLES, Role). docs/spec/privacy.md#roles */
export * from './password.js';
export * from './accounts.js';
export * from './tokens.js';
export * from './rate-limit.js';
export * from './policy.js';
export { LedgerActors, actorOf, moduleActorOf, principalOf, requestToken, type Principal } from './principal.js';
export * from './secret.js';
export { authPlugin, type AuthOptions } from './plugin.js';
export { authRoutes, WRONG_LOGIN_MESSAGE } from './routes.js';
