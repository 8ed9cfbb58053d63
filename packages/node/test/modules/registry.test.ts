/**
 * The node's module list (src/modules/index.ts) and its folders agree; modules use each other only through a declared
 * dependency; the policy table and the OpenAPI tags are built from the list (docs/modules.md).
 */
import { describe, expect, it } from 'vitest';
import { BASE_ROUTE_ACCESS, NODE_MODULES, ROUTE_ACCESS, ROUTE_CLASSES } from '../../src/index.js';
import { TAGS } from '../../src/api/openapi.js';
import { checkModuleFolders, importsBetweenModules } from '../../../core/test/support/module-folders.js';

const MODULES_DIR = new URL('../../src/modules/', import.meta.url).pathname;

describe('node module registry', () => {
  it('every module folder is registered, and every registered module has a folder', () => {
    expect(checkModuleFolders(MODULES_DIR, NODE_MODULES.map((m) => m.name))).toEqual([]);
  });

  it('the check fails for a folder without a registry line and for a line without a folder', () => {
    const names = NODE_MODULES.map((m) => m.name);
    expect(checkModuleFolders(MODULES_DIR, names.filter((n) => n !== 'repairs'))).toEqual(['modules/repairs/ exists but is not registered']);
    expect(checkModuleFolders(MODULES_DIR, [...names, 'ghost'])).toEqual(['module ghost is registered but modules/ghost/ does not exist']);
  });

  it('a module imports another module only if it declares the dependency', () => {
    const edges = importsBetweenModules(MODULES_DIR);
    for (const { from, to, file } of edges) {
      expect(NODE_MODULES.find((m) => m.name === from)?.dependsOn, `${file} imports module ${to}`).toContain(to);
    }
    expect(edges.some((e) => e.from === 'identity' && e.to === 'privacy')).toBe(true);
  });

  it("a module uses another only through that module's index.ts", () => {
    const deep = importsBetweenModules(MODULES_DIR).filter((e) => !e.target.endsWith('/index.js') && !e.target.endsWith('/index.ts'));
    expect(deep.map((e) => `${e.file} → ${e.target}`)).toEqual([]);
  });

  it("the policy table is the base classes and every module's rows, each once", () => {
    const all = [...Object.keys(BASE_ROUTE_ACCESS), ...NODE_MODULES.flatMap((m) => Object.keys(m.routeClasses))];
    expect(new Set(all).size).toBe(all.length);
    expect([...ROUTE_CLASSES].sort()).toEqual([...all].sort());
    for (const m of NODE_MODULES) {
      for (const [c, row] of Object.entries(m.routeClasses)) expect(ROUTE_ACCESS[c as keyof typeof ROUTE_ACCESS]).toEqual((row as { access: unknown }).access);
    }
  });

  it("the OpenAPI tags include every module's", () => {
    for (const m of NODE_MODULES) for (const t of m.tags) expect(TAGS.map((x) => x.name)).toContain(t.name);
  });
});
