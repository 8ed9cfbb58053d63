/**
 * Checks shared by each package's registry test (core, node, web): a package's `src/modules/` folders and its one
 * module list agree, and which modules import which.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Module folders under `dir` (sub-folders; files such as index.ts or contract.ts are not modules). */
export function moduleFolders(dir: string): string[] {
  return readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory()).sort();
}

/** What is wrong between the folders and the registered names: [] when they agree. */
export function checkModuleFolders(dir: string, registered: readonly string[]): string[] {
  const folders = moduleFolders(dir);
  return [
    ...folders.filter((f) => !registered.includes(f)).map((f) => `modules/${f}/ exists but is not registered`),
    ...registered.filter((n) => !folders.includes(n)).map((n) => `module ${n} is registered but modules/${n}/ does not exist`),
  ];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

/** Every import from one module's folder into another's: `from` imports `to` in `file`. */
export function importsBetweenModules(dir: string): { from: string; to: string; file: string; target: string }[] {
  const edges: { from: string; to: string; file: string; target: string }[] = [];
  for (const from of moduleFolders(dir)) {
    for (const file of sourceFiles(join(dir, from))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = relative(dir, join(file, '..', m[1]!));
        const to = target.split('/')[0]!;
        if (!target.startsWith('..') && to !== from && moduleFolders(dir).includes(to)) edges.push({ from, to, file: relative(dir, file), target });
      }
    }
  }
  return edges;
}
