/** Types for generate-vectors.mjs (imported by machi-merkle.test.ts). */
export interface VectorFile {
  name: string;
  vector: Record<string, unknown>;
}
export function generateVectors(): VectorFile[];
export function serialize(vector: Record<string, unknown>): string;
export function leafDataFor(i: number): Uint8Array;
