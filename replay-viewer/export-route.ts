/**
 * GET /api/sessions/<id>/export?format=html|wacz|har (html when absent): one session
 * as a download. What goes into the file is the injected exporter's business
 * (scripts/export, wired by the CLI: the viewer never imports scripts/); the gate
 * has already checked the export permission and written the audit entry.
 */
import type { VerbatimStore } from '../store/store';
import { VerbatimError } from '../store/errors';
import { isValidSessionId } from './replay/archive-url';
import { sendAttachment } from './http-responses';
import type { RouteContext } from './route-table';

export const EXPORT_FORMATS = ['html', 'wacz', 'har'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportFile {
  filename: string;
  contentType: string;
  body: Uint8Array;
}

/** Builds one session's export; throws a VerbatimError (e.g. SESSION_UNKNOWN) when it cannot. */
export type SessionExporter = (sessionId: string, format: ExportFormat) => Promise<ExportFile>;

export class ExportRoute {
  constructor(private readonly store: VerbatimStore, private readonly exporter: SessionExporter) {}

  async handle({ req, res, params, query }: RouteContext): Promise<void> {
    const id = params.id!;
    if (!isValidSessionId(id)) throw new VerbatimError('BAD_REQUEST', 'Malformed session id');
    const format = query.get('format') || 'html';
    if (!isExportFormat(format)) throw new VerbatimError('BAD_REQUEST', `format must be one of ${EXPORT_FORMATS.join(', ')}`);
    if (!(await this.store.getSession(id))) throw new VerbatimError('SESSION_UNKNOWN', 'No such session', { sessionId: id });
    sendAttachment(req, res, await this.exporter(id, format));
  }
}

function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}
