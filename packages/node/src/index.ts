/** @machi/node — storage, API and process wiring around @machi/core. */
export * from './storage/store.js';
export * from './storage/sqlite.js';
export * from './storage/postgres.js';
export * from './storage/open.js';
export * from './node/node.js';
export * from './node/checker.js';
export * from './node/datadir.js';
export * from './node/start.js';
export * from './api/server.js';
export * from './auth/index.js';
export * from './chain/verify-store.js';
export * from './consensus/driver.js';
export * from './p2p/index.js';
export * from './log-safe.js';
export * from './modules/index.js';
export * from './modules/contract.js';
