/**
 * The key that signs the kiosk extension's CRX and so fixes its id (the id every
 * policy names). It is the bank's: made on the first build (RSA 2048, PKCS#8 PEM,
 * file 0600 in a 0700 folder) at a path outside the repository's tracked files,
 * `<data>/keys/extension-signing.pem` unless `--extension-key` says otherwise,
 * and never committed. Lose it and the next build has a new id: every terminal's
 * policy must then change; keep a copy where the CA and checkpoint keys are kept.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface SigningKey {
  pem: string;
  file: string;
  /** Made by this build (announce it: it must be backed up). */
  created: boolean;
  /** The file is readable by others than its owner. */
  exposed: boolean;
}

export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  try {
    const pem = await readFile(file, 'utf8');
    return { pem, file, created: false, exposed: ((await stat(file)).mode & 0o077) !== 0 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  // 'wx': never overwrite a key another build wrote meanwhile.
  await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return { pem, file, created: true, exposed: false };
}
