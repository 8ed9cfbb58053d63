/** logSafe: outside text made fit for one log line. */
import { describe, expect, it } from 'vitest';
import { LOG_TEXT_CHARS_MAX, logSafe } from '../../src/index.js';

describe('logSafe', () => {
  it('escapes newlines, ANSI escapes, C1 controls, bidi overrides and zero-width characters', () => {
    expect(logSafe('a\nb\r\tc')).toBe('a\\nb\\r\\tc');
    expect(logSafe('\x1b[2J\x1b[31mred\x1b[0m')).toBe('\\x1b[2J\\x1b[31mred\\x1b[0m');
    expect(logSafe('\u0085\u009b\u007f')).toBe('\\x85\\x9b\\x7f');
    expect(logSafe('\u202eevil\u2066\u200b\ufeff\u2028')).toBe('\\u202eevil\\u2066\\u200b\\ufeff\\u2028');
    expect(logSafe('\ud800x')).toBe('\\ud800x');
  });

  it('keeps ordinary text, including CJK and emoji, as it is', () => {
    expect(logSafe('陈调度 ✓ 😀 org-1 (4000: bye)')).toBe('陈调度 ✓ 😀 org-1 (4000: bye)');
  });

  it('caps the length (before escaping) and marks the cut, never splitting a surrogate pair', () => {
    expect(logSafe('x'.repeat(LOG_TEXT_CHARS_MAX + 50))).toBe(`${'x'.repeat(LOG_TEXT_CHARS_MAX)}…`);
    expect(logSafe('abcdef', 3)).toBe('abc…');
    expect(logSafe('ab😀', 3)).toBe('ab…');
    expect(logSafe(undefined)).toBe('undefined');
  });
});
