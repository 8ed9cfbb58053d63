/**
 * Reads between organisations over the encrypted peer link: the asker's node requests the fields a committed access
 * record allows; the holder's node answers only after deciding again on its own copy of the ledger.
 * docs/spec/privacy.md
 */
import { MachiError, accessKey, decideAccess, grantsForSubject, subjectRecord, type AccessRecord, type FieldOpening } from '@machi/core';
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
  | { t: 'private-read'; id: string; access: string; subject: string; height: number }
  | { t: 'private-data'; id: string; fields?: Fields; opening?: FieldOpening; error?: string };

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
  readonly #pending = new Map<string, { resolve: (r: Released) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  readonly #cases: CaseSubjects;

  constructor(node: MachiNode, vault: Vault, peers: PrivatePeers | null, log: (line: string) => void, cases: CaseSubjects) {
    this.#cases = cases;
    this.#node = node;
    this.#vault = vault;
    this.#peers = peers;
    this.#log = log;
    peers?.on('message', (peer, m) => this.#onPeer(peer.publicKey, m as PeerMessage));
  }

  #read = (key: string): string | undefined => this.#node.store.read(key);
  #scan = (prefix: string, limit: number): [string, string][] => this.#node.store.scan(prefix, limit);

  /** Asks the holder's node for the fields an access record committed on the ledger allows. */
  fetch(holderOrg: string, access: string, subject: string, height: number): Promise<Released> {
    const holder = this.#node.genesis.orgs.find((o) => o.id === holderOrg);
    if (holder === undefined || this.#peers === null) return Promise.reject(new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} is not reachable`));
    const id = hex32();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new MachiError('COMMIT_TIMEOUT', `the holder ${holderOrg} did not answer`));
      }, PRIVATE_READ_MS_MAX);
      this.#pending.set(id, { resolve, reject, timer });
      if (!this.#peers!.send(holder.publicKey, { t: 'private-read', id, access, subject, height })) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} is not connected`));
      }
    });
  }

  #onPeer(peerKey: string, m: PeerMessage): void {
    if (m?.t === 'private-data') {
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.fields !== undefined && m.opening !== undefined) p.resolve({ fields: m.fields, opening: m.opening });
      else p.reject(new MachiError('ACCESS_DENIED', `the holder refused: ${m.error ?? 'no reason'}`));
      return;
    }
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
    const raw = this.#read(accessKey(m.subject, m.access));
    if (asker === undefined || raw === undefined) return answer({ error: 'no committed access record' });
    const rec = JSON.parse(raw) as AccessRecord;
    if (rec.decision !== 'allowed' || rec.org !== asker.id) return answer({ error: 'the access record does not allow this organisation' });
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
