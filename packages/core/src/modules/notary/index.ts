/**
 * notary — anchor a document's SHA-256 with a label, so anyone can later prove the document existed, unchanged, at
 * the block's time. The smallest domain module, in the shape every module shares: types + schemas, deterministic
 * handlers, state keys (queries read them), and (in the node) API routes.
 */
import { MachiError } from '../../errors.js';
import type { TxType } from '../../state/registry.js';
import { defineCoreModule } from '../../foundation/module.js';
import { HASH_HEX_PATTERN } from '../../foundation/patterns.js';

export * from './api.js';

export const NOTARY_LABEL_CHARS_MAX = 200;
export const NOTARY_ANCHORS_PER_HASH_MAX = 1000;

export interface NotaryRecordPayload {
  /** SHA-256 of the document, lowercase hex */
  hash: string;
  label: string;
}

/** One anchor of a document hash, as stored in the state (under the hash's key) and returned by queries. */
export interface NotaryAnchor {
  label: string;
  org: string;
  txHash: string;
  height: number;
  time: number;
}

/** State keys: `notary/<hash>` → list of anchors (oldest first). */
export const notaryKey = (hash: string): string => `notary/${hash}`;

export const notaryRecord: TxType<NotaryRecordPayload> = {
  type: 'notary.record',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['hash', 'label'],
    properties: {
      hash: { type: 'string', pattern: HASH_HEX_PATTERN },
      label: { type: 'string', minLength: 1, maxLength: NOTARY_LABEL_CHARS_MAX },
    },
  },
  handle(ctx, payload) {
    const key = notaryKey(payload.hash);
    const anchors = (ctx.state.get(key) as NotaryAnchor[] | undefined) ?? [];
    if (anchors.length >= NOTARY_ANCHORS_PER_HASH_MAX) {
      throw new MachiError('HANDLER_REJECTED', `document ${payload.hash} already has ${NOTARY_ANCHORS_PER_HASH_MAX} anchors`);
    }
    anchors.push({ label: payload.label, org: ctx.org.id, txHash: ctx.txHash, height: ctx.height, time: ctx.time });
    ctx.state.set(key, anchors);
  },
};

export const notaryTypes = [notaryRecord] as const;

export const notaryModule = defineCoreModule({
  name: 'notary',
  dependsOn: [],
  typePrefixes: ['notary.'],
  statePrefixes: ['notary/'],
  txTypes: () => notaryTypes,
  errors: {},
  spec: 'docs/spec/state-machine.md',
});
