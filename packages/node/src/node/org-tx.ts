/** Submitting a transaction signed by this node's organisation (for actions its signed-in users take). */
import { randomBytes } from 'node:crypto';
import { MachiError, signTx, type Signer } from '@machi/core';
import type { MachiNode, Receipt } from './node.js';

export const ORG_TX_WAIT_MS = 15_000;

export class OrgSubmitter {
  constructor(private readonly node: MachiNode, private readonly signer: Signer) {}

  /**
   * Signs, submits and waits for the commit. Throws the admission error (a MachiError with its catalogue code) if the
   * node refuses the transaction; returns the receipt, whose `code` is set if the handler rejected it.
   */
  async submit(type: string, payload: Record<string, unknown>, timeoutMs = ORG_TX_WAIT_MS): Promise<Receipt> {
    const tx = signTx({
      chainId: this.node.genesis.chainId,
      type,
      payload,
      signer: this.signer.publicKey,
      nonce: randomBytes(16).toString('hex'),
      time: this.node.clock(),
    }, this.signer.sign);
    const [outcome] = await this.node.submit([tx]);
    if (!outcome!.ok) throw new MachiError(outcome!.code, outcome!.message);
    return this.node.waitCommitted(outcome!.hash, timeoutMs);
  }
}
