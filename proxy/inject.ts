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
export function injectIntoHead(html: string, tag: string, rewritePolicy?: PolicyRewriter): string {
  let head = html;
  if (rewritePolicy) {
    head = head.replace(META_CSP, (meta) => meta.replace(CONTENT_ATTR, (_m, prefix: string, _q, dq?: string, sq?: string) => {
      const raw = (dq ?? sq ?? '').replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      const rewritten = rewritePolicy(raw).replace(/&/g, '&amp;').replace(/"/g, '&quot;');
      return `${prefix}"${rewritten}"`;
    }));
  }
  const at = insertionPoint(head);
  return head.slice(0, at) + tag + head.slice(at);
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
 * A Transform that emits the rewritten head first, then passes everything through.
 * `onHead(delta)` fires once, before the first byte is pushed, with how many bytes
 * were added, so the caller can still fix Content-Length.
 */
export class HeadInjector extends Transform {
  private held: Buffer[] = [];
  private heldLength = 0;
  private done = false;

  constructor(
    private readonly tag: string,
    private readonly rewritePolicy: PolicyRewriter | undefined,
    private readonly onHead: (delta: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.done) return callback(null, chunk);
    this.held.push(chunk);
    this.heldLength += chunk.length;
    if (this.heldLength >= HEAD_LIMIT || HEAD_END.test(chunk.toString('latin1')) || this.heldSpansHeadEnd()) {
      this.release();
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (!this.done) this.release();
    callback();
  }

  private heldSpansHeadEnd(): boolean {
    // A marker split across two chunks: look at the joint only.
    if (this.held.length < 2) return false;
    const prev = this.held[this.held.length - 2];
    const last = this.held[this.held.length - 1];
    const joint = Buffer.concat([prev.subarray(Math.max(0, prev.length - 8)), last.subarray(0, 8)]);
    return HEAD_END.test(joint.toString('latin1'));
  }

  private release(): void {
    this.done = true;
    const original = Buffer.concat(this.held, this.heldLength);
    this.held = [];
    const rewritten = Buffer.from(injectIntoHead(original.toString('latin1'), this.tag, this.rewritePolicy), 'latin1');
    this.onHead(rewritten.length - original.length);
    this.push(rewritten);
  }
}
