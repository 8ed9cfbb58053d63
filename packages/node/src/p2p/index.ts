/**
 * The peer-to-peer link layer between consortium nodes (README.md in this folder describes the protocol). This is the
 * public surface; the handshake and frame functions stay internal (tests import them from their modules).
 */
export { P2PNetwork, type P2PEvents, type P2POptions, type PeerInfo } from './network.js';
export { CLOSE_CODE } from './link.js';
export * from './limits.js';
