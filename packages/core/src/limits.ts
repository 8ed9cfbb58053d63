/**
 * Every limit in one place, as named constants with the unit last (TigerBeetle style). Anything that grows has one.
 * Changing a consensus-relevant limit (marked [consensus]) changes which blocks are valid: treat it as a fork.
 */
/** [consensus] Largest canonical encoding of one signed transaction. */
export const TX_BYTES_MAX = 64 * 1024;
/** [consensus] Most transactions in one block. */
export const BLOCK_TXS_MAX = 8192;
/** Largest HTTP request body the API accepts (a batch of transactions). */
export const BODY_BYTES_MAX = 16 * 1024 * 1024;
/** Most transactions in one batch submission. */
export const BATCH_TXS_MAX = 8192;
/** Most transactions waiting in the mempool; beyond it submissions get MEMPOOL_FULL. */
export const MEMPOOL_TXS_MAX = 200_000;
/** Largest page a list endpoint returns. */
export const PAGE_SIZE_MAX = 100;
/** [consensus] How far a transaction's own time may be from its block's time (and from the admitting node's clock). */
export const TX_TIME_SKEW_MS_MAX = 2 * 60 * 1000;
/** How long `?wait=true` holds a submission open for its commit. */
export const COMMIT_WAIT_MS_MAX = 30_000;
/** Nonce: hex, at least 64 bits of randomness, at most 256. */
export const NONCE_HEX_CHARS_MIN = 16;
export const NONCE_HEX_CHARS_MAX = 64;
/** Transaction type names, e.g. `notary.record`. */
export const TX_TYPE_CHARS_MAX = 64;
/** Chain ids and organisation ids. */
export const ID_CHARS_MAX = 64;
/** Organisations in one genesis. */
export const ORGS_MAX = 128;
/** [consensus] Total voting power of a validator set: 3 × total stays an exact integer in a double. */
export const VOTING_POWER_TOTAL_MAX = 2 ** 50;
