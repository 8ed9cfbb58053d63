/**
 * The contract every core domain module fulfils (docs/modules.md). A module is one folder `modules/<name>/` whose
 * `index.ts` exports its `CoreModule` (below) beside its queries, state-key helpers and view types, and one line in
 * `modules/index.ts`. The transaction registry, the error catalogue and the docs are built from that list.
 */
import type { ErrorCatalogue } from '../errors.js';
import type { TxType } from '../state/registry.js';
import type { Role } from './roles.js';
import type { StateRead } from './state.js';

/** Per-chain options a module's handlers take (every node of a chain must use the same). */
export interface ModuleOptions {
  /** the privacy module's anomaly-rule parameters (over DEFAULT_ANOMALY_CONFIG) */
  privacy?: Record<string, unknown>;
  /** the chain's rules by height (foundation/rules.ts) */
  rules?: Readonly<Record<string, number>>;
  /** every module's case kinds (set by createRegistry): privacy access records may name them */
  caseKinds?: readonly CaseKind[];
}

/** What a privacy read for a case purpose needs to know about the case it names (docs/spec/privacy.md#cases). */
export interface CaseInfo {
  /** still being handled: reads for a closed case are refused */
  open: boolean;
  /** the organisation whose record it is (its managers may read for it) */
  org: string;
  /** pseudonyms of the people assigned to it (they may read for it, whatever their organisation) */
  assigned: readonly string[];
  /**
   * the subjects the case is about, where the reading node knows them (off the ledger: e.g. the reporter of a request
   * made through it); when given, a read for the case must be about one of them
   */
  subjects?: readonly string[];
  /** roles of `org` that manage such cases (they may read for any of its cases) */
  managerRoles: readonly Role[];
  /**
   * other organisations whose staff of `managerRoles` are on the case too (an event's assigned departments: a whole
   * department is assigned, not a person); absent = none
   */
  orgs?: readonly string[];
}

/** A kind of record a case reference `<kind>:<id>` may point at, and how to find it in the state. */
export interface CaseKind {
  kind: string;
  /** JSON-schema pattern of the id (anchored), so that no free text rides on a case reference */
  idPattern: string;
  resolve(read: StateRead, id: string): CaseInfo | undefined;
}

export interface CoreModule<E extends ErrorCatalogue = ErrorCatalogue> {
  /** folder name and transaction-type prefix owner, e.g. `repairs` */
  readonly name: string;
  /** other core modules whose state keys or types this one reads; any other import between modules is refused */
  readonly dependsOn: readonly string[];
  /** transaction-type names start with one of these (`repair.` for repairs) */
  readonly typePrefixes: readonly string[];
  /** every state key this module writes starts with one of these (`repairs/`) */
  readonly statePrefixes: readonly string[];
  /** its transaction types: name, payload schema, deterministic handler */
  txTypes(options: ModuleOptions): readonly TxType<never>[];
  /** its expected failures (stable codes, message, HTTP status), merged into the one catalogue */
  readonly errors: E;
  /** records of this module that privacy reads for a case purpose may name (`repair:rq_…`) */
  readonly cases?: readonly CaseKind[];
  /** where it is specified, relative to the repository root */
  readonly spec: string;
}

/** Typed identity: keeps the literal error codes of `m.errors` so that `ErrorCode` knows them. */
export const defineCoreModule = <const E extends ErrorCatalogue>(m: CoreModule<E>): CoreModule<E> => m;
