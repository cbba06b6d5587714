/**
 * A session's captures as a WACZ 1.1.1 package, so web-archive tools
 * (ReplayWeb.page, pywb) open them: archive/data.warc (WARC/1.1 warcinfo +
 * one response record per capture, bodies as they crossed the wire),
 * indexes/index.cdxj, pages/pages.jsonl and datapackage.json with the SHA-256
 * of every file, plus datapackage-digest.json.
 *
 * warcio (webrecorder's WARC library, the one ReplayWeb.page reads with) frames
 * each record and makes its CDXJ line (SURT key, time, type, status, digest), so
 * the index is the one its reader expects; yazl streams the ZIP (stored entries:
 * readers seek into data.warc by the index's offsets; ZIP64 past 4 GiB). One
 * record is in memory at a time, whatever the session's size.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CDXIndexer, WARCRecord, WARCSerializer } from 'warcio';
import yazl from 'yazl';
import type { CapturedResource } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { VerbatimError } from '../../store/errors';

const WARC_FILE = 'data.warc';
const WARC_VERSION = 'WARC/1.1';
const DIGEST = { algo: 'sha-256', prefix: 'sha256:' } as const;
/** Hop-by-hop or framing headers that no longer describe the stored body. */
const DROPPED = new Set(['transfer-encoding', 'connection', 'keep-alive']);
/** An HTTP field name (RFC 9110 token): anything else would break the record's header block. */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface WaczOptions {
  /** Named in the warcinfo record and datapackage.json. */
  software?: string;
  /** Called after each capture is written: (captures written, captures in the session). */
  onProgress?: (done: number, total: number) => void;
}

/** The whole package in memory (the viewer's download). */
export async function buildWacz(store: VerbatimStore, sessionId: string, software = 'Verbatim'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writeWacz(store, sessionId, new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk); done(); } }), { software });
  return Buffer.concat(chunks);
}

/** Streams the package into `out` (a file for `verbatim export`); resolves once `out` has finished. */
export async function writeWacz(store: VerbatimStore, sessionId: string, out: Writable, options: WaczOptions = {}): Promise<{ captures: number }> {
  const software = options.software ?? 'Verbatim';
  const session = await store.getSession(sessionId);
  if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
  const captures = (await store.listCaptures(sessionId)).filter((c) => /^https?:/i.test(c.url));
  const created = new Date();
  const zip = new yazl.ZipFile();
  const entry = { mtime: created, compress: false };
  const zipFailed = new Promise<never>((_, reject) => zip.on('error', reject));
  const written = pipeline(zip.outputStream, out);
  // What a pending write waits on besides room in the stream: the ZIP or `out` failing first.
  const stopped = Promise.race([zipFailed, written.then(() => { throw new Error('the WACZ stream ended before the archive was complete'); })]);
  stopped.catch(() => undefined);
  try {
    const warc = new WarcWriter(new PassThrough(), stopped);
    zip.addReadStream(warc.stream, `archive/${WARC_FILE}`, entry);
    // `all`: each record is indexed on its own, where it was written (no request/response pairing).
    const indexer = new CDXIndexer({ format: 'cdxj', all: true });
    const cdx: string[] = [];
    await warc.write(await WARCSerializer.serialize(WARCRecord.createWARCInfo(
      { filename: WARC_FILE, warcVersion: WARC_VERSION, date: created.toISOString() },
      { software, format: 'WARC File Format 1.1', isPartOf: `session ${sessionId}` },
    ), { digest: DIGEST }));
    let done = 0;
    for (const capture of captures) {
      const body = capture.body ? (await store.getBlob(capture.body.digest, capture.sessionId)) ?? new Uint8Array(0) : new Uint8Array(0);
      const record = responseRecord(capture, body);
      const bytes = await WARCSerializer.serialize(record, { digest: DIGEST });
      const indexed = indexer.indexRecord(record, { offset: await warc.write(bytes), recordLength: bytes.length }, WARC_FILE);
      if (indexed) cdx.push(indexer.serialize(indexed));
      options.onProgress?.(++done, captures.length);
    }
    warc.stream.end();
    cdx.sort();
    const pages = [JSON.stringify({ format: 'json-pages-1.0', id: 'pages', title: `Verbatim session ${sessionId}` })];
    for (const page of session.pages) {
      pages.push(JSON.stringify({ id: page.id, url: page.url, ts: new Date(page.startedAt).toISOString(), ...(page.title ? { title: page.title } : {}) }));
    }
    const files = [
      { path: 'indexes/index.cdxj', data: Buffer.from(cdx.join('')) },
      { path: 'pages/pages.jsonl', data: Buffer.from(pages.map((l) => `${l}\n`).join('')) },
    ];
    const resources = [{ path: `archive/${WARC_FILE}`, hash: warc.digest(), bytes: warc.bytes },
      ...files.map((f) => ({ path: f.path, hash: sha256(f.data), bytes: f.data.length }))];
    const datapackage = Buffer.from(JSON.stringify({
      profile: 'data-package', wacz_version: '1.1.1', title: `Verbatim session ${sessionId}`, created: created.toISOString(), software,
      mainPageURL: session.pages[0]?.url, mainPageDate: session.pages[0] ? new Date(session.pages[0].startedAt).toISOString() : undefined,
      resources: resources.map((r) => ({ name: r.path.split('/').pop(), path: r.path, hash: `sha256:${r.hash}`, bytes: r.bytes })),
    }, null, 2));
    const digest = Buffer.from(JSON.stringify({ path: 'datapackage.json', hash: `sha256:${sha256(datapackage)}` }, null, 2));
    for (const f of [...files, { path: 'datapackage.json', data: datapackage }, { path: 'datapackage-digest.json', data: digest }]) {
      zip.addBuffer(f.data, f.path, entry);
    }
    zip.end();
    await Promise.race([written, zipFailed]);
  } catch (err) {
    out.destroy(err as Error); // the caller removes what was written
    await written.catch(() => undefined);
    throw err;
  }
  return { captures: captures.length };
}

/** data.warc as it is written: byte count (offsets for the index) and SHA-256 (for datapackage.json). */
class WarcWriter {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  constructor(readonly stream: PassThrough, private readonly failed: Promise<never>) {}

  /** Appends one record; resolves with its offset once the ZIP side has room for more. */
  async write(record: Uint8Array): Promise<number> {
    const offset = this.bytes;
    this.hash.update(record);
    this.bytes += record.length;
    if (!this.stream.write(record)) await Promise.race([once(this.stream, 'drain'), this.failed]);
    return offset;
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

function responseRecord(capture: CapturedResource, body: Uint8Array): WARCRecord {
  const reason = capture.statusText && /^[\t\x20-\x7e]*$/.test(capture.statusText) ? capture.statusText : '';
  const headers = capture.headers.filter(([name, value]) => FIELD_NAME.test(name) && !DROPPED.has(name.toLowerCase()) && !/[\r\n\0]/.test(value));
  const record = WARCRecord.create({
    url: capture.url,
    date: new Date(capture.startedAt).toISOString(),
    type: 'response',
    warcVersion: WARC_VERSION,
    statusline: `HTTP/1.1 ${capture.status} ${reason}`.trimEnd(),
    httpHeaders: headers,
    ...(capture.body?.truncated ? { warcHeaders: { 'WARC-Truncated': 'length' } } : {}),
  }, [body]);
  // warcio hashes in WebAssembly, about ten times slower than node:crypto here: the digests are set in advance
  // over the very bytes its serializer writes (its HTTP head, then the payload), so it only frames the record.
  const head = Buffer.from(`${record.httpHeaders!.toString()}\r\n`);
  record.warcHeaders.headers.set('WARC-Payload-Digest', `${DIGEST.prefix}${sha256(body)}`);
  record.warcHeaders.headers.set('WARC-Block-Digest', `${DIGEST.prefix}${createHash('sha256').update(head).update(body).digest('hex')}`);
  return record;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
