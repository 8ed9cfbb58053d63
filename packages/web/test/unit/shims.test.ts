/**
 * The browser adapters answer exactly as Node does for what the core uses: SHA-256 (incremental and one-shot) and
 * Ed25519 verification (including refusals of tampered and non-canonical signatures), and Buffer's base64url.
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Buffer as NodeBuffer } from 'node:buffer';
import * as shim from '../../src/verify/node-crypto';

describe('node:crypto for the browser', () => {
  it('hashes like node (incremental, one-shot, encodings)', () => {
    for (let n = 0; n < 200; n += 7) {
      const data = nodeCrypto.randomBytes(n);
      const want = nodeCrypto.createHash('sha256').update(data).update('tail').digest('hex');
      expect(shim.createHash('sha256').update(data).update('tail').digest('hex')).toBe(want);
      expect(Buffer.from(shim.hash('sha256', data, 'buffer') as Uint8Array).toString('hex')).toBe(nodeCrypto.createHash('sha256').update(data).digest('hex'));
    }
    expect(() => shim.createHash('md5')).toThrow();
  });

  it('verifies Ed25519 like node: genuine yes; tampered, wrong key, non-canonical no', () => {
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('ed25519');
    const x = (publicKey.export({ format: 'jwk' }) as { x: string }).x;
    const key = shim.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x } });
    const other = shim.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: (nodeCrypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as { x: string }).x } });
    for (let i = 0; i < 20; i++) {
      const msg = nodeCrypto.randomBytes(i * 5);
      const sig = nodeCrypto.sign(null, msg, privateKey);
      expect(shim.verify(null, msg, key, sig)).toBe(true);
      expect(shim.verify(null, msg, other, sig)).toBe(false);
      const bad = Buffer.from(sig);
      bad[i % 64]! ^= 1;
      expect(shim.verify(null, msg, key, bad)).toBe(nodeCrypto.verify(null, msg, publicKey, bad));
      // S + L (the group order): the same signature spelled non-canonically; RFC 8032 (and node) refuse it
      const L = (1n << 252n) + 27742317777372353535851937790883648493n;
      const s = BigInt('0x' + Buffer.from(sig.subarray(32)).reverse().toString('hex')) + L;
      if (s < 1n << 256n) {
        const hi = Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse();
        const mall = Buffer.concat([sig.subarray(0, 32), hi]);
        expect(nodeCrypto.verify(null, msg, publicKey, mall)).toBe(false);
        expect(shim.verify(null, msg, key, mall)).toBe(false);
      }
    }
    expect(shim.verify(null, Buffer.from('x'), key, Buffer.alloc(10))).toBe(false);
    expect(() => shim.sign()).toThrow(/not available in the browser/);
  });
});

describe('Buffer for the browser', () => {
  it('speaks base64url like node, both ways, and leaves other encodings alone', async () => {
    await import('../../src/polyfills');
    const B = (globalThis as unknown as { Buffer: typeof NodeBuffer }).Buffer;
    expect(B).not.toBe(NodeBuffer); // the polyfill's, not node's
    for (let n = 0; n < 100; n++) {
      const bytes = nodeCrypto.randomBytes(n);
      const url = NodeBuffer.from(bytes).toString('base64url');
      expect(B.from(bytes).toString('base64url')).toBe(url);
      expect(NodeBuffer.from(B.from(url, 'base64url')).equals(bytes)).toBe(true);
      expect(B.from(bytes).toString('hex')).toBe(NodeBuffer.from(bytes).toString('hex'));
      expect(B.byteLength(url, 'base64url')).toBe(n);
    }
    expect(B.from('héllo', 'utf8').toString('utf8')).toBe('héllo');
  });
});
