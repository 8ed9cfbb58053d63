/**
 * The registry of transaction types. A domain module contributes types, each with a JSON schema for its payload
 * and a deterministic handler over the key-value state. docs/spec/state-machine.md
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { MachiError } from '../errors.js';
import type { SignedTx } from '../tx.js';
import type { Org } from '../genesis.js';

/** What a handler may touch: reads and writes of JSON values by string key, nothing else (no clock, no I/O). */
export interface StateAccess {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

export interface HandlerContext {
  state: StateAccess;
  height: number;
  /** block time, ms */
  time: number;
  txHash: string;
  /** index of this transaction in the whole log */
  seq: number;
  /** the signing organisation */
  org: Org;
  /** every organisation of the chain, by id */
  orgsById: ReadonlyMap<string, Org>;
  tx: SignedTx;
}

export interface TxType<P = Record<string, unknown>> {
  type: string;
  /** JSON Schema (draft 2020-12 subset that Ajv supports) for the payload */
  schema: Record<string, unknown>;
  /** Deterministic: same state and tx → same writes. Throws MachiError('HANDLER_REJECTED', …) to reject. */
  handle(ctx: HandlerContext, payload: P): void;
}

export interface RegisteredType {
  type: string;
  schema: Record<string, unknown>;
  checkPayload(payload: unknown): void;
  handle(ctx: HandlerContext, payload: Record<string, unknown>): void;
}

/**
 * Compiled payload validators by schema text, shared by every registry of the process: a node, its checker, a verifier
 * and the simulator's runs each make a registry, and compiling every module's schemas takes a few hundred ms of CPU.
 * A validator is a pure function of its schema (same options everywhere), so one compiled for the same text serves
 * all. Bounded by the distinct schemas of the code (the chain's rules choose among a few variants).
 */
const compiled = new Map<string, ValidateFunction>();

export class TxTypeRegistry {
  readonly #types = new Map<string, RegisteredType>();
  readonly #ajv = new Ajv({ allErrors: false, strict: true });

  register<P>(def: TxType<P>): this {
    if (this.#types.has(def.type)) throw new Error(`transaction type ${def.type} registered twice`);
    const key = JSON.stringify(def.schema);
    const validate: ValidateFunction = compiled.get(key) ?? this.#ajv.compile(def.schema);
    compiled.set(key, validate);
    this.#types.set(def.type, {
      type: def.type,
      schema: def.schema,
      checkPayload(payload) {
        if (!validate(payload)) {
          const err = validate.errors?.[0];
          const where = err?.instancePath ? `payload${err.instancePath}` : 'payload';
          throw new MachiError('TX_PAYLOAD_INVALID', `${def.type}: ${where} ${err?.message ?? 'is invalid'}`);
        }
      },
      handle: def.handle as RegisteredType['handle'],
    });
    return this;
  }

  get(type: string): RegisteredType | undefined {
    return this.#types.get(type);
  }

  types(): string[] {
    return [...this.#types.keys()].sort();
  }
}
