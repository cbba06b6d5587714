import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { merkleRoot } from '../merkle';

// Reference roots from RFC 6962 implementations' test data (certificate-transparency / transparency-dev merkle).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
  .map((hex) => Buffer.from(hex, 'hex'));
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('RFC 6962 Merkle tree hash', () => {
  it('hashes the empty tree to SHA-256 of nothing', () => {
    assert.equal(merkleRoot([]).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('matches the reference roots for 1..8 leaves', () => {
    for (let n = 1; n <= 8; n += 1) assert.equal(merkleRoot(LEAVES.slice(0, n)).toString('hex'), ROOTS[n - 1], `size ${n}`);
  });
});

describe('RFC 6962 inclusion proofs', () => {
  it('prove and verify every leaf of trees of size 1..20, and reject a wrong leaf', async () => {
    const { inclusionProof, verifyInclusion, leafHash, merkleRootOfLeafHashes } = await import('../merkle');
    for (let n = 1; n <= 20; n += 1) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from([i, n])));
      const root = merkleRootOfLeafHashes(leaves);
      for (let i = 0; i < n; i += 1) {
        const proof = inclusionProof(leaves, i);
        assert.ok(verifyInclusion(leaves[i]!, i, n, proof, root), `n=${n} i=${i}`);
        assert.ok(!verifyInclusion(leafHash(Buffer.from([99])), i, n, proof, root));
        if (n > 1) assert.ok(!verifyInclusion(leaves[i]!, (i + 1) % n, n, proof, root));
      }
    }
  });
});
