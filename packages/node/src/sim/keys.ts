/** Deterministic Ed25519 keys from the simulator's PRNG, so that a seed fixes keys, proposer order and block hashes. */
import { createPrivateKey, sign } from 'node:crypto';
import { toBase64url, type Signer } from '@machi/core';
import type { Prng } from '@machi/core/sim';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function seededSigner(rng: Prng): Signer {
  const seed = Buffer.alloc(32);
  for (let i = 0; i < 32; i += 4) seed.writeUInt32BE(rng.nextU32(), i);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const jwk = key.export({ format: 'jwk' }) as { x: string };
  return { publicKey: jwk.x, sign: (message) => toBase64url(sign(null, message, key)) };
}

export function randomHex(rng: Prng, chars: number): string {
  let s = '';
  while (s.length < chars) s += rng.nextU32().toString(16).padStart(8, '0');
  return s.slice(0, chars);
}
