/**
 * The core's module list (src/modules/index.ts) and its folders agree, and modules import each other only through a
 * declared dependency (docs/modules.md).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_MODULES, ERRORS, createRegistry } from '../../../src/index.js';
import { checkModuleFolders, importsBetweenModules } from '../../support/module-folders.js';

const MODULES_DIR = new URL('../../../src/modules/', import.meta.url).pathname;

describe('core module registry', () => {
  it('every module folder is registered, and every registered module has a folder', () => {
    expect(checkModuleFolders(MODULES_DIR, CORE_MODULES.map((m) => m.name))).toEqual([]);
  });

  it('the check fails for a folder without a registry line and for a line without a folder', () => {
    const names = CORE_MODULES.map((m) => m.name);
    expect(checkModuleFolders(MODULES_DIR, names.slice(1))).toEqual([`modules/${names[0]}/ exists but is not registered`]);
    expect(checkModuleFolders(MODULES_DIR, [...names, 'ghost'])).toEqual(['module ghost is registered but modules/ghost/ does not exist']);
  });

  it('a module imports another module only if it declares the dependency', () => {
    const edges = importsBetweenModules(MODULES_DIR);
    for (const { from, to, file } of edges) {
      const m = CORE_MODULES.find((x) => x.name === from);
      expect(m?.dependsOn, `${file} imports module ${to}`).toContain(to);
    }
    // the check sees the one real dependency today, so it is not vacuous
    expect(edges.some((e) => e.from === 'identity' && e.to === 'privacy')).toBe(true);
  });

  it("every transaction type and every error code comes from exactly one module's list", () => {
    const registry = createRegistry();
    const fromModules = CORE_MODULES.flatMap((m) => m.txTypes({}).map((t) => t.type)).sort();
    expect(registry.types()).toEqual(fromModules);
    for (const m of CORE_MODULES) for (const code of Object.keys(m.errors)) expect(ERRORS).toHaveProperty(code);
  });

  it('every module names a spec that exists', () => {
    for (const m of CORE_MODULES) expect(statSync(join(MODULES_DIR, '../../../..', m.spec)).isFile()).toBe(true);
    expect(readFileSync(join(MODULES_DIR, 'index.ts'), 'utf8')).toContain('CORE_MODULES');
    expect(readdirSync(MODULES_DIR).length).toBeGreaterThan(0);
  });
});
