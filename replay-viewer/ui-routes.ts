/**
 * The single-page UI: index.html for `/` and `/sessions/<id>` (app.js routes on
 * the client) and the built assets from `uiDir` (dist/viewer, see scripts/build.ts).
 * Files are read per request so a rebuild needs no restart.
 *
 * The page names each asset with its content's tag (`/assets/styles.css?v=<tag>`), and an asset asked for with
 * its current tag is cached as immutable: a new tab takes the stylesheets and app.js from the browser's cache
 * without a revalidation round trip (the page's parsing and first frame wait for the stylesheets). A rebuild
 * changes the tag, so it is still seen at once; an asset asked for without its current tag is revalidated.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VerbatimError } from '../store/errors';
import { baseHeaders, uiCsp } from './http-responses';
import { isValidSessionId } from './replay/archive-url';
import { eventSelectOf, eventStreamUrl } from './replay/event-stream-url';
import type { RouteContext } from './route-table';
import { pageKeyframeElement, type PageKeyframe } from './replay/keyframe/page-keyframe';

const ASSETS: Record<string, { file: string; type: string }> = {
  'app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  'rrweb.css': { file: 'rrweb.css', type: 'text/css; charset=utf-8' },
  'styles.css': { file: 'styles.css', type: 'text/css; charset=utf-8' },
};
const PAGE = { file: 'index.html', type: 'text/html; charset=utf-8' };
/** A player page's head script, inlined (ui/early-requests.ts): a request of its own would arrive with app.js. */
const EARLY_REQUESTS = 'early-requests.js';

/**
 * The longest a player page waits for its keyframe (a session's events not yet cached: read from the store first);
 * past it the page goes without, and its event stream brings the keyframe (ui/keyframe-view.ts).
 */
const PAGE_KEYFRAME_WAIT_MS = 150;

export interface UiOptions {
  /** The player page asks for a keyframe (false only for a UI built before keyframes: a bench's baseline). */
  keyframe: boolean;
  /**
   * The deep link's keyframe for the player page's own HTML, when its user may replay the session (server.ts: the
   * events route's rule, audited as its read); undefined otherwise.
   */
  pageKeyframe?: (ctx: RouteContext) => Promise<PageKeyframe | undefined>;
  onError?: (err: unknown) => void;
}

/** What a player page (`/sessions/<id>`) adds to the UI page. */
interface PlayerPage {
  sessionId: string;
  /** The URL of its events (event-stream-url.ts), with a keyframe line: preloaded when no keyframe may follow. */
  events: string;
  /** The head script (ui/early-requests.ts), inlined; absent from a bare UI dir (some tests). */
  early?: string;
  /**
   * Builds the page's keyframe, once the page up to it has been sent: the keyframe (or nothing) then ends the page.
   * The browser meanwhile starts its renderer, parses the head, takes the stylesheets from its cache and runs the
   * head script (~70 ms on this machine before any of our code runs in a new tab), in parallel with the build here
   * instead of after it. (Started before the write, the build's synchronous part would run first.)
   */
  keyframe?: () => Promise<PageKeyframe | undefined>;
}

export class UiRoutes {
  /** Content tags of the assets by file, with the stat they were computed for. */
  private readonly tags = new Map<string, { mtimeMs: number; size: number; tag: string }>();

  constructor(private readonly uiDir: string, private readonly opts: UiOptions = { keyframe: true }) {}

  /** `/` and `/sessions/<id>`: the page; the client routes. */
  async page(ctx: RouteContext): Promise<void> {
    const { req, res, params, pathname } = ctx;
    if (params.id !== undefined && !isValidSessionId(params.id)) throw new VerbatimError('BAD_REQUEST', 'Malformed session id');
    const player = params.id !== undefined && !pathname.endsWith('/live') ? await this.playerPage(ctx, params.id) : undefined;
    await this.send(req, res, PAGE, player);
  }

  /** What a player page adds to the UI page: its head script, its keyframe, the URL of its events. */
  private async playerPage(ctx: RouteContext, sessionId: string): Promise<PlayerPage> {
    // Absent from a bare UI dir (some tests): no keyframe then either, nothing would paint it.
    const early = await readFile(path.join(this.uiDir, EARLY_REQUESTS), 'utf8').catch(() => undefined);
    const keyframe = early && this.opts.keyframe && this.opts.pageKeyframe ? () => this.keyframeFor(ctx) : undefined;
    // The events bring the keyframe when the page does not (with one to follow, the head script asks for them).
    return { sessionId, early, keyframe, events: eventStreamUrl(sessionId, { ...eventSelectOf(ctx.query), keyframe: this.opts.keyframe }) };
  }

  /** The page's keyframe, unless it takes longer than the events would (or fails: the page never does for it). */
  private async keyframeFor(ctx: RouteContext): Promise<PageKeyframe | undefined> {
    if (!this.opts.pageKeyframe) return undefined;
    const pending = this.opts.pageKeyframe(ctx).catch((err: unknown) => {
      this.opts.onError?.(err);
      return undefined;
    });
    const done = new AbortController();
    const late = sleep(PAGE_KEYFRAME_WAIT_MS, undefined, { signal: done.signal }).catch(() => undefined);
    try {
      return await Promise.race([pending, late]);
    } finally {
      done.abort();
    }
  }

  /** `/assets/<name>` */
  async asset({ req, res, params, query }: RouteContext): Promise<void> {
    const entry = Object.hasOwn(ASSETS, params.name!) ? ASSETS[params.name!] : undefined;
    if (!entry) throw new VerbatimError('NOT_FOUND', 'Not found');
    await this.send(req, res, entry, undefined, query.get('v') ?? undefined);
  }

  /** An asset's content tag, recomputed when its file changed (a rebuild); undefined when it cannot be read. */
  private async tagOf(file: string): Promise<string | undefined> {
    const full = path.join(this.uiDir, file);
    const info = await stat(full).catch(() => undefined);
    if (!info) return undefined;
    const known = this.tags.get(file);
    if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) return known.tag;
    const body = await readFile(full).catch(() => undefined);
    if (!body) return undefined;
    const tag = contentTag(body);
    this.tags.set(file, { mtimeMs: info.mtimeMs, size: info.size, tag });
    return tag;
  }

  /** The page's asset URLs with their content tags (see the header). */
  private async withAssetTags(html: string): Promise<string> {
    const tags = new Map<string, string | undefined>();
    for (const [name, { file }] of Object.entries(ASSETS)) tags.set(name, await this.tagOf(file));
    return html.replace(/(["'])\/assets\/([\w.-]+)\1/g, (whole, quote: string, name: string) => {
      const tag = tags.get(name);
      return tag ? `${quote}/assets/${name}?v=${tag}${quote}` : whole;
    });
  }

  private async send(req: IncomingMessage, res: ServerResponse, entry: { file: string; type: string }, player?: PlayerPage, askedTag?: string): Promise<void> {
    let body: Buffer;
    try {
      body = await readFile(path.join(this.uiDir, entry.file));
    } catch (err) {
      throw new VerbatimError('CONFIG_INVALID', 'The viewer UI is not built (run scripts/build.ts)', { file: entry.file }, { cause: err });
    }
    // The page's script tags get this response's nonce; nothing else may run (http-responses.ts, uiCsp).
    let nonce: string | undefined;
    /** The end of a page whose keyframe follows (written once the keyframe is ready). */
    let rest: string | undefined;
    if (entry === PAGE) {
      nonce = randomBytes(18).toString('base64');
      let html = body.toString('utf8').replace(/<script (?=[^>]*src="\/assets\/app\.js")/, `<script nonce="${nonce}" `);
      if (player) {
        const { early, keyframe } = player;
        // A replay: the browser asks for its events while it loads the script (the player's fetch is handed the
        // answer); with the keyframe in the page, the head script asks for them once it is painted (no preload).
        const link = keyframe ? '' : `<link rel="preload" as="fetch" crossorigin href="${player.events.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}">\n`;
        // After the preload, so its fetch is handed the preloaded answer; before the stylesheets, which would hold an
        // inline script until they are loaded.
        const script = early ? `  <script nonce="${nonce}">${early.trim().replace(/<\/script/gi, '<\\/script')}</script>\n` : '';
        // With a keyframe, app.js is fetched now but run by the head script once the keyframe is painted (its
        // compilation would hold the main thread meanwhile): a preload in place of the deferred script.
        let app = '';
        const deferred = /[ \t]*<script nonce="[^"]*" src="\/assets\/app\.js" defer><\/script>\n?/;
        if (early && this.opts.keyframe && deferred.test(html)) {
          html = html.replace(deferred, '');
          app = `  <link rel="preload" as="script" href="/assets/app.js" nonce="${nonce}" data-verbatim-app>\n`;
        }
        const at = html.search(/<link rel="stylesheet"|<\/head>/);
        html = `${html.slice(0, at)}${link}${app}${script}  ${html.slice(at)}`;
      }
      // Tagged before any keyframe goes in: recorded content (a page naming '/assets/app.js') is never rewritten.
      html = await this.withAssetTags(html);
      if (player?.keyframe && html.includes('</body>')) {
        // Last: the early requests leave before the keyframe's bytes are parsed; the head script looks for it once the
        // page is parsed (ui/early-requests.ts). The session id is a valid one (checked above): [A-Za-z0-9_-] only,
        // safe in an attribute.
        html = html.replace(/<html(?=[\s>])/, () => `<html data-keyframe-follows="${player.sessionId}"`);
        const end = html.lastIndexOf('</body>');
        rest = html.slice(end);
        html = html.slice(0, end);
      }
      body = Buffer.from(html);
    }
    baseHeaders(res);
    res.setHeader('Content-Security-Policy', uiCsp(nonce));
    res.setHeader('Cache-Control', 'no-cache');
    if (entry !== PAGE) {
      const tag = contentTag(body);
      // Asked for by its current tag: that URL's content never changes.
      if (askedTag === tag) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      // Otherwise revalidated on every load (a rebuild is seen at once), but an unchanged asset is a 304: the browser
      // keeps its copy and, for app.js, the code V8 compiled for it (Chromium's code cache), which a fresh copy would lose.
      const etag = `"${tag}"`;
      res.setHeader('ETag', etag);
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304);
        return void res.end();
      }
    }
    res.setHeader('Content-Type', entry.type);
    const following = rest !== undefined ? player?.keyframe : undefined;
    if (!following) {
      res.setHeader('Content-Length', body.length);
      res.writeHead(200);
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    // The page up to its keyframe now, the keyframe (or nothing: the head script then asks the events for it) and
    // the page's end once ready (keyframeFor never rejects, and gives up after PAGE_KEYFRAME_WAIT_MS).
    res.writeHead(200);
    if (req.method === 'HEAD') return void res.end();
    res.write(body);
    // The write goes out when the socket is uncorked (a tick later): a build whose reads are all cached would run
    // in promise jobs ahead of it.
    await new Promise((resolve) => setImmediate(resolve));
    const keyframe = await following();
    res.end(`${keyframe ? `  ${pageKeyframeElement(keyframe)}\n` : ''}${rest}`);
  }
}

/** A file's content tag: its SHA-256, 27 base64url characters (the ETag's value and the URL's `v`). */
function contentTag(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 27);
}
