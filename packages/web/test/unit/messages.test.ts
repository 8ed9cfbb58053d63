/**
 * The three message files stay one key set: every key in every language, the same {{variables}}, every key the
 * components name present, and a label for every code of the core's catalogues (a new category or cause would
 * otherwise show as a raw key).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACTIONS, ALLOWED_REASONS, ANOMALY_RULES, CATEGORY_CODES, CAUSES, CREDENTIAL_TYPE_IDS, DENIED_REASONS, FIELD_NAMES, PARTS, PURPOSES, ROLES, STATUSES, VERIFY_REASONS } from '@machi/core';
import en from '../../src/messages/en.json';
import ja from '../../src/messages/ja.json';
import zh from '../../src/messages/zh.json';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const LANGS: Record<string, Record<string, string>> = { en, zh, ja };
const vars = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

describe('message files', () => {
  it('have the same keys in zh, ja and en, none empty', () => {
    const keys = Object.keys(en).sort();
    expect(keys.length).toBeGreaterThan(100);
    for (const [lang, m] of Object.entries(LANGS)) {
      expect(Object.keys(m).sort(), lang).toEqual(keys);
      for (const [k, v] of Object.entries(m)) expect(v.trim(), `${lang} ${k}`).not.toBe('');
    }
  });

  it('use the same {{variables}} in every language', () => {
    for (const k of Object.keys(en)) {
      for (const [lang, m] of Object.entries(LANGS)) expect(vars(m[k]!), `${lang} ${k}`).toEqual(vars((en as Record<string, string>)[k]!));
    }
  });

  it('hold every key the components name literally, and components hold no other user-visible text keys', () => {
    const used = new Set<string>();
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\('([a-zA-Z0-9.-]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/label: '([a-z]+\.[a-zA-Z]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter((k) => !(k in en));
    expect(missing).toEqual([]);
  });

  it('label every code of the core catalogues', () => {
    const need = [
      ...CATEGORY_CODES.map((c) => `category.${c}`),
      ...CAUSES.map((c) => `cause.${c}`),
      ...PARTS.map((p) => `part.${p}`),
      ...STATUSES.map((s) => `status.${s}`),
      ...ACTIONS.map((a) => `action.${a}`),
      ...ROLES.map((r) => `role.${r}`),
      ...PURPOSES.map((p) => `purpose.${p}`),
      ...FIELD_NAMES.map((f) => `field.${f}`),
      ...ANOMALY_RULES.map((r) => `rule.${r}`),
      ...[...ALLOWED_REASONS, ...DENIED_REASONS].map((r) => `accessReason.${r}`),
      ...CREDENTIAL_TYPE_IDS.map((c) => `credential.${c}`),
      ...VERIFY_REASONS.map((r) => `verifyReason.${r}`),
    ];
    expect(need.filter((k) => !(k in en))).toEqual([]);
  });
});
