/**
 * The identity module's client contract: what its HTTP API takes and shows, as JSON schemas and the types derived
 * from them (pure data), shared by the node's routes and the web app. docs/spec/identity.md#api
 */

/** An offer a resident's wallet redeems (kept in the issuer's private store, not on the ledger). */
export const OFFER_ID_PATTERN = '^off_[0-9a-f]{32}$';
/** A credential in a resident's wallet (private store). */
export const WALLET_CREDENTIAL_ID_PATTERN = '^wc_[0-9a-f]{32}$';
