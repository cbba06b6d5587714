/**
 * `verbatim export`: one self-contained, signed HTML evidence file for a
 * session. The replay half is what the viewer would show (its events API and
 * archive route, run in-process), with every archive URL replaced by a data:
 * URL; the proof half comes from store/integrity/evidence.ts. An Ed25519
 * signature by the store's checkpoint key over the whole file ends it.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startViewer } from '../../replay-viewer/server';
import { LevelStore } from '../../store/level/level-store';
import { EVIDENCE_SCRIPT_ID, signatureBlock } from '../../store/integrity/evidence-verify';
import { loadOrCreateSigningKey } from '../../store/integrity/signing-key';
import { VerbatimError } from '../../store/errors';
import { distDir } from '../dist-dir';
import { loadPlayer } from './player-bundle';

const ARCHIVE_IN_JSON = /\/archive\/[A-Za-z0-9_-]{1,128}\/\d{1,15}\/https?:\/\/[^"'\s\\)]*/g;
const ARCHIVE_IN_CSS = /\/archive\/[A-Za-z0-9_-]{1,128}\/\d{1,15}\/https?:\/\/[^"'\s\\)]*/g;

export interface ExportResult {
  file: string;
  bytes: number;
  resources: number;
  missing: number;
  /** The original URLs of the resources not in the archive (the replay shows them as the browser would a failed load). */
  missingUrls: string[];
  events: number;
}

export interface EvidenceOptions {
  /** Resources inlined so far, of those found so far (a stylesheet's own URLs add to the total). */
  onProgress?: (done: number, total: number) => void;
}

/** Writes the evidence file of a session from a stopped Verbatim's data dir (`verbatim export`). */
export async function exportEvidence(dataDir: string, sessionId: string, out: string, options: EvidenceOptions = {}): Promise<ExportResult> {
  const keysDir = path.join(dataDir, 'keys');
  const store = new LevelStore(path.join(dataDir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  await store.open();
  try {
    const { html, ...result } = await evidenceFile(store, keysDir, sessionId, options);
    await writeFile(out, html);
    return { file: out, ...result };
  } finally {
    await store.close();
  }
}

/**
 * The signed evidence file of a session, read through an open store (also the
 * running one: the viewer's export button). The replay half comes from an
 * in-process viewer on a loopback port, the proof half from store.evidence().
 */
export async function evidenceFile(
  store: LevelStore, keysDir: string, sessionId: string, options: EvidenceOptions = {},
): Promise<Omit<ExportResult, 'file'> & { html: string }> {
  const session = await store.getSession(sessionId);
  if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
  const title = session.pages[0]?.url ?? sessionId;
  // A private viewer for this export alone: loopback, and only callers holding this one-off secret.
  const bearer = randomBytes(32).toString('base64url');
  const viewer = await startViewer({ store, port: 0, uiDir: path.join(distDir, 'viewer'), bearer });
  let replay: { events: string; resources: string[]; missing: string[]; count: number };
  try {
    replay = await inlineReplay(viewer.url, sessionId, { authorization: `Bearer ${bearer}` }, options.onProgress);
  } finally {
    await viewer.close();
  }
  const proof = await store.evidence(sessionId);
  const key = await loadOrCreateSigningKey(keysDir);
  const { script, css } = await loadPlayer();
  const html = page({
    title, sessionId, keyId: key.keyId.toString('hex'), checkpoint: proof.checkpoint.seq, css,
    proofJson: json(proof), eventsJson: replay.events, resourcesJson: json(replay.resources), script,
  });
  const signed = html + signatureBlock(html, key);
  return { html: signed, bytes: Buffer.byteLength(signed), resources: replay.resources.length, missing: replay.missing.length, missingUrls: replay.missing, events: replay.count };
}

/** The viewer's events for the session's first tab, every archived resource turned into a data: URL. */
async function inlineReplay(
  viewerUrl: string, sessionId: string, headers: Record<string, string>, onProgress?: (done: number, total: number) => void,
): Promise<{ events: string; resources: string[]; missing: string[]; count: number }> {
  const res = await fetch(`${viewerUrl}/api/sessions/${encodeURIComponent(sessionId)}/events`, { headers });
  if (!res.ok) throw new VerbatimError('NOT_FOUND', `the viewer could not load the session's events (${res.status})`, { sessionId });
  const { events } = await res.json() as { events: unknown[] };
  const cache = new Map<string, Promise<string | undefined>>();
  const missing: string[] = [];
  let resolved = 0;
  const resolve = (url: string, depth: number): Promise<string | undefined> => {
    let pending = cache.get(url);
    if (!pending) {
      pending = (async () => {
        const r = await fetch(`${viewerUrl}${url}`, { headers });
        if (!r.ok) {
          missing.push(url.replace(/^\/archive\/[^/]+\/\d+\//, ''));
          return undefined;
        }
        const type = (r.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim().replace(/[^\w.+/-]/g, '');
        let bytes = Buffer.from(await r.arrayBuffer());
        if (type === 'text/css' && depth < 4) {
          bytes = Buffer.from(await replaceAsync(bytes.toString('utf8'), ARCHIVE_IN_CSS, async (u) => (await resolve(u, depth + 1)) ?? u));
          return `data:text/css;charset=utf-8;base64,${bytes.toString('base64')}`;
        }
        return `data:${type};base64,${bytes.toString('base64')}`;
      })().finally(() => onProgress?.(++resolved, cache.size));
      cache.set(url, pending);
    }
    return pending;
  };
  const table: string[] = [];
  const index = new Map<string, number>();
  const text = await replaceAsync(JSON.stringify(events), ARCHIVE_IN_JSON, async (url) => {
    const data = await resolve(url, 0);
    if (!data) return url;
    let n = index.get(data);
    if (n === undefined) {
      n = table.push(data) - 1;
      index.set(data, n);
    }
    return `verbatim-res:${n}`;
  });
  return { events: text.replace(/</g, '\\u003c'), resources: table, missing, count: events.length };
}

async function replaceAsync(text: string, pattern: RegExp, fn: (match: string) => Promise<string>): Promise<string> {
  const matches = [...new Set(text.match(pattern) ?? [])];
  const replacements = new Map(await Promise.all(matches.map(async (m) => [m, await fn(m)] as const)));
  return text.replace(pattern, (m) => replacements.get(m) ?? m);
}

function json(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(p: {
  title: string; sessionId: string; keyId: string; checkpoint: number; css: string;
  proofJson: string; eventsJson: string; resourcesJson: string; script: string;
}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline' data:; img-src data:; font-src data:; media-src data:; frame-src 'self' about:">
<title>Verbatim evidence: session ${escapeHtml(p.sessionId)}</title>
<style>${p.css.replace(/<\//g, '<\\/')}
body { margin: 0; font: 14px system-ui, sans-serif; background: #f4f4f4; }
header { padding: 8px 12px; background: #1d2733; color: #fff; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
header input { width: 40vw; }
#stage { position: relative; margin: 12px; }
#stage iframe { border: 0; background: #fff; }
</style></head>
<body>
<header><strong>Verbatim evidence</strong><span>session ${escapeHtml(p.sessionId)}</span><span>${escapeHtml(p.title)}</span>
<button id="play" type="button">Play</button><input id="position" type="range" min="0" value="0"><span id="clock"></span>
<span>sealed in checkpoint #${p.checkpoint}, key ${p.keyId} — check with: verbatim verify --file &lt;this file&gt;</span></header>
<div id="stage"></div>
<script type="application/json" id="${EVIDENCE_SCRIPT_ID}">${p.proofJson}</script>
<script type="application/json" id="verbatim-events">${p.eventsJson}</script>
<script type="application/json" id="verbatim-resources">${p.resourcesJson}</script>
<script>${p.script.replace(/<\/script/gi, '<\\/script')}</script>
</body></html>`;
}
