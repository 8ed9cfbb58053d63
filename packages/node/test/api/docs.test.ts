/** The documentation that users read is kept in step with the code it describes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASE_ERRORS, CORE_MODULES, ERRORS } from '@machi/core';

const doc = (path: string): string => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');

describe('docs', () => {
  const rowsOf = (text: string) => [...text.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);

  it('docs/spec/errors.md lists every base code of the catalogue with its status, and no other', () => {
    expect(rowsOf(doc('docs/spec/errors.md'))).toEqual(Object.entries(BASE_ERRORS).map(([code, e]) => [code, e.status]));
  });

  it("each module's spec lists its codes in its Errors section", () => {
    for (const m of CORE_MODULES) {
      const codes = Object.entries(m.errors).map(([code, e]) => [code, e.status]);
      if (codes.length === 0) continue;
      const spec = doc(m.spec);
      const section = spec.slice(spec.indexOf('\n## Errors\n'));
      expect(spec.includes('\n## Errors\n'), `${m.spec} has an Errors section`).toBe(true);
      expect(rowsOf(section), m.name).toEqual(codes);
    }
  });

  it('the catalogue is the base codes and every module\'s, each once', () => {
    const all = [...Object.keys(BASE_ERRORS), ...CORE_MODULES.flatMap((m) => Object.keys(m.errors))];
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(ERRORS).sort()).toEqual(all.sort());
  });

  it('docs/cli.md and the README name every command', () => {
    const cli = doc('docs/cli.md');
    for (const cmd of ['start', 'submit', 'verify', 'proof', 'verify-proof']) expect(cli).toContain(`machi ${cmd}`);
    expect(doc('README.md')).toMatch(/npm install && npm test/);
  });
});
