/** The notary module's client contract: the anchors of a document hash as the API shows them (pure data). */
import type { FromSchema } from 'json-schema-to-ts';

export const notaryAnchorsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hash: { type: 'string' },
    /** oldest first; empty if the hash was never anchored */
    anchors: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { label: { type: 'string' }, org: { type: 'string' }, txHash: { type: 'string' }, height: { type: 'integer' }, time: { type: 'integer' } },
        required: ['label', 'org', 'txHash', 'height', 'time'],
      },
    },
  },
  required: ['hash', 'anchors'],
} as const;
export type NotaryAnchors = FromSchema<typeof notaryAnchorsSchema>;
