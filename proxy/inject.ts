/**
 * Puts the recorder's <script> tag into an HTML document as it streams past.
 * Only the head is held back (until `</head>`, `<body` or 64 KiB); the rest flows
 * through untouched. Bytes are handled as latin1 so any ASCII-compatible charset
 * survives byte for byte. <meta http-equiv=Content-Security-Policy> policies in
 * the held part are adjusted like the header ones.
 */
import { Transform, type TransformCallback } from 'node:stream';

const HEAD_LIMIT = 64 * 1024;
const HEAD_END = /<\/head\s*>|<body[\s>]/i;
const HEAD_OPEN = /<head(?=[\s>/])[^>]*>/i;
const HTML_OPEN = /<html(?=[\s>/])[^>]*>/i;
const DOCTYPE = /<!doctype[^>]*>/i;
const META_CHARSET = /<meta\s[^>]*charset[^>]*>/i;
const META_CSP = /<meta\s[^>]*http-equiv\s*=\s*["']?content-security-policy(-report-only)?["']?[^>]*>/gi;
const CONTENT_ATTR = /(\scontent\s*=\s*)("([^"]*)"|'([^']*)')/i;

export type PolicyRewriter = (policy: string) => string;

/** Inserts `tag` into the head of `html` (a latin1 string) and rewrites meta CSPs. Pure; used by the stream below. */
export function injectIntoHead(html: string, tag: string | (() => string), rewritePolicy?: PolicyRewriter): string {
  let head = html;
  if (rewritePolicy) {
    head = head.replace(META_CSP, (meta) => meta.replace(CONTENT_ATTR, (_m, prefix: string, _q, dq?: string, sq?: string) => {
      const raw = (dq ?? sq ?? '').replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      const rewritten = rewritePolicy(raw).replace(/&/g, '&amp;').replace(/"/g, '&quot;');
      return `${prefix}"${rewritten}"`;
    }));
  }
  const at = insertionPoint(head);
  // The tag is built after the meta policies were seen: it may need the nonce they caused.
  return head.slice(0, at) + (typeof tag === 'string' ? tag : tag()) + head.slice(at);
}

function insertionPoint(html: string): number {
  const headOpen = HEAD_OPEN.exec(html);
  // A <meta charset> must stay within the first 1024 bytes, so go after it when it is early.
  const charset = META_CHARSET.exec(html);
  if (charset && charset.index < 1024 && (!headOpen || charset.index > headOpen.index)) {
    return charset.index + charset[0].length;
  }
  if (headOpen) return headOpen.index + headOpen[0].length;
  const htmlOpen = HTML_OPEN.exec(html);
  if (htmlOpen) return htmlOpen.index + htmlOpen[0].length;
  const doctype = DOCTYPE.exec(html);
  if (doctype) return doctype.index + doctype[0].length;
  // Skip a byte-order mark and leading whitespace/comments are fine to precede the tag.
  return html.charCodeAt(0) === 0xef ? 3 : 0;
}

/**
 * Holds the head of a document and rewrites it once its end is seen. `feed`
 * returns nothing while holding, then the bytes to send (rewritten head and
 * whatever followed it); after that the caller passes bytes through itself.
 */
export class HeadRewriter {
  private held: Buffer[] = [];
  private heldLength = 0;
  /** Bytes added by the rewrite, known once released. */
  delta = 0;

  constructor(
    private readonly tag: string | (() => string),
    private readonly rewritePolicy: PolicyRewriter | undefined,
  ) {}

  feed(chunk: Buffer): Buffer[] | undefined {
    const offset = this.heldLength;
    this.held.push(chunk);
    this.heldLength += chunk.length;
    const end = this.headEndIn(chunk, offset);
    if (end !== undefined) return this.release(end);
    if (this.heldLength >= HEAD_LIMIT) return this.release(this.heldLength);
    return undefined;
  }

  /** The stream ended while the head was still held. */
  finish(): Buffer[] {
    return this.release(this.heldLength);
  }

  /** Where the head ends (start of the `</head` or `<body` marker), in held-byte offsets. */
  private headEndIn(chunk: Buffer, offset: number): number | undefined {
    // Look a few bytes back too, for a marker split across two chunks.
    const back = Math.min(offset, 8);
    const window = back ? Buffer.concat([this.held[this.held.length - 2].subarray(-back), chunk]) : chunk;
    const m = HEAD_END.exec(window.toString('latin1', 0, Math.min(window.length, HEAD_LIMIT)));
    return m ? offset - back + m.index : undefined;
  }

  private release(headEnd: number): Buffer[] {
    const original = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldLength);
    this.held = [];
    const head = Buffer.from(injectIntoHead(original.toString('latin1', 0, headEnd), this.tag, this.rewritePolicy), 'latin1');
    this.delta = head.length - headEnd;
    return headEnd < original.length ? [head, original.subarray(headEnd)] : [head];
  }
}

/**
 * The same as a Transform, for bodies that must be decoded and re-encoded around it.
 * `onHead(delta)` fires once, before the first byte is pushed.
 */
export class HeadInjector extends Transform {
  private readonly rewriter: HeadRewriter;
  private done = false;

  constructor(tag: string | (() => string), rewritePolicy: PolicyRewriter | undefined, private readonly onHead: (delta: number) => void) {
    super();
    this.rewriter = new HeadRewriter(tag, rewritePolicy);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.done) return callback(null, chunk);
    const out = this.rewriter.feed(chunk);
    if (out) this.emitHead(out);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (!this.done) this.emitHead(this.rewriter.finish());
    callback();
  }

  private emitHead(out: Buffer[]): void {
    this.done = true;
    this.onHead(this.rewriter.delta);
    for (const b of out) this.push(b);
  }
}
