/**
 * The player's export buttons, for roles that may export (compliance): the signed
 * evidence file (HTML; replays offline, `verbatim verify --file` checks it) and the
 * session's captures as WACZ or as HAR (DevTools and support tools import it). The server writes each export to the audit trail.
 */
import { getExport, type ExportFormat } from './api';
import { h } from './dom';

const LABELS: Record<ExportFormat, string> = { html: 'Export evidence (HTML)', wacz: 'Export captures (WACZ)', har: 'Export network (HAR)' };

export function exportActions(sessionId: string, say: (text: string) => void): HTMLElement {
  const button = (format: ExportFormat): HTMLButtonElement => {
    const el = h('button', { class: 'button small subtle', type: 'button', 'data-export': format, onclick: () => void download(el, format) }, LABELS[format]);
    return el;
  };
  const download = async (el: HTMLButtonElement, format: ExportFormat): Promise<void> => {
    el.disabled = true;
    try {
      const { blob, filename } = await getExport(sessionId, format);
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      say(`Exported ${filename}.`);
    } catch (err) {
      say(`Export failed: ${(err as Error).message}`);
    } finally {
      el.disabled = false;
    }
  };
  return h('span', { class: 'export-actions', role: 'group', 'aria-label': 'Export' }, button('html'), button('wacz'), button('har'));
}
