/**
 * Worker cards: what an organisation shares about its maintenance workers with the residents they visit (name, work
 * phone, photo), set by its staff and shown on the requests the worker is sent to.
 */
import { MachiError, type WorkerCardView } from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import type { RepairsContext } from './context.js';
import type { StaffCard, StaffCardInput } from './store.js';

export class WorkerCards {
  readonly #c: RepairsContext;

  constructor(c: RepairsContext) {
    this.#c = c;
  }

  /** A shared card photo: the card names it, shares it, and this node holds it. */
  #sharedPhoto(username: string, card: StaffCard): { type: string; bytes: Buffer } | undefined {
    if (!card.share.photo || card.photo === undefined) return undefined;
    const held = this.#c.store.staffCardPhoto(username);
    return held?.hash === card.photo ? held : undefined;
  }

  /** What the worker's organisation shares about a worker of this node (empty when it shares nothing). */
  workerCard(org: string, actor: string): WorkerCardView | undefined {
    const username = this.#c.usernameOf(org, actor);
    if (username === undefined) return undefined;
    const user = this.#c.accounts.findUser(org, username);
    const card = this.#c.store.staffCard(username);
    return {
      ...(card.share.name && user !== undefined ? { name: user.displayName } : {}),
      ...(card.share.phone && card.phone !== undefined ? { phone: card.phone } : {}),
      ...(this.#sharedPhoto(username, card) !== undefined ? { photo: true as const } : {}),
    };
  }

  /**
   * Sets what residents see of a worker of the caller's organisation on their jobs. A `photo` must be one the caller
   * uploaded (POST /v1/repairs/photos), or the card's current one (400 otherwise); the card keeps its own copy.
   */
  setStaffCard(p: Principal, username: string, card: StaffCardInput): StaffCard {
    const user = this.#c.accounts.findUser(p.org, username);
    if (user === undefined || user.role !== 'maintenance-worker') throw new MachiError('NOT_FOUND', `no maintenance worker ${username} in ${p.org}`);
    if (card.photo !== undefined && this.#c.store.staffCardPhoto(username)?.hash !== card.photo && !this.#c.store.uploadedBy(card.photo, p.userId)) {
      throw new MachiError('REQUEST_INVALID', `photo ${card.photo} was not uploaded by you: POST it to /v1/repairs/photos first`);
    }
    this.#c.store.setStaffCard(username, card, this.#c.node.clock(), p.userId);
    return this.#c.store.staffCard(username);
  }

  /**
   * The photo of a request's worker, to whoever may view the request (as `workerCard` in its view), when the
   * worker's card on this node shares one; 404 otherwise.
   */
  workerPhoto(p: Principal, request: string): { type: string; bytes: Buffer } {
    const r = this.#c.record(request);
    if (r === undefined) throw new MachiError('NOT_FOUND', `no repair request ${request}`);
    const none = (): MachiError => new MachiError('NOT_FOUND', `request ${request} has no worker photo to show`);
    if (r.worker === undefined || r.workerOrg !== this.#c.node.self.id || !this.#c.maySeeWorker(p, r)) throw none();
    const username = this.#c.usernameOf(r.workerOrg, r.worker);
    if (username === undefined) throw none();
    const photo = this.#sharedPhoto(username, this.#c.store.staffCard(username));
    if (photo === undefined) throw none();
    return photo;
  }

  staffCard(p: Principal, username: string): StaffCard {
    const user = this.#c.accounts.findUser(p.org, username);
    if (user === undefined || user.role !== 'maintenance-worker') throw new MachiError('NOT_FOUND', `no maintenance worker ${username} in ${p.org}`);
    return this.#c.store.staffCard(username);
  }
}
