/**
 * The network view's node status (src/modules/dashboard/node-status.ts, components/NodeStatus.tsx), from what
 * GET /v1/health answers: a node that votes shows one quiet line and no banner; a restored node that refuses to vote
 * (`degraded`) shows a red banner saying why and what to do, with the heights, in each language, and the dashboard's
 * other pages a red badge; one holding its vote during its double-sign check, one voting with the check overridden and
 * one still fetching its history each show a banner of their own.
 */
import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { MantineProvider } from '@mantine/core';
import i18next, { type i18n } from 'i18next';
import { I18nextProvider } from 'react-i18next';
import { Router } from 'wouter';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeDegradedBadge, NodeStatus } from '../../src/modules/dashboard/components/NodeStatus';
import { nodeStatusView, type NodeHealth } from '../../src/modules/dashboard/node-status';
import { dashboard } from '../../src/modules/dashboard';
import en from '../../src/messages/en.json';
import ja from '../../src/messages/ja.json';
import zh from '../../src/messages/zh.json';

const LANGS = ['en', 'zh', 'ja'] as const;
type Lang = (typeof LANGS)[number];
/** the shell's labels (organisations' names) */
const SHELL: Record<Lang, Record<string, string>> = { en, zh, ja };

const OK: NodeHealth = { status: 'ok', org: 'street-office', height: 120, history: { complete: true, lowestHeight: 1 }, voting: 'allowed' };
const CHECK = { backupHeight: 40, signedUpTo: 41, heights: 10, ignored: false };
const REFUSED: NodeHealth = {
  ...OK, status: 'degraded', voting: 'refused',
  doubleSignCheck: { ...CHECK, state: 'refused', foundHeights: [47, 46], reason: "street-office's key signed blocks 47, 46 after this backup (height 41): its original node may still be running; …" },
};
const CHECKING: NodeHealth = {
  ...OK, voting: 'checking',
  doubleSignCheck: { ...CHECK, state: 'checking', foundHeights: [], reason: 'restored from a backup: syncing (height 80 of 120) before the double-sign check' },
};
const PASSED: NodeHealth = {
  ...OK, doubleSignCheck: { ...CHECK, state: 'allowed', foundHeights: [], voteFrom: 121, reason: 'double-sign check passed at height 120: …' },
};
const OVERRIDDEN: NodeHealth = {
  ...OK, doubleSignCheck: { ...CHECK, state: 'allowed', foundHeights: [47], voteFrom: 121, ignored: true, reason: 'double-sign check at height 120: … voting anyway (--ignore-double-sign-check)' },
};
const BACKFILLING: NodeHealth = { ...OK, history: { complete: false, lowestHeight: 61, snapshotHeight: 90 } };

const i18ns = {} as Record<Lang, i18n>;
beforeAll(async () => {
  for (const lng of LANGS) {
    const inst = i18next.createInstance();
    await inst.init({ lng, showSupportNotice: false, resources: { [lng]: { translation: { ...SHELL[lng], ...dashboard.messages[lng] } } }, interpolation: { escapeValue: false } });
    i18ns[lng] = inst;
  }
});

function html(el: ReactElement, lng: Lang = 'en'): string {
  return renderToStaticMarkup(createElement(MantineProvider, null, createElement(I18nextProvider, { i18n: i18ns[lng] }, createElement(Router, { ssrPath: '/dashboard', children: el }))));
}
/** The markup without Mantine's style tags. */
const body = (h: string): string => h.replace(/<style[^>]*>[\s\S]*?<\/style>/g, '');
const text = (h: string): string => body(h).replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const alerts = (h: string): string[] => [...h.matchAll(/data-testid="node-notice-([a-z]+)"/g)].map((m) => m[1]!);

describe('node status on the network view', () => {
  it('a voting node: one quiet line, no banner', () => {
    const h = html(createElement(NodeStatus, { health: OK }));
    expect(alerts(h)).toEqual([]);
    expect(h).toContain('data-status="ok"');
    expect(text(h)).toContain('This node (Street office) · voting: allowed · history: complete');
    expect(body(html(createElement(NodeDegradedBadge, { health: OK })))).toBe('');
  });

  it('a node refusing to vote: degraded, a red banner with why and what to do, in every language; a badge elsewhere', () => {
    for (const lng of LANGS) {
      const h = html(createElement(NodeStatus, { health: REFUSED }), lng);
      expect(h).toContain('data-status="degraded"');
      expect(h).toContain('data-voting="refused"');
      expect(alerts(h)).toEqual(['refused']);
      const t = text(h);
      expect(t, lng).toContain('47, 46');
      expect(t, lng).toContain('41');
      expect(t, lng).toContain('--ignore-double-sign-check');
      expect(t, lng).toContain(i18ns[lng].t('dashboard.node.refused.title'));
      expect(t, lng).not.toMatch(/dashboard\.node\.|\{\{|cmd>/);
      expect(h, lng).not.toContain('node-detail'); // the node's own sentence says nothing more
      expect(text(html(createElement(NodeDegradedBadge, { health: REFUSED }), lng))).toContain(i18ns[lng].t('dashboard.node.degradedBadge'));
    }
    expect(text(html(createElement(NodeStatus, { health: REFUSED })))).toContain("Street office's key signed blocks 47, 46 after the backup this node was restored from (height 41)");
    expect(text(html(createElement(NodeStatus, { health: REFUSED }), 'zh'))).toContain('街道办事处的密钥');
    expect(text(html(createElement(NodeStatus, { health: REFUSED }), 'ja'))).toContain('投票を拒否');
  });

  it('degraded for a reason it does not know: still a red banner', () => {
    const v = nodeStatusView({ ...OK, status: 'degraded' });
    expect(v.status).toBe('degraded');
    expect(v.notices.map((n) => [n.id, n.tone])).toEqual([['degraded', 'alert']]);
  });

  it('a restored node during its check, one voting with the check overridden, one fetching history: a banner each', () => {
    const checking = html(createElement(NodeStatus, { health: CHECKING }));
    expect(alerts(checking)).toEqual(['checking']);
    expect(checking).toContain('data-status="ok"');
    expect(text(checking)).toContain('the newest 10 blocks show no signature of its organisation above height 41');
    expect(text(checking)).toContain('syncing (height 80 of 120)');
    expect(body(html(createElement(NodeDegradedBadge, { health: CHECKING })))).toBe('');

    const passed = html(createElement(NodeStatus, { health: PASSED }));
    expect(alerts(passed)).toEqual([]);
    expect(text(passed)).toContain('voting: allowed · restored from a backup, votes from height 121');

    expect(alerts(html(createElement(NodeStatus, { health: OVERRIDDEN })))).toEqual(['ignored']);

    const back = html(createElement(NodeStatus, { health: BACKFILLING }));
    expect(alerts(back)).toEqual(['history']);
    expect(text(back)).toContain('joined from a snapshot at height 90 and holds blocks 61 to 120');
    expect(text(back)).not.toContain('history: complete');
    // the most serious first
    expect(nodeStatusView({ ...REFUSED, history: BACKFILLING.history }).notices.map((n) => n.id)).toEqual(['refused', 'history']);
  });

  it('every key it names is in every language, with the values its text takes', () => {
    for (const health of [OK, REFUSED, CHECKING, PASSED, OVERRIDDEN, BACKFILLING, { ...OK, status: 'degraded' } as NodeHealth]) {
      const v = nodeStatusView(health);
      const used = [...v.line.map((p) => [p.key, p.params] as const), ...v.notices.flatMap((n) => [[n.title, n.params], [n.body, n.params]] as const)];
      for (const lng of LANGS) {
        for (const [key, params] of used) {
          const m = dashboard.messages[lng][key];
          expect(m, `${lng} ${key}`).toBeDefined();
          for (const [, name] of m!.matchAll(/\{\{(\w+)\}\}/g)) expect(params, `${lng} ${key} {{${name}}}`).toHaveProperty(name!);
        }
      }
    }
  });
});
