import { describe, expect, it } from 'vitest';
import { maskName } from '../../src/modules/funds/store.js';

describe('maskName (the public notice)', () => {
  it('keeps the surname and masks every character of the given name', () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('李四')).toBe('李*');
    expect(maskName('欧阳明月')).toBe('欧***'); // compound surnames are not recognised: it shows less, never more
    expect(maskName('Zhang San')).toBe('Zhang ***');
    expect(maskName(' Wang  Xiao Ming ')).toBe('Wang ********');
    expect(maskName('王')).toBe('王*');
  });
});
