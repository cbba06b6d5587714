/**
 * Read-only access to exactly what a backend holds — chain links and heads, checkpoints, raw record values, stored
 * blobs — for the code that must check or prove it (integrity/verify.ts, integrity/evidence.ts). It goes through
 * the backend interface, so verify and evidence work the same on every backend.
 */
import { decodeLink, decodeHead, type Head, type Link } from '../integrity/link';
import { RECORD_KINDS, type RecordKind } from '../record-ids';
import type { StoredRecord } from './backend';

export interface AuditSource {
  chainIds(): Promise<string[]>;
  links(chain: string): AsyncIterable<{ index: number; value: Uint8Array }>;
  head(chain: string): Promise<Uint8Array | undefined>;
  checkpoints(): Promise<{ seq: number; value: Uint8Array }[]>;
  records(): AsyncIterable<StoredRecord>;
  record(id: string): Promise<StoredRecord | undefined>;
  list(kind: RecordKind, sessionId: string): Promise<StoredRecord[]>;
  blob(digest: string): Promise<Uint8Array | undefined>;
  indexProblems(): AsyncIterable<{ key: string; message: string }>;
  /** A record's codec-encoded value, opened with its session's key when sealed (throws when the key is gone). */
  openRecord(record: StoredRecord): Promise<Uint8Array>;
}

export class AuditReader {
  constructor(private readonly source: AuditSource) {}

  chainIds(): Promise<string[]> {
    return this.source.chainIds();
  }

  /** A chain's links in index order; undefined for a link that does not decode. */
  async *links(chain: string): AsyncIterable<{ index: number; raw: Uint8Array; link: Link | undefined }> {
    for await (const { index, value } of this.source.links(chain)) yield { index, raw: value, link: decodeLink(value) };
  }

  async head(chain: string): Promise<Head | undefined | 'unreadable'> {
    const raw = await this.source.head(chain);
    if (raw === undefined) return undefined;
    return decodeHead(raw) ?? 'unreadable';
  }

  checkpoints(): Promise<{ seq: number; value: Uint8Array }[]> {
    return this.source.checkpoints();
  }

  records(): AsyncIterable<StoredRecord> {
    return this.source.records();
  }

  record(id: string): Promise<StoredRecord | undefined> {
    return this.source.record(id);
  }

  /** Every record of a session (its chain), all kinds. */
  async sessionRecords(sessionId: string): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for (const kind of RECORD_KINDS) out.push(...await this.source.list(kind, sessionId));
    return out;
  }

  blob(digest: string): Promise<Uint8Array | undefined> {
    return this.source.blob(digest);
  }

  indexProblems(): AsyncIterable<{ key: string; message: string }> {
    return this.source.indexProblems();
  }

  openRecord(record: StoredRecord): Promise<Uint8Array> {
    return this.source.openRecord(record);
  }
}
