/** @machi/core — the pure deterministic core. No I/O: no files, sockets, clocks or randomness except key generation. */
export * from './errors.js';
export * from './assert.js';
export * from './limits.js';
export * from './encoding.js';
export * from './crypto.js';
export * from './genesis.js';
export * from './tx.js';
export * from './replay.js';
export * from './block.js';
export * from './chain.js';
export * from './bundle.js';
export * from './merkle/index.js';
export * from './state/registry.js';
export * from './state/execute.js';
export * from './app.js';
export * from './modules/notary/index.js';
export * from './consensus/index.js';
