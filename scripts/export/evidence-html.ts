/**
 * `verbatim export`: one self-contained, signed HTML evidence file for a
 * session. The replay half is what the viewer shows (the replay library's events
 * and archive answers, called directly), with every archive URL replaced by a
 * data: URL; the proof half comes from store/integrity/evidence.ts. An Ed25519
 * signature by the store's checkpoint key over the whole file ends it.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMiss, parseArchiveTarget, ReplayLibrary, type FidelityReport } from '../../replay-viewer/replay/index';
import { LevelStore } from '../../store/level/level-store';
import type { StoreBase } from '../../store/base/store-base';
import { EVIDENCE_SCRIPT_ID, FIDELITY_SCRIPT_ID, VERSIONS_SCRIPT_ID, signatureBlock } from '../../store/integrity/evidence-verify';
import { sessionVersions } from '../../replay-viewer/analytics/versions/session-versions';
import { loadOrCreateSigningKey } from '../../store/integrity/signing-key';
import { VerbatimError } from '../../store/errors';
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
  /** The replay's fidelity score (replay-viewer/replay/fidelity.ts), also signed into the file. */
  fidelity: number;
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
 * running one: the viewer's export button). The replay half comes from the replay
 * library, the proof half from store.evidence().
 */
export async function evidenceFile(
  store: StoreBase, keysDir: string, sessionId: string, options: EvidenceOptions = {},
): Promise<Omit<ExportResult, 'file'> & { html: string }> {
  const session = await store.getSession(sessionId);
  if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
  const title = session.pages[0]?.url ?? sessionId;
  const library = new ReplayLibrary(store);
  const replay = await inlineReplay(library, sessionId, options.onProgress);
  // Signed with the rest: how far the replay in this file can be trusted, as the viewer's badge says.
  const fidelity = await library.fidelity(session);
  // Signed too: which build of the site each page load was served (analytics/versions/).
  const [batches, captures] = await Promise.all([store.readEvents(sessionId), store.listCaptures(sessionId)]);
  const versions = sessionVersions(batches, captures);
  const proof = await store.evidence(sessionId);
  const key = await loadOrCreateSigningKey(keysDir);
  const { script, css } = await loadPlayer();
  const html = page({
    title, sessionId, keyId: key.keyId.toString('hex'), checkpoint: proof.checkpoint.seq, css,
    proofJson: json(proof), eventsJson: replay.events, resourcesJson: json(replay.resources), script,
    fidelityJson: json(fidelity), fidelityText: fidelityLine(fidelity), versionsJson: json({ pages: versions }),
  });
  const signed = html + signatureBlock(html, key);
  return {
    html: signed, bytes: Buffer.byteLength(signed), resources: replay.resources.length, missing: replay.missing.length,
    missingUrls: replay.missing, events: replay.count, fidelity: fidelity.score,
  };
}

function fidelityLine(f: FidelityReport): string {
  const c = f.counts;
  return `replay fidelity ${f.score}/100${f.full ? ' (every resource from this session)' : ''}: ${c.own} own, ${c.borrowed} borrowed, ${c.loose} loose, ${c.missing} missing`;
}

/** The viewer's events for the session's first tab, every archived resource turned into a data: URL. */
async function inlineReplay(
  library: ReplayLibrary, sessionId: string, onProgress?: (done: number, total: number) => void,
): Promise<{ events: string; resources: string[]; missing: string[]; count: number }> {
  const { events } = await library.sessionEvents(await library.session(sessionId));
  const cache = new Map<string, Promise<string | undefined>>();
  const missing: string[] = [];
  let resolved = 0;
  // `within`: the stylesheets this one is inlined into (an @import cycle must not wait for itself).
  const resolve = (url: string, within: readonly string[]): Promise<string | undefined> => {
    if (within.includes(url) || within.length > 4) return Promise.resolve(undefined);
    let pending = cache.get(url);
    if (!pending) {
      pending = inline(url, [...within, url], 0).finally(() => onProgress?.(++resolved, cache.size));
      cache.set(url, pending);
    }
    return pending;
  };
  const inline = async (url: string, within: readonly string[], redirects: number): Promise<string | undefined> => {
    const target = parseArchiveTarget(url);
    const answer = target ? await library.resource(target) : undefined;
    const location = answer && !isMiss(answer) && answer.status >= 300 && answer.status < 400
      ? answer.headers.find(([k]) => k === 'location')?.[1] : undefined;
    if (location?.startsWith('/archive/') && redirects < 4) return inline(location, within, redirects + 1);
    // What a browser would not show either: a miss, or an answer that is not a success.
    if (!answer || isMiss(answer) || answer.status < 200 || answer.status > 299) {
      missing.push(url.replace(/^\/archive\/[^/]+\/\d+\//, ''));
      return undefined;
    }
    const contentType = answer.headers.find(([k]) => k === 'content-type')?.[1];
    const type = (contentType ?? 'application/octet-stream').split(';')[0]!.trim().replace(/[^\w.+/-]/g, '');
    if (type === 'text/css') {
      const css = await replaceAsync(answer.body.toString('utf8'), ARCHIVE_IN_CSS, async (u) => (await resolve(u, within)) ?? u);
      return `data:text/css;charset=utf-8;base64,${Buffer.from(css).toString('base64')}`;
    }
    return `data:${type};base64,${answer.body.toString('base64')}`;
  };
  const table: string[] = [];
  const index = new Map<string, number>();
  const text = await replaceAsync(JSON.stringify(events), ARCHIVE_IN_JSON, async (url) => {
    const data = await resolve(url, []);
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
  proofJson: string; eventsJson: string; resourcesJson: string; script: string; fidelityJson: string; fidelityText: string;
  versionsJson: string;
}): string {
  // The player is the file's only script, allowed by its hash: the replay (and any frame a recording
  // holds) inherits this policy, so nothing recorded could run even outside rrweb's sandbox.
  const script = p.script.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'; style-src 'unsafe-inline' data:; img-src data: blob:; font-src data:; media-src data:; frame-src 'self' about:; base-uri 'none'; form-action 'none'">
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
<span id="fidelity">${escapeHtml(p.fidelityText)}</span>
<span>sealed in checkpoint #${p.checkpoint}, key ${p.keyId} — check with: verbatim verify --file &lt;this file&gt;</span></header>
<div id="stage"></div>
<script type="application/json" id="${EVIDENCE_SCRIPT_ID}">${p.proofJson}</script>
<script type="application/json" id="verbatim-events">${p.eventsJson}</script>
<script type="application/json" id="verbatim-resources">${p.resourcesJson}</script>
<script type="application/json" id="${FIDELITY_SCRIPT_ID}">${p.fidelityJson}</script>
<script type="application/json" id="${VERSIONS_SCRIPT_ID}">${p.versionsJson}</script>
<script>${script}</script>
</body></html>`;
}
