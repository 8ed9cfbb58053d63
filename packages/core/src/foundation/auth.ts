/**
 * Sign-in's client contract: what `POST /v1/auth/login` takes and answers and what `GET /v1/auth/me` shows, as JSON
 * schemas and the types derived from them, shared by the node's auth routes and the web app. Pure data.
 * docs/architecture.md#people-and-personal-data
 */
import type { FromSchema } from 'json-schema-to-ts';
import { ROLES } from './roles.js';

/** Longest organisation id, user name and password a sign-in (and an account) takes, characters. */
export const ORG_CHARS_MAX = 64;
export const USERNAME_CHARS_MAX = 64;
export const PASSWORD_CHARS_MAX = 1024;

const str = { type: 'string' } as const;

/** A signed-in user as the API shows them: never the password hash. */
export const userViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { id: str, org: str, username: str, role: { type: 'string', enum: ROLES }, displayName: str },
  required: ['id', 'org', 'username', 'role', 'displayName'],
} as const;
export type UserView = FromSchema<typeof userViewSchema>;

export const loginBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    org: { type: 'string', minLength: 1, maxLength: ORG_CHARS_MAX },
    username: { type: 'string', minLength: 1, maxLength: USERNAME_CHARS_MAX },
    password: { type: 'string', minLength: 1, maxLength: PASSWORD_CHARS_MAX },
  },
  required: ['org', 'username', 'password'],
} as const;
export type LoginBody = FromSchema<typeof loginBodySchema>;

/** A session: the bearer token, when it expires (ms), and who it signs in. */
export const signedInSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { token: str, expiresAt: { type: 'integer' }, user: userViewSchema },
  required: ['token', 'expiresAt', 'user'],
} as const;
export type SignedIn = FromSchema<typeof signedInSchema>;
