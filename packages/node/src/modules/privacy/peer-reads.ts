/**
 * Reads between organisations over the encrypted peer link: the asker's node requests the fields a committed access
 * record allows; the holder's node answers only after deciding again on its own copy of the ledger.
 * docs/spec/privacy.md
 */
import { MachiError, accessKey, decideAccess, grantsForSubject, subjectRecord, verifySignature, type AccessRecord, type FieldOpening, type Org, type Signer } from '@machi/core';
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

/**
 * A request may be made for a member organisation the asking node hosts (docs/decisions/0001-hosted-departments.md):
 * `member` names it, `memberSig` is the member's signature over `memberRequestBytes` — the request bound to the asking
 * node's key, so that no other node can replay it. The holder then treats the member as the asker.
 */
interface ActingFor {
  member?: string;
  memberSig?: string;
}

type PeerMessage =
  | ({ t: 'private-read'; id: string; access: string; subject: string; height: number; pseudonym?: string } & ActingFor)
  | { t: 'private-data'; id: string; fields?: Fields; opening?: FieldOpening; error?: string }
  | ({ t: 'private-pseudonym'; id: string; subject: string; context: string } & ActingFor)
  | ({ t: 'private-pseudonym-subject'; id: string; pseudonym: string } & ActingFor)
  | { t: 'private-pseudonym-is'; id: string; pseudonym?: string; subject?: string; error?: string };

/** The request types a node may make for a member it hosts. */
type MemberRequest = Extract<PeerMessage, { t: 'private-read' | 'private-pseudonym' | 'private-pseudonym-subject' }>;
/** A request before it gets its id. */
type RequestBody = MemberRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** Domain separation of the member's signature over a peer request. */
export const MEMBER_REQUEST_DOMAIN = 'machi/private-peer-request/v1';

/**
 * What a hosted member signs to make a peer request through its host: the message type, the request id, its fields
 * and the asking node's own key (the peer link's key the holder sees), in one canonical JSON array.
 */
export function memberRequestBytes(m: MemberRequest, member: string, askerNodeKey: string): Uint8Array {
  const fields = m.t === 'private-read' ? [m.access, m.subject, m.height, m.pseudonym ?? null]
    : m.t === 'private-pseudonym' ? [m.subject, m.context]
      : [m.pseudonym];
  return new TextEncoder().encode(JSON.stringify([MEMBER_REQUEST_DOMAIN, m.t, m.id, askerNodeKey, member, ...fields]));
}

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
  /** member organisations this node hosts: it signs their requests with their keys */
  readonly #hosted: ReadonlyMap<string, Signer>;

  constructor(node: MachiNode, vault: Vault, peers: PrivatePeers | null, log: (line: string) => void, cases: CaseSubjects, pseudonyms: Pseudonyms, hosted: ReadonlyMap<string, Signer> = new Map()) {
    this.#hosted = hosted;
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

  /**
   * Asks the holder's node for the fields an access record committed on the ledger allows. `asOrg`: the organisation
   * that recorded it — this node's (the default) or a member it hosts, for which it signs the request.
   */
  async fetch(holderOrg: string, access: string, subject: string, height: number, pseudonym?: string, asOrg?: string): Promise<Released> {
    const m = await this.#ask(holderOrg, { t: 'private-read', access, subject, height, ...(pseudonym === undefined ? {} : { pseudonym }) }, asOrg);
    if (m.t === 'private-data' && m.fields !== undefined && m.opening !== undefined) return { fields: m.fields, opening: m.opening };
    throw new MachiError('ACCESS_DENIED', `the holder refused: ${(m as { error?: string }).error ?? 'no reason'}`);
  }

  /** The holder's pseudonym of `subject` for an access record in `context` (this node keeps it). */
  async pseudonym(holderOrg: string, subject: string, context: string, asOrg?: string): Promise<string> {
    const m = await this.#ask(holderOrg, { t: 'private-pseudonym', subject, context }, asOrg);
    if (m.t !== 'private-pseudonym-is' || m.pseudonym === undefined || !isPseudonym(m.pseudonym)) throw new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} gave no pseudonym: ${(m as { error?: string }).error ?? 'no reason'}`);
    this.#pseudonyms.remember(m.pseudonym, subject, context);
    return m.pseudonym;
  }

  /** The subject behind a holder's pseudonym, where the holder lets this organisation know it (this node keeps it). */
  async subjectOf(holderOrg: string, pseudonym: string, asOrg?: string): Promise<string> {
    const m = await this.#ask(holderOrg, { t: 'private-pseudonym-subject', pseudonym }, asOrg);
    if (m.t !== 'private-pseudonym-is' || m.subject === undefined || m.pseudonym !== pseudonym) throw new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} did not resolve the pseudonym: ${(m as { error?: string }).error ?? 'no reason'}`);
    return m.subject;
  }

  #ask(holderOrg: string, body: RequestBody, asOrg?: string): Promise<PeerMessage> {
    const holder = this.#node.genesis.orgs.find((o) => o.id === holderOrg);
    // for a member this node hosts, the request carries the member's signature; for anyone else, no request at all
    const signer = asOrg === undefined || asOrg === this.#node.self.id ? undefined : this.#hosted.get(asOrg);
    if (asOrg !== undefined && asOrg !== this.#node.self.id && signer === undefined) return Promise.reject(new MachiError('ACCESS_DENIED', `this node does not act for ${asOrg}`));
    if (holder === undefined || this.#peers === null) return Promise.reject(new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} is not reachable`));
    const id = hex32();
    const request = { ...body, id } as MemberRequest;
    const message = signer === undefined ? request : { ...request, member: asOrg!, memberSig: signer.sign(memberRequestBytes(request, asOrg!, this.#node.self.publicKey)) };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new MachiError('COMMIT_TIMEOUT', `the holder ${holderOrg} did not answer`));
      }, PRIVATE_READ_MS_MAX);
      this.#pending.set(id, { resolve, reject, timer });
      if (!this.#peers!.send(holder.publicKey, message)) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new MachiError('SUBJECT_NOT_FOUND', `the holder ${holderOrg} is not connected`));
      }
    });
  }

  /**
   * Who asks: the organisation of the peer link's key, or the member it acts for (`member`) when the member's signature
   * over this request from this peer verifies against the member's key in the current member set. A string: why not.
   */
  #askerOf(peerKey: string, m: MemberRequest): Org | string | undefined {
    const node = this.#node.orgs.get(peerKey);
    if (node === undefined) return undefined;
    if (m.member === undefined && m.memberSig === undefined) return node;
    if (typeof m.member !== 'string' || typeof m.memberSig !== 'string') return 'malformed member';
    const member = [...this.#node.orgs.values()].find((o) => o.id === m.member);
    if (member === undefined) return `${m.member} is not a member organisation`;
    if (!verifySignature(member.publicKey, memberRequestBytes(m, member.id, peerKey), m.memberSig)) return `the request is not signed by ${member.id} for this peer`;
    return member;
  }

  /** The holder's side of the pseudonym requests. */
  #onPseudonym(peerKey: string, m: PeerMessage): void {
    const answer = (body: { pseudonym?: string; subject?: string; error?: string }): void => {
      this.#peers?.send(peerKey, { t: 'private-pseudonym-is', id: (m as { id: string }).id, ...body });
    };
    if (typeof (m as { id?: unknown }).id !== 'string') return;
    const asker = this.#askerOf(peerKey, m as MemberRequest);
    if (asker === undefined) return;
    if (typeof asker === 'string') return answer({ error: asker });
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

  #onPeer(peerKey: string, m: PeerMessage, waited = false): void {
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
    if (!waited && this.#node.head.height < m.height) {
      if (m.height > this.#node.head.height + PRIVATE_READ_BLOCKS_AHEAD_MAX || this.#waiting >= PRIVATE_READ_WAITING_MAX) return answer({ error: 'not caught up; retry' });
      this.#waiting++;
      const deadline = Date.now() + PRIVATE_READ_MS_MAX / 2;
      const wait = (): void => {
        if (this.#node.head.height >= m.height || Date.now() > deadline) {
          this.#waiting--;
          this.#onPeer(peerKey, m, true);
        }
        else setTimeout(wait, 50).unref();
      };
      wait();
      return;
    }
    // Release only what a committed access record allows, to the organisation that recorded it (acting through its
    // host's node, for a hosted member)
    const asker = this.#askerOf(peerKey, m);
    if (typeof asker === 'string') return answer({ error: asker });
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
