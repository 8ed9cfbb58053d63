/**
 * Opens the registered modules (src/modules/index.ts) on a running node, in list order, each with the exports of the
 * modules it depends on; runs their demo seeds once the chain commits; closes them in reverse order.
 */
import { NODE_MODULES, type ModuleContext, type NodeModule, type OpenedModule } from '../modules/index.js';
import type { FastifyPluginAsync } from 'fastify';
import type { Signer } from '@machi/core';
import { loadHostedSigners } from './datadir.js';

/** Attempts at seeding demo data, one a second, before giving up (the chain may still be forming). */
export const DEMO_SEED_ATTEMPTS_MAX = 20;
export const DEMO_SEED_RETRY_MS = 1000;
export const DEMO_READY_LINE = 'demo data ready';

export interface OpenModules {
  plugins: FastifyPluginAsync[];
  /** what an opened module exports (undefined when it is not in the list) */
  exportsOf<T>(name: string): T | undefined;
  /** seeds every module's demo data in list order, retrying while the chain is not yet committing */
  seedWhenReady(closed: () => boolean): void;
  close(): Promise<void>;
}

/**
 * `modules`: the registered list; tests pass a subset or variants (test/support/node.ts). `hosted`: the hosted
 * members' signers (a running node's HostedKeys, which follow key rotations); default the keys in DIR/hosted as they are.
 */
export async function openModules(
  given: Omit<ModuleContext, 'use' | 'hosted'> & { hosted?: ReadonlyMap<string, Signer> },
  modules: readonly NodeModule[] = NODE_MODULES,
): Promise<OpenModules> {
  const base: Omit<ModuleContext, 'use'> = { ...given, hosted: given.hosted ?? loadHostedSigners(given.dir, given.node.genesis) };
  const opened: [string, OpenedModule][] = [];
  const exportsOf = new Map<string, unknown>();
  for (const m of modules) {
    const ctx: ModuleContext = {
      ...base,
      use<T>(name: string): T {
        if (!(m.dependsOn as readonly string[]).includes(name)) throw new Error(`module ${m.name} uses ${name} without declaring it in dependsOn`);
        return exportsOf.get(name) as T;
      },
    };
    const o = await m.open(ctx);
    opened.push([m.name, o]);
    exportsOf.set(m.name, o.exports);
  }
  const seedAll = async (): Promise<void> => {
    for (const [, o] of opened) for (const line of (await o.seed?.()) ?? []) base.log(line);
    // one line once every module's demo data is in (tests and newcomers wait for it)
    base.log(DEMO_READY_LINE);
  };
  return {
    plugins: opened.flatMap(([, o]) => (o.plugin === undefined ? [] : [o.plugin])),
    exportsOf: <T>(name: string) => exportsOf.get(name) as T | undefined,
    seedWhenReady(closed) {
      const attempt = (n: number): void => {
        seedAll().catch((e: unknown) => {
          if (n > 0) base.log(`demo data: attempt ${n + 1} failed (${(e as Error).message}); retrying`);
          if (n < DEMO_SEED_ATTEMPTS_MAX && !closed()) setTimeout(() => attempt(n + 1), DEMO_SEED_RETRY_MS).unref();
          else base.log(`demo data not seeded: ${(e as Error).message}`);
        });
      };
      attempt(0);
    },
    async close() {
      for (const [, o] of [...opened].reverse()) await o.close?.();
    },
  };
}
