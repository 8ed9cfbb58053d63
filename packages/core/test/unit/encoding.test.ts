import { describe, expect, it } from 'vitest';
import { canonicalJson, fromBase64url, fromHex, isBase64url, isHex, tagged, toBase64url, toHex, utf8 } from '../../src/index.js';
import { machiError } from './helpers.js';

function fromBits(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

describe('canonicalJson (RFC 8785 JCS)', () => {
  it('reproduces the RFC 8785 §3.2.2 example (whitespace, numbers, string escapes, literals, key order)', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalJson(JSON.parse(input))).toBe(expected);
    // and the UTF-8 bytes given in the RFC for the string member: € is e2 82 ac
    expect(toHex(utf8(canonicalJson('\u20ac')))).toBe('22e282ac22');
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3 example), not by code points', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const text = canonicalJson(input);
    const order = Object.keys(JSON.parse(text) as Record<string, unknown>).filter((k) => k !== '1');
    // '1' is an integer-like key: JSON.parse puts it first in property order, so check the text instead
    expect(text).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    // the emoji (U+1F600, surrogates D83D DE00) sorts before U+FB33 in UTF-16 order, though after it by code point
    expect(order.indexOf('\ud83d\ude00')).toBeLessThan(order.indexOf('\ufb33'));
  });

  it('sorts nested objects at every level and keeps array order', () => {
    const value = { b: [{ z: 1, a: 2 }, 3, { y: { d: 4, c: 5 } }], a: { c: null, b: false, a: 'x' } };
    expect(canonicalJson(value)).toBe('{"a":{"a":"x","b":false,"c":null},"b":[{"a":2,"z":1},3,{"y":{"c":5,"d":4}}]}');
  });

  it('does not depend on insertion order', () => {
    const a = { x: 1, y: { p: [1, 2], q: 'w' } };
    const b = { y: { q: 'w', p: [1, 2] }, x: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  // RFC 8785 Appendix B: IEEE 754 binary64 bit pattern → canonical JSON number.
  const APPENDIX_B: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  it.each(APPENDIX_B)('serialises binary64 %s as %s (RFC 8785 Appendix B)', (bits, expected) => {
    expect(canonicalJson(fromBits(bits))).toBe(expected);
    expect(canonicalJson([fromBits(bits)])).toBe(`[${expected}]`);
  });

  it('normalises number spellings from parsed JSON text', () => {
    const cases: [string, string][] = [
      ['1e21', '1e+21'],
      ['1E21', '1e+21'],
      ['1e20', '100000000000000000000'],
      ['1E-7', '1e-7'],
      ['0.0000001', '1e-7'],
      ['0.000001', '0.000001'],
      ['-0', '0'],
      ['-0.0', '0'],
      ['4.50', '4.5'],
      ['1.0', '1'],
      ['100', '100'],
      ['2e-3', '0.002'],
      ['-1.5E+2', '-150'],
    ];
    for (const [text, expected] of cases) expect(canonicalJson(JSON.parse(`{"n":${text}}`)), text).toBe(`{"n":${expected}}`);
  });

  it('escapes strings as RFC 8785 §3.2.2.2 requires', () => {
    const cases: [string, string][] = [
      ['"', '"\\""'],
      ['\\', '"\\\\"'],
      ['/', '"/"'],
      ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
      ['\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
      ['\u000b', '"\\u000b"'],
      ['\u007f', '"\u007f"'],
      ['é€😀', '"é€😀"'],
      ['\u2028\u2029', '"\u2028\u2029"'],
    ];
    for (const [value, expected] of cases) expect(canonicalJson(value), JSON.stringify(value)).toBe(expected);
  });

  it('refuses values that have no canonical form (NaN, Infinity, lone surrogates, undefined)', () => {
    for (const v of [NaN, Infinity, -Infinity, { a: NaN }, [Infinity]]) {
      expect(() => canonicalJson(v)).toThrow();
    }
    expect(() => canonicalJson('\ud800')).toThrow();
    expect(() => canonicalJson(undefined)).toThrow();
  });

  it('tagged() prefixes the domain tag and a newline', () => {
    expect(Buffer.from(tagged('machi.tx.v1', '{"a":1}')).toString('utf8')).toBe('machi.tx.v1\n{"a":1}');
    expect(toHex(tagged('t', 'é'))).toBe('740ac3a9');
  });
});

describe('hex', () => {
  it('round-trips bytes of every length through lowercase hex', () => {
    for (let len = 0; len <= 66; len++) {
      const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 37 + len * 11) & 0xff);
      const hex = toHex(bytes);
      expect(hex).toMatch(/^[0-9a-f]*$/);
      expect(hex.length).toBe(2 * len);
      expect(isHex(hex)).toBe(true);
      expect(isHex(hex, 2 * len)).toBe(true);
      expect(Buffer.from(fromHex(hex))).toEqual(Buffer.from(bytes));
    }
    expect(toHex(Uint8Array.from([0, 1, 0xab, 0xff]))).toBe('0001abff');
  });

  it('toHex respects the view of a subarray', () => {
    const buf = Uint8Array.from([1, 2, 3, 4, 5]);
    expect(toHex(buf.subarray(1, 3))).toBe('0203');
  });

  it('rejects anything but even-length lowercase hex', () => {
    for (const bad of ['ABCD', 'aB', 'abc', '0', 'zz', '0x00', ' 00', '00 ', '00\n', 'g0', '-1']) {
      expect(isHex(bad), bad).toBe(false);
      const e = machiError(() => fromHex(bad));
      expect(e.code).toBe('TX_MALFORMED');
    }
    for (const notString of [undefined, null, 12, ['00'], { x: 1 }]) expect(isHex(notString)).toBe(false);
  });

  it('isHex checks the length when asked', () => {
    const h = 'ab'.repeat(32);
    expect(isHex(h, 64)).toBe(true);
    expect(isHex(h, 62)).toBe(false);
    expect(isHex(h + 'ab', 64)).toBe(false);
  });
});

describe('base64url', () => {
  it('round-trips bytes of every length, without padding, in the URL-safe alphabet', () => {
    for (let len = 0; len <= 70; len++) {
      const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 101 + 251) & 0xff);
      const text = toBase64url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(text.length).toBe(Math.ceil((len * 4) / 3));
      expect(isBase64url(text)).toBe(true);
      expect(isBase64url(text, len)).toBe(true);
      expect(Buffer.from(fromBase64url(text))).toEqual(Buffer.from(bytes));
    }
  });

  it('uses - and _ where base64 uses + and /', () => {
    expect(toBase64url(Uint8Array.from([0xfb, 0xff]))).toBe('-_8');
    expect(Buffer.from(fromBase64url('-_8'))).toEqual(Buffer.from([0xfb, 0xff]));
  });

  it('rejects the standard alphabet, padding, whitespace and non-strings', () => {
    for (const bad of ['+_8', '/_8', '-_8=', 'AA==', 'AA A', ' AA', 'AA\n', 'A.B', 'é']) {
      expect(isBase64url(bad), bad).toBe(false);
      expect(machiError(() => fromBase64url(bad)).code).toBe('TX_MALFORMED');
    }
    for (const notString of [undefined, null, 12, ['AA']]) expect(isBase64url(notString)).toBe(false);
  });

  it('isBase64url checks the decoded length when asked (32-byte keys: 43 chars, 64-byte signatures: 86 chars)', () => {
    const key = toBase64url(new Uint8Array(32).fill(7));
    const sig = toBase64url(new Uint8Array(64).fill(9));
    expect(key.length).toBe(43);
    expect(sig.length).toBe(86);
    expect(isBase64url(key, 32)).toBe(true);
    expect(isBase64url(sig, 64)).toBe(true);
    expect(isBase64url(key.slice(1), 32)).toBe(false);
    expect(isBase64url(key + 'A', 32)).toBe(false);
    expect(isBase64url(sig, 32)).toBe(false);
  });

  // Everything hashed or signed must have exactly one encoding. A base64url text of length 4k+1 encodes no byte
  // string, and a text whose last character carries non-zero unused bits decodes to the same bytes as the canonical
  // text: accepting either makes signatures and keys (and so transaction hashes) malleable.
  it('rejects a text of impossible length (4k+1 characters)', () => {
    for (const bad of ['A', 'AAAAA', 'AAAAAAAAA']) {
      expect(isBase64url(bad), bad).toBe(false);
      expect(() => fromBase64url(bad), bad).toThrow();
    }
  });

  it('rejects non-canonical texts whose unused trailing bits are not zero', () => {
    // 'AA' is the one encoding of [0x00]; 'AB'..'AP' carry set padding bits and decode to the same byte.
    expect(toBase64url(Uint8Array.from([0]))).toBe('AA');
    for (const bad of ['AB', 'AP', 'AAB', 'AAD']) {
      expect(isBase64url(bad), bad).toBe(false);
      expect(() => fromBase64url(bad), bad).toThrow();
    }
    const sig = toBase64url(new Uint8Array(64).fill(0x5a));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig[85]!);
    const twin = sig.slice(0, 85) + alphabet[last ^ 1]!;
    expect(isBase64url(twin, 64)).toBe(false);
  });
});
