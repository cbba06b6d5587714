/**
 * A session's captures as a WACZ 1.1.1 package, so web-archive tools
 * (ReplayWeb.page, pywb) open them: archive/data.warc (WARC/1.1 warcinfo +
 * one response record per capture, bodies as they crossed the wire),
 * indexes/index.cdxj, pages/pages.jsonl and datapackage.json with the SHA-256
 * of every file, plus datapackage-digest.json.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CapturedResource } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { VerbatimError } from '../../store/errors';
import { zip } from '../zip';

const WARC_FILE = 'data.warc';
/** Hop-by-hop or framing headers that no longer describe the stored body. */
const DROPPED = new Set(['transfer-encoding', 'connection', 'keep-alive']);

export async function buildWacz(store: VerbatimStore, sessionId: string, software = 'Verbatim'): Promise<Buffer> {
  const session = await store.getSession(sessionId);
  if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
  const captures = (await store.listCaptures(sessionId)).filter((c) => /^https?:/i.test(c.url));
  const created = new Date().toISOString();
  const warc: Buffer[] = [];
  let offset = 0;
  const cdx: string[] = [];
  const push = (record: Buffer): number => {
    const at = offset;
    warc.push(record);
    offset += record.length;
    return at;
  };
  push(warcRecord('warcinfo', { 'WARC-Date': created, 'WARC-Filename': WARC_FILE, 'Content-Type': 'application/warc-fields' },
    Buffer.from(`software: ${software}\r\nformat: WARC File Format 1.1\r\nisPartOf: session ${sessionId}\r\n`)));
  for (const capture of captures) {
    const body = capture.body ? (await store.getBlob(capture.body.digest, capture.sessionId)) ?? new Uint8Array(0) : new Uint8Array(0);
    const payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const http = Buffer.concat([Buffer.from(httpHead(capture)), payload]);
    const record = warcRecord('response', {
      'WARC-Target-URI': capture.url,
      'WARC-Date': new Date(capture.startedAt).toISOString(),
      'Content-Type': 'application/http; msgtype=response',
      'WARC-Payload-Digest': `sha-256:${createHash('sha256').update(payload).digest('hex')}`,
      ...(capture.body?.truncated ? { 'WARC-Truncated': 'length' } : {}),
    }, http);
    const at = push(record);
    cdx.push(`${surt(capture.url)} ${timestamp14(capture.startedAt)} ${JSON.stringify({
      url: capture.url, mime: mime(capture), status: String(capture.status),
      digest: `sha256:${createHash('sha256').update(payload).digest('hex')}`, length: String(record.length), offset: String(at), filename: WARC_FILE,
    })}`);
  }
  cdx.sort();
  const pages = [JSON.stringify({ format: 'json-pages-1.0', id: 'pages', title: `Verbatim session ${sessionId}` })];
  for (const page of session.pages) {
    pages.push(JSON.stringify({ id: page.id, url: page.url, ts: new Date(page.startedAt).toISOString(), ...(page.title ? { title: page.title } : {}) }));
  }
  const files = [
    { name: `archive/${WARC_FILE}`, data: Buffer.concat(warc) },
    { name: 'indexes/index.cdxj', data: Buffer.from(cdx.map((l) => `${l}\n`).join('')) },
    { name: 'pages/pages.jsonl', data: Buffer.from(pages.map((l) => `${l}\n`).join('')) },
  ];
  const datapackage = Buffer.from(JSON.stringify({
    profile: 'data-package', wacz_version: '1.1.1', title: `Verbatim session ${sessionId}`, created, software,
    mainPageURL: session.pages[0]?.url, mainPageDate: session.pages[0] ? new Date(session.pages[0].startedAt).toISOString() : undefined,
    resources: files.map((f) => ({ name: f.name.split('/').pop(), path: f.name, hash: `sha256:${sha256(f.data)}`, bytes: f.data.length })),
  }, null, 2));
  const digest = Buffer.from(JSON.stringify({ path: 'datapackage.json', hash: `sha256:${sha256(datapackage)}` }, null, 2));
  return zip([...files, { name: 'datapackage.json', data: datapackage }, { name: 'datapackage-digest.json', data: digest }], { modified: new Date() });
}

function warcRecord(type: string, fields: Record<string, string>, block: Buffer): Buffer {
  const head = [`WARC/1.1`, `WARC-Type: ${type}`, `WARC-Record-ID: <urn:uuid:${randomUUID()}>`,
    ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`),
    `WARC-Block-Digest: sha-256:${sha256(block)}`, `Content-Length: ${block.length}`].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), block, Buffer.from('\r\n\r\n')]);
}

function httpHead(capture: CapturedResource): string {
  const reason = capture.statusText && /^[\t\x20-\x7e]*$/.test(capture.statusText) ? capture.statusText : '';
  const lines = [`HTTP/1.1 ${capture.status} ${reason}`.trimEnd()];
  for (const [name, value] of capture.headers) {
    if (!DROPPED.has(name) && !/[\r\n]/.test(name + value)) lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function mime(capture: CapturedResource): string {
  const type = capture.headers.find(([k]) => k === 'content-type')?.[1] ?? 'unk';
  return type.split(';')[0]!.trim();
}

/** Sort-friendly URL key: host labels reversed ("example,bank)/path?query"), as CDX indexes use. */
export function surt(raw: string): string {
  const url = new URL(raw);
  let host = url.hostname.toLowerCase().replace(/^www\d*\./, '');
  host = host.split('.').reverse().join(',');
  const port = url.port && !((url.protocol === 'http:' && url.port === '80') || (url.protocol === 'https:' && url.port === '443')) ? `:${url.port}` : '';
  const query = url.search ? `?${[...url.searchParams].map(([k, v]) => `${k}=${v}`).sort().join('&')}` : '';
  return `${host}${port})${url.pathname.toLowerCase()}${query}`;
}

function timestamp14(ms: number): string {
  return new Date(ms).toISOString().replace(/\D/g, '').slice(0, 14);
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
