/**
 * Gathers what the servers sent for one session, through the store API: the session's captures (and, for a script,
 * frame or stylesheet the page names but this session never fetched, say from the browser's cache, the capture of
 * it another session made), their bodies decoded to text, and received WebSocket text.
 *
 * Which origins are the site's is decided from the bodies, not from the traffic: an extension's own requests pass
 * the proxy too. The pages' origins are the site's; an origin becomes the site's when a body already trusted names
 * it (its host, with the port), repeated until nothing changes. Only trusted origins' bodies explain text, so a
 * script an extension fetched from its own server cannot vouch for the form it draws.
 */
import type { CapturedResource, EventBatch } from '../../../store/records';
import type { VerbatimStore } from '../../../store/store';
import { decodeBody, parseEncodings, canDecode } from '../content-encoding';
import { resourceUrls, stripHash, type SiteEvidence } from './detector';
import { EvidenceCorpus } from './evidence-corpus';
import { originOf } from './source-rules';

type BodyKind = 'html' | 'script' | 'json' | 'css' | 'text';
/** Rounds of "an origin a trusted body names becomes trusted" (site → widget → widget's CDN → …). */
const TRUST_ROUNDS = 6;

interface Body { origin: string; kind: BodyKind; text: string }

export async function siteEvidence(store: VerbatimStore, sessionId: string, batches: readonly EventBatch[]): Promise<SiteEvidence> {
  const captures = await store.listCaptures(sessionId);
  const own = new Set(captures.map((c) => stripHash(c.url)));
  const seenElsewhere = new Set<string>();
  // Resources the recording names that this session did not fetch: the browser's cache served them.
  for (const url of resourceUrls(batches)) {
    if (own.has(url)) continue;
    const other = await store.findCapture({ url, at: Number.MAX_SAFE_INTEGER, sessionId });
    // Another session's personal (sealed) body is never read for this one.
    if (other && !other.body?.sealed) {
      seenElsewhere.add(url);
      captures.push(other);
    }
  }
  const bodies: Body[] = [];
  // The same bundle fetched on every page is one body: read (and indexed) once per origin.
  const read = new Set<string>();
  for (const capture of captures) {
    const key = capture.body ? `${originOf(capture.url)}\n${capture.body.digest}` : '';
    if (key && read.has(key)) continue;
    if (key) read.add(key);
    const body = await textOf(store, sessionId, capture);
    const origin = originOf(capture.url);
    if (body && origin) bodies.push({ origin, ...body });
  }
  for (const m of await store.listWebSocketMessages(sessionId)) {
    const origin = originOf(m.url.replace(/^ws/, 'http'));
    if (m.direction === 'received' && m.kind === 'text' && origin) bodies.push({ origin, kind: 'json', text: m.data });
  }

  const pageOrigins = batches.map((b) => originOf(b.page?.url ?? '')).filter((o): o is string => !!o);
  const trusted = new Set(pageOrigins);
  const corpus = new EvidenceCorpus();
  const used = new Set<Body>();
  for (let round = 0; round < TRUST_ROUNDS; round++) {
    let grew = false;
    for (const b of bodies) {
      if (used.has(b) || !trusted.has(b.origin)) continue;
      used.add(b);
      corpus.add(b.text, b.kind);
      grew = true;
    }
    for (const b of bodies) {
      if (!trusted.has(b.origin) && corpus.mentions(new URL(b.origin).host)) {
        trusted.add(b.origin);
        grew = true;
      }
    }
    if (!grew) break;
  }
  const documents = new Set(captures.filter(isDocument).map((c) => stripHash(c.url)));
  const captured = new Set([...own, ...seenElsewhere]);
  return {
    corpus,
    siteOrigins: trusted,
    captured: (url) => captured.has(url),
    documentSeen: (pageUrl) => documents.has(pageUrl),
  };
}

function isDocument(c: CapturedResource): boolean {
  return c.destination === 'document' || c.destination === 'iframe' || /^text\/html\b/i.test(contentType(c));
}

function contentType(c: CapturedResource): string {
  return (c.headers.find(([n]) => n === 'content-type')?.[1] ?? '').trim();
}

function kindOf(c: CapturedResource): BodyKind | undefined {
  const type = contentType(c).toLowerCase();
  if (/html|xhtml/.test(type)) return 'html';
  if (/javascript|ecmascript|typescript/.test(type)) return 'script';
  if (/json/.test(type)) return 'json';
  if (/css/.test(type)) return 'css';
  if (/^text\/|xml|svg/.test(type)) return 'text';
  if (!type && (c.destination === 'script')) return 'script';
  return undefined;
}

async function textOf(store: VerbatimStore, sessionId: string, c: CapturedResource): Promise<{ kind: BodyKind; text: string } | undefined> {
  const kind = kindOf(c);
  if (!kind || !c.body || c.body.size === 0) return undefined;
  const bytes = await store.getBlob(c.body.digest, c.body.sealed ? sessionId : undefined);
  if (!bytes) return undefined;
  const encodings = parseEncodings(c.body.encoding);
  if (!canDecode(encodings)) return undefined;
  try {
    return { kind, text: decodeBody(bytes, encodings, c.body.truncated).toString('utf8') };
  } catch {
    return undefined;
  }
}
