/** The peer-to-peer link layer between consortium nodes. README.md in this folder describes the protocol. */
export { P2PNetwork, type P2PEvents, type P2POptions, type PeerInfo } from './network.js';
export { CLOSE_CODE } from './link.js';
export * from './limits.js';
export * from './handshake.js';
export { FrameOpener, FrameSealer } from './frames.js';
export { backoffMs, parseAddress } from './dialer.js';
