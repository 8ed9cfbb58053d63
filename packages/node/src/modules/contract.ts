/**
 * The contract every node module fulfils (docs/modules.md): its route classes (who may call what, the rows of the
 * access policy), its OpenAPI tags, and `open(ctx)`, which makes its stores and services on a running node and returns
 * its Fastify plugin, what other modules may use, its demo seed, and how to close it. A module is one folder
 * `modules/<name>/` and one line in `modules/index.ts`; start-up, the policy table and the OpenAPI document are built
 * from that list.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Signer } from '@machi/core';
import type { MachiNode } from '../node/node.js';
import type { OrgSubmitter } from '../node/org-tx.js';
import type { AuthOptions } from '../auth/plugin.js';
import type { RouteAccess } from '../auth/policy.js';
import type { P2PNetwork } from '../p2p/network.js';

export interface ModuleContext {
  /** the node's data directory (private.db, kek.key, … live here: src/storage/private-db.ts) */
  dir: string;
  node: MachiNode;
  /** the organisation's consortium key */
  signer: Signer;
  /** signs and submits the organisation's own transactions */
  submitter: OrgSubmitter;
  /**
   * the member organisations whose keys this node hosts (DIR/hosted, docs/decisions/0001-hosted-departments.md), by
   * id: each signs with the member's key in force across its key rotations (node/hosted-keys.ts). One map for every
   * module: do not load the keys again.
   */
  hosted: ReadonlyMap<string, Signer>;
  auth: AuthOptions;
  /** links to the other organisations' nodes (null on a one-node chain) */
  net: P2PNetwork | null;
  log: (line: string) => void;
  /** seed demo data (`machi up`) */
  demo: boolean;
  /** the address others reach this node's API at (known once it listens) */
  publicUrl: () => string;
  /** what a module this one `dependsOn` exposes (its `OpenedModule.exports`) */
  use<T>(module: string): T;
}

export interface OpenedModule {
  /** its routes; every route declares `config.access`, one of the module's route classes (or a base class) */
  plugin?: FastifyPluginAsync;
  /** what dependent modules may use, through `ctx.use(name)` */
  exports?: unknown;
  /**
   * Demo data, once the chain commits (called again after a failure until it succeeds): idempotent, returns lines
   * saying what it made (none when it had already seeded).
   */
  seed?(): Promise<string[]>;
  /** stops its jobs and closes its stores; called after the API has closed */
  close?(): void | Promise<void>;
}

export interface RouteClassDef {
  /** who may call: `public`, `authenticated`, or a list of roles */
  access: RouteAccess;
  /** what its routes are for (shown in docs) */
  doc: string;
}

export interface NodeModule<C extends string = string> {
  readonly name: string;
  /** modules it `use`s: listed before it in modules/index.ts */
  readonly dependsOn: readonly string[];
  /** its route classes: the module's rows of the access-policy table (src/auth/policy.ts) */
  readonly routeClasses: Readonly<Record<C, RouteClassDef>>;
  /** OpenAPI tags of its routes, and the paths each tag covers */
  readonly tags: readonly { name: string; description: string; paths: RegExp }[];
  /** what a route's schema cannot say by itself (bodies that are not JSON, …), by `METHOD url`: edits its OpenAPI operation */
  readonly docs?: Readonly<Record<string, (operation: Record<string, unknown>) => Record<string, unknown>>>;
  open(ctx: ModuleContext): OpenedModule | Promise<OpenedModule>;
}

/** Typed identity: keeps the literal route-class names so that `RouteClass` knows them. */
export const defineNodeModule = <const C extends string>(m: NodeModule<C>): NodeModule<C> => m;
