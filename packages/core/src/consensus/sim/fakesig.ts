/**
 * The simulator's stand-in for Ed25519: a deterministic string naming signer and signed content. Only the signer's
 * simulated driver ever produces it (Byzantine nodes sign as themselves only), so "verifying" is recomputing.
 */
import type { Vote } from '../types.js';

export function fakeSig(from: string, type: Vote['type'], height: number, round: number, blockHash: string | null): string {
  return `sig:${from}:${type}:${height}:${round}:${blockHash ?? 'nil'}`;
}

export function fakeSigValid(v: Pick<Vote, 'from' | 'type' | 'height' | 'round' | 'blockHash' | 'sig'>): boolean {
  return v.sig === fakeSig(v.from, v.type, v.height, v.round, v.blockHash);
}
