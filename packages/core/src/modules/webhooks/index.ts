/**
 * webhooks — signed CloudEvents 1.0 deliveries of committed transactions to organisations' own systems. No
 * transaction types and no state: subscriptions and the delivery queue are each node's private business. The core
 * holds what is pure (the subscription rule, the envelope, the signed content, the retry schedule), the error codes
 * and the API's schemas. docs/spec/webhooks.md
 */
import { defineCoreModule } from '../../foundation/module.js';
import { WEBHOOKS_ERRORS } from './errors.js';

export * from './api.js';
export * from './errors.js';
export * from './types.js';

export const webhooksModule = defineCoreModule({
  name: 'webhooks',
  dependsOn: [],
  typePrefixes: [],
  statePrefixes: [],
  txTypes: () => [],
  errors: WEBHOOKS_ERRORS,
  spec: 'docs/spec/webhooks.md',
});
