/**
 * POST /collect/v1/status: a kiosk terminal reports its queue and last upload
 * error (recorder/protocol.ts, TerminalStatusReport), stored with the terminal
 * registry (terminals.ts) for `verbatim terminals list`.
 *
 * Authenticated by the terminal's bearer token like every collector request; the
 * token decides which terminal it is. One exception, because it is the case IT
 * most needs to see: a report whose token the collector does not accept, naming
 * a registered terminal id, is answered 401 as usual but notes the time on that
 * terminal ("token refused"). Nothing from such a request is stored but the time,
 * so a forger can at most make a terminal look misconfigured.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TerminalStatusReport } from '../../recorder/protocol';
import { VerbatimError } from '../../store/errors';
import { readJson, sendJson } from './body';
import { TERMINAL_ID, type TerminalRegistry } from './terminals';

const LIMIT = 16 * 1024;

export class CollectorStatusRoute {
  constructor(private readonly terminals: TerminalRegistry) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw new VerbatimError('NOT_FOUND', 'No such collector endpoint or method');
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const terminal = m ? await this.terminals.verify(m[1]!) : undefined;
    const body = await readJson(req, LIMIT);
    if (!terminal) {
      const named = body.terminalId;
      if (typeof named === 'string' && TERMINAL_ID.test(named) && (await this.terminals.has(named))) {
        await this.terminals.updateStatus(named, (s) => ({ ...s, tokenRefusedAt: Date.now() }));
      }
      throw new VerbatimError('UNAUTHORIZED', m ? 'unknown or revoked terminal token' : 'Authorization: Bearer <terminal token> required');
    }
    const report = parseReport(body);
    await this.terminals.updateStatus(terminal, (s) => ({ ...s, report, reportedAt: Date.now(), tokenRefusedAt: undefined }));
    sendJson(res, 200, { terminal, stored: true });
  }
}

const count = (v: unknown): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : 0);
const time = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : undefined);
const text = (v: unknown, max: number): string | undefined => (typeof v === 'string' ? v.slice(0, max) : undefined);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {});

/** Keeps the known fields only, bounded; anything else in the body is ignored. */
export function parseReport(body: Record<string, unknown>): TerminalStatusReport {
  const queue = obj(body.queue);
  const dropped = obj(body.dropped);
  const e = body.lastError === undefined ? undefined : obj(body.lastError);
  if (typeof body.terminalId !== 'string') throw new VerbatimError('PAYLOAD_INVALID', 'terminalId must be a string');
  return {
    terminalId: body.terminalId.slice(0, 64),
    extensionVersion: text(body.extensionVersion, 32),
    configSource: text(body.configSource, 16),
    queue: { items: count(queue.items), bytes: count(queue.bytes), oldestAt: time(queue.oldestAt) },
    dropped: { items: count(dropped.items), bytes: count(dropped.bytes), events: count(dropped.events) },
    refused: count(body.refused),
    lastUploadAt: time(body.lastUploadAt),
    lastError: e && {
      at: time(e.at) ?? 0,
      kind: text(e.kind, 16) ?? '',
      status: Number.isInteger(e.status) ? e.status as number : undefined,
      code: text(e.code, 64),
      message: text(e.message, 500) ?? '',
    },
  };
}
