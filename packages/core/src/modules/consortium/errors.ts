/** The consortium module's expected failures, merged into the one catalogue (errors.ts). docs/spec/consensus.md#membership */
import type { ErrorCatalogue } from '../../errors.js';

export const CONSORTIUM_ERRORS = {
  CONSORTIUM_NOT_VALIDATOR: { status: 403, message: 'only an organisation with voting power in the current set may propose or approve a membership change' },
  CONSORTIUM_WRONG_EPOCH: { status: 409, message: 'the proposal is for another validator set than the current one' },
  CONSORTIUM_CHANGE_PENDING: { status: 409, message: 'an approved membership change has not taken effect yet; retry after it has' },
  CONSORTIUM_CHANGE_INVALID: { status: 400, message: 'the membership change cannot be applied to the current set' },
  CONSORTIUM_PROPOSAL_NOT_FOUND: { status: 404, message: 'no open membership proposal with this id' },
  CONSORTIUM_ALREADY_APPROVED: { status: 409, message: 'this organisation has already approved the proposal' },
  SET_CHANGE_INVALID: { status: 400, message: 'a validator-set change does not verify' },
  SNAPSHOT_INVALID: { status: 400, message: 'the snapshot does not verify' },
  HISTORY_INCOMPLETE: { status: 503, message: 'this node joined from a snapshot and has not fetched this part of the history yet; ask another node or retry later' },
} as const satisfies ErrorCatalogue;
