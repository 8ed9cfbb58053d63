/**
 * Serialised answers of reads that never change once true: the receipt and the proof bundle of a committed
 * transaction (a committed block is final; its transactions, header, commit and inclusion proof stay as they are).
 * The route keeps the JSON text its response schema produced and sends that text again: no store read, no
 * JSON.parse, no serialisation on a hit (bench:reads). Bounded by characters, least recently used dropped first.
 */

/** Characters of JSON text one read cache holds at most (≈ bytes: the JSON of receipts and bundles is ASCII). */
export const READ_CACHE_CHARS_MAX = 32 * 1024 * 1024;
/** A text longer than this is not kept (a bundle carrying many set changes): it would evict many small ones. */
export const READ_CACHE_ENTRY_CHARS_MAX = 256 * 1024;

export class ReadCache {
  // a Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used
  readonly #map = new Map<string, string>();
  #chars = 0;

  constructor(readonly charsMax: number = READ_CACHE_CHARS_MAX) {}

  get(key: string): string | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: string, text: string): void {
    if (text.length > READ_CACHE_ENTRY_CHARS_MAX || text.length > this.charsMax) return;
    const old = this.#map.get(key);
    if (old !== undefined) {
      this.#map.delete(key);
      this.#chars -= old.length;
    }
    this.#map.set(key, text);
    this.#chars += text.length;
    for (const [k, v] of this.#map) {
      if (this.#chars <= this.charsMax) break;
      this.#map.delete(k);
      this.#chars -= v.length;
    }
  }

  get size(): number {
    return this.#map.size;
  }

  /** Characters held now. */
  get chars(): number {
    return this.#chars;
  }
}
