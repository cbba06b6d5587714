/**
 * The viewer's export button (replay-viewer/export-route.ts) on the store of a
 * running `verbatim start`: the signed HTML evidence file (evidence-html.ts) or
 * the session's captures as WACZ (wacz.ts) or HAR (har.ts), all read through the open store.
 */
import type { ExportFile, SessionExporter } from '../../replay-viewer/export-route';
import type { StoreBase } from '../../store/base/store-base';
import { evidenceFile } from './evidence-html';
import { buildHar } from './har';
import { buildWacz } from './wacz';

export function sessionExporter(store: StoreBase, keysDir: string): SessionExporter {
  return async (sessionId, format): Promise<ExportFile> => {
    if (format === 'har') {
      return { filename: `verbatim-${sessionId}.har`, contentType: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(await buildHar(store, sessionId))) };
    }
    if (format === 'wacz') {
      return { filename: `verbatim-${sessionId}.wacz`, contentType: 'application/wacz', body: await buildWacz(store, sessionId) };
    }
    const { html } = await evidenceFile(store, keysDir, sessionId);
    return { filename: `verbatim-${sessionId}.html`, contentType: 'text/html; charset=utf-8', body: Buffer.from(html) };
  };
}
