/**
 * Encrypted frames (README.md#frames): AES-256-GCM, one key per direction, the 96-bit nonce a per-direction counter
 * (4 zero bytes ‖ 64-bit big-endian count) that both sides keep in step. Nothing but ciphertext ‖ tag is sent, so a
 * dropped, replayed, reordered or altered frame fails authentication at the receiver.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { FRAME_COUNT_MAX, FRAME_TAG_BYTES } from './limits.js';

function nonceOf(count: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(Math.floor(count / 2 ** 32), 4);
  nonce.writeUInt32BE(count >>> 0, 8);
  return nonce;
}

/** Seals our outgoing frames. `countMax` is lowered only by tests. */
export class FrameSealer {
  private count = 0;
  constructor(private readonly key: Uint8Array, private readonly countMax = FRAME_COUNT_MAX) {}

  /** ciphertext ‖ tag, or undefined once the counter is spent (the caller must close the link: no nonce reuse). */
  seal(plaintext: Uint8Array): Buffer | undefined {
    if (this.count >= this.countMax) return undefined;
    const cipher = createCipheriv('aes-256-gcm', this.key, nonceOf(this.count++));
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }
}

/** Opens the peer's frames, in order. */
export class FrameOpener {
  private count = 0;
  constructor(private readonly key: Uint8Array, private readonly countMax = FRAME_COUNT_MAX) {}

  /** The plaintext, or undefined if the frame is not the next authentic one (or the counter is spent). */
  open(frame: Uint8Array): Buffer | undefined {
    if (frame.length < FRAME_TAG_BYTES || this.count >= this.countMax) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonceOf(this.count));
    decipher.setAuthTag(frame.subarray(frame.length - FRAME_TAG_BYTES));
    try {
      const plaintext = Buffer.concat([decipher.update(frame.subarray(0, frame.length - FRAME_TAG_BYTES)), decipher.final()]);
      this.count++;
      return plaintext;
    } catch {
      return undefined;
    }
  }
}
