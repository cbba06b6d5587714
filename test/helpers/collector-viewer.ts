/**
 * A viewer with the kiosk collector served on its port, as `verbatim start` wires them: the collector's uploads go
 * through an ingest pipeline of their own (default masking policy), the viewer serves its paths.
 */
import { CollectorRoutes } from '../../proxy/collector/routes';
import type { TerminalRegistry } from '../../proxy/collector/terminals';
import { IngestPipeline } from '../../proxy/ingest/pipeline';
import { DEFAULT_POLICY, type MaskingPolicy } from '../../proxy/masking/index';
import { startViewer, type Viewer, type ViewerOptions } from '../../replay-viewer/server';
import type { VerbatimStore } from '../../store/store';

export async function startCollectorViewer(
  options: Omit<ViewerOptions, 'collector'> & { store: VerbatimStore; terminals: TerminalRegistry; masking?: MaskingPolicy; maxBlobBytes?: number },
): Promise<Viewer & { ingest: IngestPipeline }> {
  const { terminals, masking, maxBlobBytes, ...viewerOptions } = options;
  const ingest = new IngestPipeline({ store: options.store, masking: masking ?? DEFAULT_POLICY });
  const collector = new CollectorRoutes(ingest, { terminals, ...(maxBlobBytes !== undefined ? { maxBlobBytes } : {}) });
  const viewer = await startViewer({ ...viewerOptions, collector });
  return {
    ...viewer,
    ingest,
    close: async () => {
      await viewer.close();
      await ingest.close();
    },
  };
}
