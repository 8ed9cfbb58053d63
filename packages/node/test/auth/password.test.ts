/** Password hashes: the stored format, verification, and refusal of malformed or tampered hashes. */
import { describe, expect, it } from 'vitest';
import { SCRYPT_N, SCRYPT_P, SCRYPT_R, hashPassword, verifyPassword } from '../../src/index.js';

describe('password hashes', () => {
  it('are stored as scrypt$N$r$p$salt$hash with N=2^15 r=8 p=1, a 16-byte salt and base64url fields', async () => {
    const h = await hashPassword('correct horse battery staple');
    const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(h);
    expect(m).not.toBeNull();
    expect([Number(m![1]), Number(m![2]), Number(m![3])]).toEqual([32768, 8, 1]);
    expect([SCRYPT_N, SCRYPT_R, SCRYPT_P]).toEqual([2 ** 15, 8, 1]);
    expect(Buffer.from(m![4]!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(m![5]!, 'base64url')).toHaveLength(32);
  });

  it('verify the right password and no other; the same password hashes differently each time (salt)', async () => {
    const h = await hashPassword('s3cret-pass');
    expect(await verifyPassword('s3cret-pass', h)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
    expect(await hashPassword('s3cret-pass')).not.toBe(h);
  });

  it('treat a composed and a decomposed accent as the same password (NFC)', async () => {
    const h = await hashPassword('caf\u00e9-latte');
    expect(await verifyPassword('cafe\u0301-latte', h)).toBe(true);
  });

  it('refuse malformed or tampered hashes without throwing', async () => {
    const h = await hashPassword('s3cret-pass');
    const parts = h.split('$');
    const key = Buffer.from(parts[5]!, 'base64url');
    key[0]! ^= 1;
    const cases = [
      '',
      'bcrypt$32768$8$1$aaaa$bbbb',
      h.replace(/^scrypt/, 'SCRYPT'),
      [...parts.slice(0, 5), key.toString('base64url')].join('$'), // flipped bit in the key
      [parts[0], '16384', ...parts.slice(2)].join('$'), // other N: another key
      [parts[0], String(2 ** 24), ...parts.slice(2)].join('$'), // N above the ceiling
      [parts[0], '30000', ...parts.slice(2)].join('$'), // N not a power of two
      `${h}$extra`,
      parts.slice(0, 5).join('$'),
    ];
    for (const bad of cases) expect(await verifyPassword('s3cret-pass', bad), bad).toBe(false);
  });
});
