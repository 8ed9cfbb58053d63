/**
 * Whom a case is about, as this node knows it. The ledger says whether a case exists, is open and who is on it
 * (the core's `resolveCase`); which resident a repair request is about is known only where it was reported (the
 * ledger does not carry the subject). A module registers, per case kind, how it knows; a privacy read for a case is
 * then refused unless it is about one of the case's subjects (`not-case-subject`) — the holder decides it again when
 * another organisation asks for the data.
 */
import { assert, resolveCase, type CaseInfo, type StateRead } from '@machi/core';

/** The subjects a case of some kind is about (`id`: the part after `<kind>:`), or undefined if this node does not know. */
export type SubjectsOfCase = (id: string) => readonly string[] | undefined;

export class CaseSubjects {
  readonly #byKind = new Map<string, SubjectsOfCase>();

  register(kind: string, subjectsOf: SubjectsOfCase): void {
    assert(!this.#byKind.has(kind), `case kind ${kind} registered twice`);
    this.#byKind.set(kind, subjectsOf);
  }

  /** The case `caseRef` names (undefined: none), with its subjects where this node knows them. */
  caseOf(read: StateRead, caseRef: string): CaseInfo | undefined {
    const c = resolveCase(read, caseRef);
    if (c === undefined) return undefined;
    const colon = caseRef.indexOf(':');
    const subjects = this.#byKind.get(caseRef.slice(0, colon))?.(caseRef.slice(colon + 1));
    return subjects === undefined ? c : { ...c, subjects };
  }
}
