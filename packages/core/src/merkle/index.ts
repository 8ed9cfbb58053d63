/** RFC 9162 Merkle tree: hashing, proof verification and the append-only log. See docs/spec/merkle.md. */
export { EMPTY_ROOT, MERKLE_HASH_SIZE, hashChildren, hashLeaf } from './hash.js';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.js';
export {
  MemoryNodeStore,
  MerkleLog,
  consistencyProofFromNodes,
  inclusionProofFromNodes,
  rootFromNodes,
  type MerkleNode,
  type MerkleNodeReader,
} from './log.js';
