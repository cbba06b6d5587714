/**
 * What `verbatim start` gives the viewer's administrator screen (replay-viewer/admin/): the kiosk terminal registry
 * behind the viewer's TerminalAdmin port, and the policy in force as a read-only view saying which flag sets it.
 * Terminal enrolment and revocation are compare-and-swap changes of the registry's shared document
 * (proxy/collector/terminals.ts), so the screen, the CLI and other instances never drop each other's changes.
 */
import type { PolicyView, TerminalAdmin } from '../replay-viewer/admin/admin-ports';
import type { TerminalRegistry } from '../proxy/collector/terminals';
import type { MaskingPolicy } from '../proxy/masking/index';
import type { RetentionPolicy } from '../store/records';

/** Enrolment and revocation (the CLI's `verbatim terminals` uses these too). */
export const enrolTerminal = (registry: TerminalRegistry, id: string): Promise<string> => registry.add(id);
export const revokeTerminal = (registry: TerminalRegistry, id: string): Promise<boolean> => registry.revoke(id);

export function terminalAdmin(registry: TerminalRegistry): TerminalAdmin {
  return {
    async list() {
      const statuses = await registry.statusOf();
      return (await registry.list()).map((t) => {
        const s = statuses[t.id] ?? {};
        const r = s.report;
        return {
          id: t.id, createdAt: t.createdAt, revokedAt: t.revokedAt, lastSeenAt: s.lastSeenAt, reportedAt: s.reportedAt,
          tokenRefusedAt: s.tokenRefusedAt,
          ...(r ? {
            queue: r.queue, dropped: { items: r.dropped.items, bytes: r.dropped.bytes }, lastUploadAt: r.lastUploadAt,
            ...(r.lastError ? { lastError: { at: r.lastError.at, message: r.lastError.message } } : {}),
          } : {}),
        };
      });
    },
    enrol: (id) => enrolTerminal(registry, id),
    revoke: (id) => revokeTerminal(registry, id),
  };
}

export function policyView(retention: RetentionPolicy | undefined, masking: MaskingPolicy, maskingFile: string, maskingDefaults: boolean): PolicyView {
  return {
    retention: {
      days: retention && Object.keys(retention).length ? { ...retention } as Record<string, number> : null,
      setBy: '--retention proxy=DAYS,kiosk=DAYS,gateway=DAYS and --retention-days N (or VERBATIM_RETENTION, VERBATIM_RETENTION_DAYS) at `verbatim start`',
    },
    masking: {
      file: maskingFile, defaults: maskingDefaults,
      detectors: { cards: masking.detectors.cards, ibans: masking.detectors.ibans, securityCodes: masking.securityCodes },
      fields: [...masking.fields], maskSelectors: masking.maskSelectors, blockSelectors: masking.blockSelectors,
      maskInputTypes: [...masking.maskInputTypes], jsonPaths: masking.jsonPaths.map((p) => p.join('.')),
      patterns: (masking.file.patterns ?? []).map((p, i) => ({ name: p.name ?? `pattern ${i + 1}`, regex: p.regex })),
      setBy: '--masking FILE (or VERBATIM_MASKING; default <data>/masking.json, docs/MASKING.md), read at `verbatim start`',
    },
    changes: 'Read at start and applied to every channel from then on: change the flag or file and restart Verbatim. '
      + 'Changing them here is not supported, so that a running recorder never masks two pages of one session differently.',
  };
}
