import { createHash } from 'node:crypto';

/**
 * One link of a per-session hash chain: the record it covers (by key), the
 * SHA-256 of the value written, and the chain hash after it:
 *
 *   hash_i = SHA-256( "vbl1" ‖ hash_{i-1} ‖ op ‖ SHA-256(key) ‖ SHA-256(value) )
 *
 * with hash_{-1} = 32 zero bytes and op 0 = put, 1 = delete (value = empty).
 * Fixed-size digests make the encoding unambiguous. The link keeps the value
 * digest rather than the value, so a record rewritten later (session metadata)
 * still leaves every earlier version's digest in the chain; and it is hashed over
 * the key's digest, so an erasure can redact the key (URLs can be personal data)
 * and the chain still verifies.
 *
 * Stored link value: hash(32) ‖ valueDigest(32) ‖ op(1) ‖ key (UTF-8), or, once
 * redacted by an erasure: hash(32) ‖ valueDigest(32) ‖ op|0x80 ‖ SHA-256(key)(32).
 * Stored head value: count (6 bytes, big-endian) ‖ hash(32).
 */

export const GENESIS = Buffer.alloc(32);
export const OP_PUT = 0;
export const OP_DEL = 1;
const DOMAIN = Buffer.from('vbl1', 'latin1');

export interface Link {
  hash: Buffer;
  valueDigest: Buffer;
  op: number;
  /** Undefined once an erasure redacted it. */
  key: string | undefined;
  keyDigest: Buffer;
}

const REDACTED = 0x80;

export interface Head {
  count: number;
  hash: Buffer;
}

export function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

export const keyDigestOf = (key: string): Buffer => sha256(Buffer.from(key, 'utf8'));

export function linkHash(prev: Uint8Array, op: number, keyDigest: Uint8Array, valueDigest: Uint8Array): Buffer {
  return createHash('sha256').update(DOMAIN).update(prev).update(Buffer.from([op])).update(keyDigest).update(valueDigest).digest();
}

export function encodeLink(link: { hash: Uint8Array; valueDigest: Uint8Array; op: number; key: string }): Buffer {
  const keyBytes = Buffer.from(link.key, 'utf8');
  const out = Buffer.allocUnsafe(65 + keyBytes.length);
  out.set(link.hash, 0);
  out.set(link.valueDigest, 32);
  out[64] = link.op;
  out.set(keyBytes, 65);
  return out;
}

export function decodeLink(bytes: Uint8Array): Link | undefined {
  if (bytes.length < 65) return undefined;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const redacted = (b[64]! & REDACTED) !== 0;
  if (redacted && b.length !== 97) return undefined;
  const key = redacted ? undefined : b.subarray(65).toString('utf8');
  return {
    hash: Buffer.from(b.subarray(0, 32)),
    valueDigest: Buffer.from(b.subarray(32, 64)),
    op: b[64]! & ~REDACTED,
    key,
    keyDigest: redacted ? Buffer.from(b.subarray(65, 97)) : keyDigestOf(key!),
  };
}

/** The same link with its record key replaced by the key's digest (erasure). */
export function redactLink(link: Link): Buffer {
  const out = Buffer.allocUnsafe(97);
  out.set(link.hash, 0);
  out.set(link.valueDigest, 32);
  out[64] = link.op | REDACTED;
  out.set(link.keyDigest, 65);
  return out;
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
