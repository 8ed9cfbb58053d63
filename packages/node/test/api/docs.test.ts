/** The documentation that users read is kept in step with the code it describes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '@machi/core';

const doc = (path: string): string => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');

describe('docs', () => {
  it('docs/spec/errors.md lists every code of the catalogue with its status, and no other', () => {
    const text = doc('docs/spec/errors.md');
    const rows = [...text.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(Object.entries(ERRORS).map(([code, e]) => [code, e.status]));
  });

  it('docs/cli.md and the README name every command', () => {
    const cli = doc('docs/cli.md');
    for (const cmd of ['start', 'submit', 'verify', 'proof', 'verify-proof']) expect(cli).toContain(`machi ${cmd}`);
    expect(doc('README.md')).toMatch(/npm install && npm test/);
  });
});
