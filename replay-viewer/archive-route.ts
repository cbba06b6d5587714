/**
 * GET /archive/<sessionId>/<ts>/<absolute-original-url>: the bytes the customer's
 * browser received for that URL at that moment, never the live site's (the replay
 * library resolves the capture and builds the answer). Our security headers are
 * set last, so no captured header can replace them: archived documents are
 * sandboxed without scripts (ARCHIVE_CSP), and nosniff always holds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VerbatimError } from '../store/errors';
import { ARCHIVE_CSP, baseHeaders, sendText } from './http-responses';
import { isMiss, parseArchiveTarget, type ReplayLibrary } from './replay/index';

export class ArchiveRoute {
  constructor(private readonly replay: ReplayLibrary) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = parseArchiveTarget(req.url ?? '');
    if (!target) throw new VerbatimError('BAD_REQUEST', 'Malformed archive URL: expected /archive/<sessionId>/<epoch-ms>/<absolute http(s) URL>');
    const answer = await this.replay.resource(target, { acceptEncoding: req.headers['accept-encoding'] });
    if (isMiss(answer)) {
      sendText(req, res, 404, answer.message, { 'X-Verbatim-Miss': answer.miss });
      return;
    }
    for (const [name, value] of answer.headers) res.setHeader(name, value);
    if (answer.truncated) res.setHeader('X-Verbatim-Truncated', '1');
    if (answer.encodings.length) {
      res.setHeader('Content-Encoding', answer.encodings.join(', '));
      res.setHeader('Vary', 'Accept-Encoding');
    }
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'private, max-age=3600');
    baseHeaders(res);
    res.setHeader('Content-Security-Policy', ARCHIVE_CSP);

    const { status } = answer;
    const bodyless = req.method === 'HEAD' || status === 204 || status === 304;
    if (status !== 204 && status !== 304) res.setHeader('Content-Length', answer.body.length);
    res.writeHead(status, answer.statusText);
    res.end(bodyless ? undefined : answer.body);
  }
}
