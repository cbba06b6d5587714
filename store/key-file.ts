/**
 * A key file made once and never replaced: read it, or write a new one whole under a temporary name (0600, synced)
 * and `link` it into place. A link fails when the name exists, so of two processes or instances creating it at once
 * (several instances over one shared key directory start together) the first one made is the key of all, and no one
 * ever reads half a key. The signing key, the session-token key, the viewer-session key and the search index key
 * are made this way.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

export async function readOrCreateKeyFile(file: string, make: () => string | Buffer): Promise<Buffer> {
  const existing = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing) {
    // Tightened if a copy or a restore loosened it.
    await chmod(file, 0o600).catch(() => undefined);
    return existing;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(make());
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(tmp, { force: true });
  }
  return readFile(file);
}
