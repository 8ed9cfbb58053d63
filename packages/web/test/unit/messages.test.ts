/**
 * The message files stay one key set per owner: the shell's three files and each module's three have every key in
 * every language, the same {{variables}}; no key is defined by two owners (they merge into one resource set); every
 * key a component names is its module's or the shell's (modules do not borrow each other's labels); and every code
 * of the core's catalogues has a label (a new category or cause would otherwise show as a raw key).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS, ALLOWED_REASONS, ASSIGNMENT_VIAS, CHECK_RESULTS, DEPARTMENT_CODES, EVENT_ACTIONS, EVENT_ASSIGNMENT_STATUSES, EVENT_CATEGORY_CODES, EVENT_LOCATION_KINDS,
  EVENT_REJECT_REASONS, EVENT_REPORTER_KINDS, EVENT_RESULT_CODES, EVENT_SEVERITIES, EVENT_STATUSES, FLAG_ANSWERS, FLAG_KINDS, HELP_REASONS, SEND_BACK_REASONS,
  TRIAGE_DECISIONS, VISIT_PURPOSES, ANOMALY_RULES, CATEGORY_CODES, CAUSES, CREDENTIAL_TYPE_IDS, DENIED_REASONS, FIELD_NAMES, PARTS, PURPOSES, ROLES, STATUSES, VERIFY_REASONS,
  ADDRESS_KINDS, ADDRESS_STATUSES, ADDRESSES_ERRORS,
} from '@machi/core';
import en from '../../src/messages/en.json';
import ja from '../../src/messages/ja.json';
import zh from '../../src/messages/zh.json';
import { WEB_MODULES } from '../../src/modules';
import type { Messages } from '../../src/modules/types';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const SHELL = { name: 'shell', messages: { en, zh, ja } as Record<string, Messages> };
const OWNERS = [SHELL, ...WEB_MODULES];
const vars = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

/** Keys a file names literally: t('key' …) and navigation labels. */
function keysIn(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...[...text.matchAll(/\bt\('([a-zA-Z0-9.-]+)'/g)].map((m) => m[1]!), ...[...text.matchAll(/label: '([a-z]+\.[a-zA-Z]+)'/g)].map((m) => m[1]!)];
}

describe('message files', () => {
  it.each(OWNERS.map((o) => [o.name, o] as const))('%s: the same keys in zh, ja and en, none empty, the same {{variables}}', (_, o) => {
    const keys = Object.keys(o.messages.en).sort();
    expect(keys.length).toBeGreaterThan(10);
    for (const [lang, m] of Object.entries(o.messages)) {
      expect(Object.keys(m).sort(), lang).toEqual(keys);
      for (const [k, v] of Object.entries(m)) {
        expect(v.trim(), `${lang} ${k}`).not.toBe('');
        expect(vars(v), `${lang} ${k}`).toEqual(vars(o.messages.en[k]!));
      }
    }
  });

  it('define each key once across the shell and the modules', () => {
    const owner = new Map<string, string>();
    const twice: string[] = [];
    for (const o of OWNERS) {
      for (const k of Object.keys(o.messages.en)) {
        if (owner.has(k)) twice.push(`${k}: ${owner.get(k)} and ${o.name}`);
        owner.set(k, o.name);
      }
    }
    expect(twice).toEqual([]);
  });

  it('hold every key the components name literally: a module\'s own or the shell\'s', () => {
    const missing: string[] = [];
    let used = 0;
    for (const file of sources(SRC)) {
      const rel = file.slice(SRC.length).replace(/\\/g, '/');
      const mod = /^modules\/([^/]+)\//.exec(rel)?.[1];
      const own = WEB_MODULES.find((m) => m.name === mod)?.messages.en ?? {};
      for (const k of keysIn(file)) {
        used++;
        if (!(k in en) && !(k in own)) missing.push(`${rel}: ${k}`);
      }
    }
    expect(used).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it('label every code of the core catalogues', () => {
    const all = new Set(OWNERS.flatMap((o) => Object.keys(o.messages.en)));
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
      ...EVENT_CATEGORY_CODES.map((c) => `events.category.${c}`),
      ...EVENT_SEVERITIES.map((s) => `events.severity.${s}`),
      ...EVENT_STATUSES.map((s) => `events.status.${s}`),
      ...EVENT_ASSIGNMENT_STATUSES.map((s) => `events.partStatus.${s}`),
      ...EVENT_ACTIONS.map((a) => `events.action.${a}`),
      ...EVENT_RESULT_CODES.map((r) => `events.result.${r}`),
      ...[...EVENT_REJECT_REASONS, ...HELP_REASONS, ...SEND_BACK_REASONS].map((r) => `events.reason.${r}`),
      ...FLAG_KINDS.map((k) => `events.flagKind.${k}`),
      ...FLAG_ANSWERS.map((a) => `events.flagAnswer.${a}`),
      ...CHECK_RESULTS.map((c) => `events.check.${c}`),
      ...VISIT_PURPOSES.map((p) => `events.visitPurpose.${p}`),
      ...EVENT_LOCATION_KINDS.map((k) => `events.locationKind.${k}`),
      ...DEPARTMENT_CODES.map((d) => `events.department.${d}`),
      ...ASSIGNMENT_VIAS.map((v) => `events.via.${v}`),
      ...TRIAGE_DECISIONS.map((d) => `events.decision.${d}`),
      ...EVENT_REPORTER_KINDS.map((k) => `events.reporterKind.${k}`),
      ...ADDRESS_KINDS.map((k) => `addresses.kind.${k}`),
      ...ADDRESS_STATUSES.map((s) => `addresses.status.${s}`),
      ...Object.keys(ADDRESSES_ERRORS).map((c) => `errorCode.${c}`),
    ];
    expect(need.filter((k) => !all.has(k))).toEqual([]);
  });
});
