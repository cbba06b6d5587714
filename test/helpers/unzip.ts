/** Tests read ZIP files (extension packages, WACZ) with fflate: a reader apart from yazl, which writes them. */
import { unzipSync } from 'fflate';

/** name → bytes of every file in a ZIP archive. */
export function unzip(archive: Uint8Array): Map<string, Buffer> {
  return new Map(Object.entries(unzipSync(archive)).map(([name, data]) => [name, Buffer.from(data)]));
}
