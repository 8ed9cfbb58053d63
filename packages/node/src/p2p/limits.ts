/**
 * Limits of the peer-to-peer link layer, unit last. They bound what a peer can make us hold or wait for; none of
 * them is consensus-relevant (two nodes with different values still interoperate, up to the smaller message limit).
 */

import { P2P_MESSAGE_BYTES_MAX, assert } from '@machi/core';

/** Largest JSON message a link carries: with the consensus driver's limits in the core (what must fit in it). */
export { P2P_MESSAGE_BYTES_MAX };
/** Largest handshake message (Hello or Auth, JSON text). Real ones are ~300 bytes. */
export const HANDSHAKE_BYTES_MAX = 1024;
/**
 * Bytes an inbound socket may send before its handshake completes (a real Hello and Auth are ~1 KiB). The WebSocket
 * payload limit is sized for messages (P2P_MESSAGE_BYTES_MAX) and would let anyone who connects make us buffer that
 * much per pending handshake; a socket past this many bytes is cut at once.
 */
export const PRE_AUTH_BYTES_MAX = 16 * 1024;
/** From socket open to an authenticated session; slower peers are dropped. */
export const HANDSHAKE_MS_MAX = 5_000;
/** Inbound sockets still in their handshake; more are refused at once (bounds pre-auth memory and CPU). */
export const HANDSHAKES_PENDING_MAX = 32;
/** TCP connections the listener holds at once (links, handshakes, HTTP upgrades in progress); more are dropped. */
export const P2P_CONNECTIONS_MAX = 512;
/** Bytes queued on a socket the peer has not read; beyond it the peer is too slow and is dropped. */
export const P2P_BUFFERED_BYTES_MAX = 64 * 1024 * 1024;
/** First reconnect delay after a failed or lost outbound link. */
export const RECONNECT_BACKOFF_MS_MIN = 250;
/** Reconnect delays double per failure up to this cap (then are jittered down to half). */
export const RECONNECT_BACKOFF_MS_MAX = 5_000;
/** An outbound link that stayed up this long resets its backoff; a peer that drops us at once keeps backing off. */
export const RECONNECT_BACKOFF_RESET_MS = 10_000;
/** Keepalive: a ping every interval; a link with no pong since the previous ping is dropped as unresponsive. */
export const PING_INTERVAL_MS = 15_000;
/** After we send a close frame, how long the peer gets to answer before the socket is destroyed. */
export const CLOSE_MS_MAX = 1_000;
/** AES-GCM tag appended to every frame. */
export const FRAME_TAG_BYTES = 16;
/**
 * Frames per direction per session. The 96-bit nonce is a counter (high 32 bits zero); a link that would reach this
 * count is closed rather than reuse a nonce. 2^53 − 1 keeps the counter an exact JS integer; it is never reached.
 */
export const FRAME_COUNT_MAX = Number.MAX_SAFE_INTEGER;
/** WebSocket close reasons are limited to 123 bytes by RFC 6455. */
export const CLOSE_REASON_BYTES_MAX = 123;

assert(P2P_MESSAGE_BYTES_MAX <= P2P_BUFFERED_BYTES_MAX, 'a maximal message can be queued for a peer');
