/**
 * Text from outside (a peer's close reason or version, a client's user name) on its way into a log line: one line,
 * nothing a terminal or log viewer acts on, bounded. Use it wherever such text is interpolated into a log line.
 */

/** Default longest text kept from one outside value in a log line (characters, before escaping). */
export const LOG_TEXT_CHARS_MAX = 200;

// C0 and C1 controls (newlines, ESC of ANSI sequences, DEL), line/paragraph separators, bidi overrides and isolates
// ("Trojan Source"), zero-width characters and the BOM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

const escapeChar = (c: string): string => {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * `text` with control, separator, bidi and zero-width characters escaped (`\n`, `\x1b`, `\u202e`) and, if longer
 * than `maxChars`, cut there (never inside a surrogate pair) and marked with `…`. Any value is accepted (String(v)).
 */
export function logSafe(text: unknown, maxChars: number = LOG_TEXT_CHARS_MAX): string {
  let s = String(text);
  let cut = false;
  if (s.length > maxChars) {
    let end = Math.max(0, Math.floor(maxChars));
    if (end > 0 && /[\ud800-\udbff]/.test(s[end - 1]!)) end--;
    s = s.slice(0, end);
    cut = true;
  }
  // a lone surrogate is not printable either
  s = s.replace(UNSAFE, escapeChar).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, escapeChar);
  return cut ? `${s}…` : s;
}
