/** Foundations every module shares: roles, id patterns and schema builders, state read types, the module contract, sign-in's client contract. */
export * from './roles.js';
export * from './patterns.js';
export * from './state.js';
export * from './module.js';
export * from './auth.js';
export * from './rules.js';
