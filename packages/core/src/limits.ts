/**
 * Every limit in one place, as named constants with the unit last (TigerBeetle style). Anything that grows has one.
 * Changing a consensus-relevant limit (marked [consensus]) changes which blocks are valid: treat it as a fork.
 */
import { assert } from './assert.js';
import { PROPOSALS_PER_ROUND_MAX, ROUNDS_AHEAD_MAX } from './consensus/params.js';

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

// ---- consensus driver ----------------------------------------------------------------------------------------------
// Limits of the node's consensus driver (packages/node/src/consensus/) and of the peer frames its messages travel in.
// Only BLOCK_TX_BYTES_MAX is consensus-relevant; nodes with different values of the others still agree (up to the
// smaller frame limit). Their relations are asserted below, when this module loads. docs/spec/consensus.md (CONS-LIMIT-1)

/** Largest JSON message (UTF-8 bytes, before encryption) a peer link carries; the ws `maxPayload` is this plus the tag. */
export const P2P_MESSAGE_BYTES_MAX = 64 * 1024 * 1024;
/**
 * [consensus] Most transaction text in one block, counted as the canonical texts' lengths (UTF-16 code units, so a
 * character counts once whatever its UTF-8 size; see WIRE_BYTES_PER_TX_CHAR_MAX).
 */
export const BLOCK_TX_BYTES_MAX = 16 * 1024 * 1024;
/** Worst-case UTF-8 bytes of one code unit of a transaction text once JSON-quoted in a message (`"` → `\"`: 2; BMP: 3). */
export const WIRE_BYTES_PER_TX_CHAR_MAX = 3;
/** One block on the wire besides its transaction texts: header, commit, the hashes hint, JSON punctuation. */
export const WIRE_BLOCK_OVERHEAD_BYTES_MAX = 1024 * 1024;
/** A message besides its block(s) or transactions: type, proposal fields, signature. */
export const WIRE_MESSAGE_OVERHEAD_BYTES_MAX = 4096;
/** Peer messages kept for heights just above ours (they often arrive while we commit the current one). */
export const FUTURE_MESSAGES_MAX = 2000;
/** Blocks requested from a peer in one sync round trip. */
export const SYNC_BLOCKS_MAX = 32;
/** A sync answer adds no block once its blocks reach this many bytes on the wire; it always carries one. */
export const SYNC_BYTES_MAX = 8 * 1024 * 1024;
/** Transactions accepted in one gossip message from a peer. */
export const GOSSIP_TXS_MAX = 2000;
/** Transactions we put in one gossip message: a slice of that many maximal transactions fits a peer frame. */
export const GOSSIP_SLICE_TXS_MAX = 960;
/** Evidence records kept. */
export const EVIDENCE_MAX = 1000;
/** [consensus] Gossiped evidence is taken only about heights this far below the receiver's (or one above). */
export const EVIDENCE_GOSSIP_HEIGHTS_MAX = 100;
/** Consensus messages of the current height kept for re-sending. */
export const HEIGHT_LOG_MAX = 512;
/** Distinct blocks considered at one height (one proposer per round, a bounded number of rounds). */
export const BLOCKS_PER_HEIGHT_MAX = PROPOSALS_PER_ROUND_MAX * (ROUNDS_AHEAD_MAX + 1);
/** How often a node tells its peers its height (lets laggards notice and sync). */
export const STATUS_INTERVAL_MS = 1000;
/** Client transactions are gossiped in batches at least this often. */
export const GOSSIP_FLUSH_MS = 5;
/** With no decision for this long, re-send this height's consensus messages (a peer may have missed them). */
export const RESEND_AFTER_MS = 3000;
/** A peer whose sync answer did not move us forward is not asked again for this long. */
export const SYNC_PEER_BACKOFF_MS = 10_000;
/** A sync request unanswered for this long is given up (and its peer backed off). */
export const SYNC_ANSWER_MS_MAX = 5_000;
/**
 * Gossiped transactions no honest node sends (malformed, another chain, bad signature, …) tolerated from one peer
 * within PEER_INVALID_TXS_WINDOW_MS; one more and the peer is disconnected for PEER_BACKOFF_MS (CONS-PEER-1).
 */
export const PEER_INVALID_TXS_MAX = 64;
export const PEER_INVALID_TXS_WINDOW_MS = 60_000;
/** A peer disconnected for invalid gossip is ignored, and dropped whenever it reconnects, for this long. */
export const PEER_BACKOFF_MS = 30_000;
/**
 * Compact proposals carry transaction hashes; a validator asks the proposal's sender for the bodies it lacks, and if
 * they have not all come after this long, every other peer too (and again every TX_FETCH_RESEND_MS while the height
 * lasts). Bodies it cannot get before timeoutPropose mean a nil prevote: the round changes.
 */
export const TX_FETCH_RETRY_MS = 200;
export const TX_FETCH_RESEND_MS = 1000;
/** Missing-transaction requests answered per peer and height (more are ignored: an answer can be a block's worth). */
export const TX_FETCH_SERVES_PER_PEER_MAX = 16;

/** Worst-case wire bytes of a block with `txChars` code units in `txCount` transactions (each quoted, comma-separated). */
export function wireBlockBytesMax(txChars: number, txCount: number): number {
  return txChars * WIRE_BYTES_PER_TX_CHAR_MAX + txCount * 3 + WIRE_BLOCK_OVERHEAD_BYTES_MAX;
}

// Relations, checked once at load: a violated one is a bug in the numbers above, never a runtime condition.
const blockWireBytesMax = wireBlockBytesMax(BLOCK_TX_BYTES_MAX, BLOCK_TXS_MAX);
assert(
  WIRE_BLOCK_OVERHEAD_BYTES_MAX >= BLOCK_TXS_MAX * (64 + 3) + ORGS_MAX * 256 + 4096,
  'the block overhead covers the hashes hint (64 hex + quotes and comma each), a full commit and the header',
);
assert(blockWireBytesMax + WIRE_MESSAGE_OVERHEAD_BYTES_MAX <= P2P_MESSAGE_BYTES_MAX, 'a maximal block fits a proposal message');
// A sync answer stops adding blocks once SYNC_BYTES_MAX is reached: below it, then at most one maximal block.
assert(SYNC_BYTES_MAX + blockWireBytesMax + WIRE_MESSAGE_OVERHEAD_BYTES_MAX <= P2P_MESSAGE_BYTES_MAX, 'a sync answer fits a peer frame');
assert(GOSSIP_SLICE_TXS_MAX * (TX_BYTES_MAX + 1) + WIRE_MESSAGE_OVERHEAD_BYTES_MAX <= P2P_MESSAGE_BYTES_MAX, 'a gossip slice of maximal transactions fits a peer frame');
assert(GOSSIP_SLICE_TXS_MAX <= GOSSIP_TXS_MAX, 'our gossip slices are accepted by peers');
assert(BLOCKS_PER_HEIGHT_MAX >= 4 && FUTURE_MESSAGES_MAX >= ORGS_MAX && HEIGHT_LOG_MAX >= 1, 'every driver bound admits something');
assert(SYNC_ANSWER_MS_MAX < SYNC_PEER_BACKOFF_MS, 'a silent sync peer is backed off for longer than we waited for it');
// A missing-transaction answer is cut at BLOCK_TX_BYTES_MAX of text, then at most one more maximal transaction.
assert(wireBlockBytesMax(BLOCK_TX_BYTES_MAX + TX_BYTES_MAX, BLOCK_TXS_MAX) + WIRE_MESSAGE_OVERHEAD_BYTES_MAX <= P2P_MESSAGE_BYTES_MAX, 'a missing-transaction answer fits a peer frame');
assert(TX_FETCH_RETRY_MS < TX_FETCH_RESEND_MS && TX_FETCH_SERVES_PER_PEER_MAX >= 2, 'a fetch asks the sender, then everyone, and may be asked again');
assert(PEER_INVALID_TXS_MAX >= 1 && PEER_BACKOFF_MS > 0 && PEER_INVALID_TXS_WINDOW_MS > 0, 'a peer may err once; a back-off lasts');
