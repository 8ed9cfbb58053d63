/**
 * Reads between organisations over the encrypted peer link: the asker's node requests the fields a committed access
 * record allows; the holder's node answers only after deciding again on its own copy of the ledger.
 * docs/spec/privacy.md
 */
import { MachiError, accessKey, decideAccess, grantsForSubject, subjectRecord, type AccessRecord, type FieldOpening } from '@machi/core';
import { accessContext, isPseudonym, type Pseudonyms } from './pseudonyms.js';
import type { MachiNode } from '../../node/node.js';
import { openingFor, type Fields, type Vault } from './vault.js';
import type { CaseSubjects } from './case-subjects.js';
import { hex32 } from '../../ids.js';

/** How long a cross-organisation data request may take. */
export const PRIVATE_READ_MS_MAX = 10_000;
/** A holder waits to catch up with an asker at most this many blocks ahead, for at most this many requests at once. */
export const PRIVATE_READ_BLOCKS_AHEAD_MAX = 3;
export const PRIVATE_READ_WAITING_MAX = 64;
/** A holder releases data only against an access record this recent. */
export const ACCESS_RECORD_AGE_MS_MAX = 60_000;


/** What the peer link offers this service (P2PNetwork implements it). */
export interface PrivatePeers {
  send(peerKey: string, message: unknown): boolean;
  on(event: 'message', listener: (peer: { publicKey: string; orgId: string }, message: unknown) => void): unknown;
}

type PeerMessage =
  | { t: 'private-read'; id: string; access: string; subject: string; height: number; pseudonym?: string }
  | { t: 'private-data'; id: string; fields?: Fields; opening?: FieldOpening; error?: string }
  | { t: 'private-pseudonym'; id: string; subject: string; context: string }
  | { t: 'private-pseudonym-subject'; id: string; pseudonym: string }
  | { t: 'private-pseudonym-is'; id: string; pseudonym?: string; subject?: string; error?: string };

/** Which organisations may learn the subject behind a pseudonym of some context (e.g. a desk session's desk). */
export type PseudonymResolver = (context: string, askerOrg: string, subject: string) => boolean;

/** Fields released, with the opening that checks them against the subject's commitment. */
export interface Released {
  fields: Fields;
  opening: FieldOpening;
}

/** The requested fields this node holds, with the opening that lets the reader check them against the ledger. */
export function releaseHeld(node: MachiNode, vault: Vault, subject: string, fields: readonly string[]): Released | undefined {
  if (subjectRecord((k) => node.store.read(k), subject)?.erased !== false) return undefined;
  const held = vault.get(subject);
  if (held === undefined) return undefined;
  const shown = fields.filter((f) => f in held.fields);
  return { fields: Object.fromEntries(shown.map((f) => [f, held.fields[f]!])), opening: openingFor(held, shown) };
}

export class PeerReads {
  readonly #node: MachiNode;
  readonly #vault: Vault;
  readonly #peers: PrivatePeers | null;
  readonly #log: (line: string) => void;
  #waiting = 0;
  readonly #pending = new Map<string, { resolve: (m: PeerMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  readonly #cases: CaseSubjects;
  readonly #pseudonyms: Pseudonyms;
  /** context prefix → who may resolve a pseudonym of it */
  readonly #resolvers = new Map<string, PseudonymResolver>();

  constructor(node: MachiNode, vault: Vault, peers: PrivatePeers | null, log: (line: string) => void, cases: CaseSubjects, pseudonyms: Pseudonyms) {
    this.#cases = cases;
    this.#pseudonyms = pseudonyms;
    this.#node = node;
    this.#vault = vault;
    this.#peers = peers;
    this.#log = log;
    peers?.on('message', (peer, m) => this.#onPeer(peer.publicKey, m as PeerMessage));
  }

  #read = (key: string): string | undefined => this.#node.store.read(key);
  #scan = (prefix: string, limit: number): [string, string][] => this.#node.store.scan(prefix, limit);

  /** Lets organisations resolve pseudonyms of contexts starting with `prefix` where `may` says so. */
  registerResolver(prefix: string, may: PseudonymResolver): void {
    this.#resolvers.set(prefix, may);
  }

  /** Asks the holder's node for the fields an access record committed on the ledger allows. */
  async fetch(holderOrg: string, access: string, subject: string, height: number, pseudonym?: string): Promise<Released> {
    const m = await this.#ask(holderOrg, { t: 'private-read', access, subject, height, ...(pseudonym === undefined ? {} : { pseudonym }) });
    if (m.t === 'private-data' && m.fields !== undefined && m.opening !== undefined) return { fields: m.fields, opening: m.opening };
    throw new MachiError('ACCESS_DENIED', `the holder refused: ${(m as { error?: string }).error ?? 'no reason'}`);
  }

  /** The holder's pseudonym of `subject` for an access record in `context` (this node keeps it). */
  async pseudonym(holderOrg: string, subject: string, context: string): Promise<string> {
    const m = await this.#ask(holderOrg, { t: 'private-pseudonym', subject, context });
    if (m.t !== 'private-pseudonym-is' || m.pseudonym === undefined || !isPseudonym(m.pseudonym)) throw new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} gave no pseudonym: ${(m as { error?: string }).error ?? 'no reason'}`);
    this.#pseudonyms.remember(m.pseudonym, subject, context);
    return m.pseudonym;
  }

  /** The subject behind a holder's pseudonym, where the holder lets this organisation know it (this node keeps it). */
  async subjectOf(holderOrg: string, pseudonym: string): Promise<string> {
    const m = await this.#ask(holderOrg, { t: 'private-pseudonym-subject', pseudonym });
    if (m.t !== 'private-pseudonym-is' || m.subject === undefined || m.pseudonym !== pseudonym) throw new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} did not resolve the pseudonym: ${(m as { error?: string }).error ?? 'no reason'}`);
    return m.subject;
  }

  #ask(holderOrg: string, body: { t: PeerMessage['t'] } & Record<string, unknown>): Promise<PeerMessage> {
    const holder = this.#node.genesis.orgs.find((o) => o.id === holderOrg);
    if (holder === undefined || this.#peers === null) return Promise.reject(new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} is not reachable`));
    const id = hex32();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new MachiError('COMMIT_TIMEOUT', `the holder ${holderOrg} did not answer`));
      }, PRIVATE_READ_MS_MAX);
      this.#pending.set(id, { resolve, reject, timer });
      if (!this.#peers!.send(holder.publicKey, { ...body, id })) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} is not connected`));
      }
    });
  }

  /** The holder's side of the pseudonym requests. */
  #onPseudonym(peerKey: string, m: PeerMessage): void {
    const asker = this.#node.orgs.get(peerKey);
    const answer = (body: { pseudonym?: string; subject?: string; error?: string }): void => {
      this.#peers?.send(peerKey, { t: 'private-pseudonym-is', id: (m as { id: string }).id, ...body });
    };
    if (asker === undefined) return;
    if (m.t === 'private-pseudonym') {
      if (typeof m.subject !== 'string' || typeof m.context !== 'string') return answer({ error: 'malformed' });
      // only for this node's subjects, and only for the asker's own access records
      if (subjectRecord(this.#read, m.subject)?.holder !== this.#node.self.id) return answer({ error: 'not held here' });
      if (!m.context.startsWith(`privacy.access/${asker.id}/`)) return answer({ error: 'a pseudonym is given for the asking organisation\'s access records only' });
      return answer({ pseudonym: this.#pseudonyms.derive(m.context, m.subject) });
    }
    if (m.t === 'private-pseudonym-subject') {
      const known = typeof m.pseudonym === 'string' ? this.#pseudonyms.subjectOf(m.pseudonym) : undefined;
      const may = known === undefined ? undefined : [...this.#resolvers].find(([prefix]) => known.context.startsWith(prefix))?.[1];
      if (known === undefined || may === undefined || !may(known.context, asker.id, known.subject)) return answer({ error: 'not resolved for this organisation' });
      return answer({ pseudonym: m.pseudonym, subject: known.subject });
    }
  }

  #onPeer(peerKey: string, m: PeerMessage): void {
    if (m?.t === 'private-data' || m?.t === 'private-pseudonym-is') {
      const p = typeof m.id === 'string' ? this.#pending.get(m.id) : undefined;
      if (p === undefined) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m);
      return;
    }
    if (m?.t === 'private-pseudonym' || m?.t === 'private-pseudonym-subject') return this.#onPseudonym(peerKey, m);
    if (m?.t !== 'private-read' || typeof m.id !== 'string' || typeof m.access !== 'string' || typeof m.subject !== 'string' || !Number.isSafeInteger(m.height)) return;
    const answer = (body: { fields?: Fields; opening?: FieldOpening; error?: string }): void => {
      this.#peers?.send(peerKey, { t: 'private-data', id: m.id, ...body });
    };
    // The asker's node may be a block ahead of ours: wait (bounded) until we hold the block with its access record.
    if (this.#node.head.height < m.height) {
      if (m.height > this.#node.head.height + PRIVATE_READ_BLOCKS_AHEAD_MAX || this.#waiting >= PRIVATE_READ_WAITING_MAX) return answer({ error: 'not caught up; retry' });
      this.#waiting++;
      const deadline = Date.now() + PRIVATE_READ_MS_MAX / 2;
      const wait = (): void => {
        if (this.#node.head.height >= m.height || Date.now() > deadline) {
          this.#waiting--;
          this.#onPeer(peerKey, { ...m, height: 0 });
        }
        else setTimeout(wait, 50).unref();
      };
      wait();
      return;
    }
    // Release only what a committed access record allows, to the organisation that recorded it.
    const asker = this.#node.orgs.get(peerKey);
    // the record names the subject by the holder's pseudonym (chains with ledger.context-pseudonyms) or by its id
    const named = typeof m.pseudonym === 'string' ? m.pseudonym : m.subject;
    const raw = this.#read(accessKey(named, m.access));
    if (asker === undefined || raw === undefined) return answer({ error: 'no committed access record' });
    const rec = JSON.parse(raw) as AccessRecord;
    if (rec.decision !== 'allowed' || rec.org !== asker.id) return answer({ error: 'the access record does not allow this organisation' });
    // … about this subject: the pseudonym is the one this holder derives for the record's context
    if (named !== m.subject && this.#pseudonyms.compute(accessContext(rec), m.subject) !== named) return answer({ error: 'the access record is not about this subject' });
    if (Math.abs(this.#node.clock() - rec.at) > ACCESS_RECORD_AGE_MS_MAX) return answer({ error: 'the access record is too old; record a new access' });
    // The holder does not take the asker's word for it: it decides again, on the same ledger state.
    const again = decideAccess(subjectRecord(this.#read, m.subject), grantsForSubject(this.#read, this.#scan, m.subject, asker.id), {
      subject: m.subject, org: rec.org, role: rec.role, purpose: rec.purpose, fields: rec.fields, at: rec.at, actor: rec.actor,
      ...(rec.caseRef === undefined ? {} : { caseRef: rec.caseRef, case: this.#cases.caseOf(this.#read, rec.caseRef) }),
    });
    if (again.decision !== 'allowed') return answer({ error: `not allowed here: ${again.reason}` });
    // … and with the same reason and grant as recorded: a record cannot borrow another grant, or call itself `self`
    if (again.reason !== rec.reason || (again.reason === 'grant' && again.grant !== rec.grant)) return answer({ error: `the access record says ${rec.reason}, the holder finds ${again.reason}` });
    const released = subjectRecord(this.#read, m.subject)?.erased === false ? releaseHeld(this.#node, this.#vault, m.subject, rec.fields) : undefined;
    if (released === undefined) return answer({ error: 'not held here' });
    this.#log(`released ${Object.keys(released.fields).length} field(s) of a subject to ${asker.id} (access ${m.access})`);
    answer(released);
  }
}
