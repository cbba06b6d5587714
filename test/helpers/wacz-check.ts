/**
 * Checks a WACZ the way a reader would, with libraries other than the writer's
 * own code paths: fflate unzips it; every file is checked against
 * datapackage.json (SHA-256, size) and datapackage.json against
 * datapackage-digest.json; warcio parses data.warc whole and each record alone
 * at its indexed offset; block and payload digests are recomputed with
 * node:crypto; warcio's indexer re-indexes the whole file and must agree with
 * indexes/index.cdxj. Returns what a test may want to look at further.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CDXIndexer, WARCParser } from 'warcio';
import { unzip } from './unzip';

export interface WaczRecord {
  url: string;
  offset: number;
  length: number;
  /** The CDXJ entry (url, mime, status, digest, …). */
  entry: Record<string, string>;
  /** WARC header fields of the record. */
  warcHeaders: Record<string, string>;
  /** The HTTP status line and headers as written, CRLF-separated. */
  httpHead: string;
  payload: Buffer;
}

export interface CheckedWacz {
  files: Map<string, Buffer>;
  datapackage: { wacz_version: string; resources: { path: string; hash: string; bytes: number }[]; [k: string]: unknown };
  /** index.cdxj lines, in file order. */
  lines: string[];
  /** Response records by URL (the first, when one URL was captured more than once). */
  records: Map<string, WaczRecord>;
  pages: Record<string, string>[];
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export async function checkWacz(archive: Uint8Array): Promise<CheckedWacz> {
  const files = unzip(archive);
  assert.deepEqual([...files.keys()].sort(), ['archive/data.warc', 'datapackage-digest.json', 'datapackage.json', 'indexes/index.cdxj', 'pages/pages.jsonl']);
  const file = (name: string): Buffer => files.get(name)!;
  const datapackage = JSON.parse(file('datapackage.json').toString()) as CheckedWacz['datapackage'];
  assert.equal(datapackage.wacz_version, '1.1.1');
  assert.deepEqual(datapackage.resources.map((r) => r.path).sort(), ['archive/data.warc', 'indexes/index.cdxj', 'pages/pages.jsonl']);
  for (const r of datapackage.resources) {
    assert.equal(r.hash, `sha256:${sha256(file(r.path))}`, r.path);
    assert.equal(r.bytes, file(r.path).length, r.path);
  }
  assert.equal(JSON.parse(file('datapackage-digest.json').toString()).hash, `sha256:${sha256(file('datapackage.json'))}`);
  const pages = file('pages/pages.jsonl').toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  assert.equal(pages[0]?.format, 'json-pages-1.0');

  const warc = file('archive/data.warc');
  const lines = file('indexes/index.cdxj').toString().trim().split('\n').filter(Boolean);
  assert.deepEqual([...lines].sort(), lines, 'index.cdxj is sorted');

  // The whole WARC read by warcio: a warcinfo record first, then one response per index line.
  const whole: { type: string; url: string; payload: Buffer }[] = [];
  for await (const record of new WARCParser([warc])) {
    whole.push({ type: record.warcType ?? '', url: record.warcTargetURI ?? '', payload: Buffer.from(await record.readFully(false)) });
  }
  assert.equal(whole[0]?.type, 'warcinfo');
  assert.deepEqual(whole.slice(1).map((r) => r.type), lines.map(() => 'response'));

  // The index's (offset, length) pairs tile the file after the warcinfo record, with nothing left over.
  const spans = lines.map((line) => {
    const entry = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, string>;
    return { url: entry.url!, offset: Number(entry.offset), length: Number(entry.length), entry };
  }).sort((a, b) => a.offset - b.offset);
  assert.ok(spans.length === 0 || spans[0]!.offset > 0);
  spans.forEach((s, i) => assert.equal(s.offset + s.length, spans[i + 1]?.offset ?? warc.length, `the record after ${s.url}`));

  const records = new Map<string, WaczRecord>();
  for (const [i, { url, offset, length, entry }] of spans.entries()) {
    const bytes = warc.subarray(offset, offset + length);
    const alone = await WARCParser.parse([bytes]);
    assert.equal(alone?.warcTargetURI, url, 'the record at the indexed offset is that URL\'s');
    const [warcHead, rest] = splitAtBlankLine(bytes);
    const warcHeaders = fields(warcHead.toString('utf8'));
    assert.equal(warcHeaders['WARC/1.1'], '', 'a WARC/1.1 record');
    assert.match(warcHeaders['WARC-Record-ID'] ?? '', /^<urn:uuid:[0-9a-f-]{36}>$/);
    const block = rest.subarray(0, Number(warcHeaders['Content-Length']));
    assert.equal(rest.subarray(block.length).toString(), '\r\n\r\n', 'the record ends right after Content-Length bytes');
    assert.equal(warcHeaders['WARC-Block-Digest'], `sha256:${sha256(block)}`, `block digest of ${url}`);
    const [http, payload] = splitAtBlankLine(block);
    assert.deepEqual(payload, whole[i + 1]!.payload, `payload of ${url}, read whole and alone`);
    assert.equal(warcHeaders['WARC-Payload-Digest'], `sha256:${sha256(payload)}`, `payload digest of ${url}`);
    assert.equal(entry.digest, sha256(payload));
    assert.equal(entry.status, /^HTTP\/1\.1 (\d{3})[ \r]/.exec(http.toString())?.[1]);
    if (!records.has(url)) records.set(url, { url, offset, length, entry, warcHeaders, httpHead: http.toString('utf8'), payload });
  }

  // warcio's own indexer over the whole file (as `warcio indexcdx` would) finds the same entries; it counts a
  // record without its closing CRLF CRLF, where this index gives the whole record (so the pairs tile the file).
  const reindexer = new CDXIndexer({ format: 'cdxj' });
  const reindexed: string[] = [];
  for await (const e of reindexer.iterIndex([{ filename: 'data.warc', reader: once(warc) }])) {
    e.length = Number(e.length) + 4;
    reindexed.push(reindexer.serialize(e).trim());
  }
  assert.deepEqual(reindexed.sort(), lines);
  return { files, datapackage, lines, records, pages };
}

/** Splits at the first blank line (CRLF CRLF): the header block (with its last CRLF), the rest. */
export function splitAtBlankLine(bytes: Buffer): [Buffer, Buffer] {
  const at = bytes.indexOf('\r\n\r\n');
  return [bytes.subarray(0, at + 2), bytes.subarray(at + 4)];
}

function fields(head: string): Record<string, string> {
  return Object.fromEntries(head.split('\r\n').filter(Boolean).map((line) => {
    const colon = line.indexOf(': ');
    return colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 2)];
  }));
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
