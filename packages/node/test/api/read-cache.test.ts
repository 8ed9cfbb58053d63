/** The bounded read cache of the API (src/api/read-cache.ts): least recently used first out, a character budget. */
import { describe, expect, it } from 'vitest';
import { READ_CACHE_ENTRY_CHARS_MAX, ReadCache } from '../../src/api/read-cache.js';

describe('ReadCache', () => {
  it('keeps texts within its character budget, dropping the least recently read first', () => {
    const c = new ReadCache(30);
    c.set('a', 'x'.repeat(10));
    c.set('b', 'y'.repeat(10));
    c.set('c', 'z'.repeat(10));
    expect(c.get('a')).toBe('x'.repeat(10)); // a is now the most recently used: b goes next
    c.set('d', 'w'.repeat(10));
    expect([c.get('a'), c.get('b'), c.get('c'), c.get('d')]).toEqual(['x'.repeat(10), undefined, 'z'.repeat(10), 'w'.repeat(10)]);
    expect([c.size, c.chars]).toEqual([3, 30]);
    c.set('e', 'v'.repeat(25)); // drops as many as it takes
    expect([c.size, c.chars, c.get('e')]).toEqual([1, 25, 'v'.repeat(25)]);
  });

  it('replaces a key without counting it twice, and keeps nothing larger than its limits', () => {
    const c = new ReadCache(100);
    c.set('a', 'x'.repeat(40));
    c.set('a', 'y'.repeat(50));
    expect([c.size, c.chars, c.get('a')]).toEqual([1, 50, 'y'.repeat(50)]);
    c.set('big', 'z'.repeat(101));
    expect([c.get('big'), c.get('a'), c.chars]).toEqual([undefined, 'y'.repeat(50), 50]);
    const roomy = new ReadCache(READ_CACHE_ENTRY_CHARS_MAX * 4);
    roomy.set('huge', 'h'.repeat(READ_CACHE_ENTRY_CHARS_MAX + 1));
    expect(roomy.size).toBe(0);
  });
});
