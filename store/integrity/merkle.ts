import { createHash } from 'node:crypto';

/**
 * RFC 6962 §2.1 Merkle Tree Hash: leaf = SHA-256(0x00‖data), node =
 * SHA-256(0x01‖left‖right), split at the largest power of two below n, and the
 * empty tree hashes to SHA-256(""). Same tree as Certificate Transparency, so
 * third-party tooling can recompute our roots.
 */

export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Root over already-hashed leaves. */
export function merkleRootOfLeafHashes(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  return subtree(leaves, 0, leaves.length);
}

export function merkleRoot(data: readonly Uint8Array[]): Buffer {
  return merkleRootOfLeafHashes(data.map(leafHash));
}

function subtree(leaves: readonly Uint8Array[], start: number, end: number): Buffer {
  const n = end - start;
  if (n === 1) return Buffer.from(leaves[start]!);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(subtree(leaves, start, start + k), subtree(leaves, start + k, end));
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** RFC 6962 §2.1.1 audit path for leaf `index` among already-hashed leaves. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (index < 0 || index >= leaves.length) throw new RangeError('leaf index out of range');
  const path: Buffer[] = [];
  let start = 0;
  let end = leaves.length;
  const siblings: Buffer[] = [];
  while (end - start > 1) {
    const n = end - start;
    let k = 1;
    while (k * 2 < n) k *= 2;
    if (index - start < k) {
      siblings.push(subtree(leaves, start + k, end));
      end = start + k;
    } else {
      siblings.push(subtree(leaves, start, start + k));
      start += k;
    }
  }
  // The path runs from the leaf upwards.
  for (let i = siblings.length - 1; i >= 0; i -= 1) path.push(siblings[i]!);
  return path;
}

/** RFC 9162 §2.1.3.2: does `leaf` (a leaf hash) sit at `index` of the tree of `size` with `root`? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (index >= size || index < 0) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(Buffer.from(root));
}
