import { createHash } from 'node:crypto';

/**
 * One link of a hash chain (one chain per session, plus the store-wide chain '' of captures without a session):
 * the record it covers (by logical id, record-ids.ts), the SHA-256 of the value written, and the chain hash after it:
 *
 *   hash_i = SHA-256( "vbl2" ‖ hash_{i-1} ‖ op ‖ SHA-256(id) ‖ SHA-256(value) )
 *
 * with hash_{-1} = 32 zero bytes and op 0 = put, 1 = delete (value = empty). The id is the backend-neutral logical
 * id, so a chain verifies the same on LevelDB, in memory or in PostgreSQL. The link keeps the value's digest rather
 * than the value, so a record rewritten later (session metadata) leaves every earlier version's digest in the chain.
 *
 * Stored link value: hash(32) ‖ valueDigest(32) ‖ op(1) ‖ id (UTF-8).
 * Stored head value: count (6 bytes, big-endian) ‖ hash(32).
 */

export const GENESIS = Buffer.alloc(32);
export const OP_PUT = 0;
export const OP_DEL = 1;
const DOMAIN = Buffer.from('vbl2', 'latin1');

export interface Link {
  hash: Buffer;
  valueDigest: Buffer;
  op: number;
  id: string;
}

export interface Head {
  count: number;
  hash: Buffer;
}

export function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

export function linkHash(prev: Uint8Array, op: number, id: string, valueDigest: Uint8Array): Buffer {
  return createHash('sha256').update(DOMAIN).update(prev).update(Buffer.from([op]))
    .update(sha256(Buffer.from(id, 'utf8'))).update(valueDigest).digest();
}

export function encodeLink(link: Link): Buffer {
  const idBytes = Buffer.from(link.id, 'utf8');
  const out = Buffer.allocUnsafe(65 + idBytes.length);
  out.set(link.hash, 0);
  out.set(link.valueDigest, 32);
  out[64] = link.op;
  out.set(idBytes, 65);
  return out;
}

export function decodeLink(bytes: Uint8Array): Link | undefined {
  if (bytes.length < 66) return undefined;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const op = b[64]!;
  if (op !== OP_PUT && op !== OP_DEL) return undefined;
  return { hash: Buffer.from(b.subarray(0, 32)), valueDigest: Buffer.from(b.subarray(32, 64)), op, id: b.subarray(65).toString('utf8') };
}

export function encodeHead(head: Head): Buffer {
  const out = Buffer.allocUnsafe(38);
  out.writeUIntBE(head.count, 0, 6);
  out.set(head.hash, 6);
  return out;
}

export function decodeHead(bytes: Uint8Array): Head | undefined {
  if (bytes.length !== 38) return undefined;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { count: b.readUIntBE(0, 6), hash: Buffer.from(b.subarray(6, 38)) };
}

/** Merkle leaf data for one chain in a checkpoint: chain id (UTF-8) ‖ 0x00 ‖ count (6 bytes) ‖ head hash. */
export function chainLeafData(chain: string, count: number, hash: Uint8Array): Buffer {
  const id = Buffer.from(chain, 'utf8');
  const out = Buffer.allocUnsafe(id.length + 1 + 6 + 32);
  id.copy(out, 0);
  out[id.length] = 0;
  out.writeUIntBE(count, id.length + 1, 6);
  out.set(hash, id.length + 7);
  return out;
}

/** Sorts chain ids into checkpoint order (UTF-8 byte order), encoding each id once. */
export function sortChainIds(ids: Iterable<string>): string[] {
  const list = [...ids];
  // For ASCII ids (the proxy's are), UTF-16 order is byte order: the plain sort is exact and much cheaper.
  if (list.every((id) => ASCII.test(id))) return list.sort();
  return list
    .map((id) => ({ id, bytes: Buffer.from(id, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map((e) => e.id);
}

const ASCII = /^[\x00-\x7f]*$/;
