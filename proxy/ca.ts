/**
 * The proxy's certificate authority: created once inside the data dir, then
 * used to sign one leaf certificate per intercepted host. Key generation and
 * signing come from mockttp (its CA helpers), pinned to an exact version.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
// The certificate module alone: mockttp's main entry would load its whole admin server.
import { generateCACertificate, generateSPKIFingerprint, getCA } from 'mockttp/dist/util/certificates';
import { VerbatimError } from '../store/errors';
import { withFileLock } from '../store/files/file-lock';

export interface CaFiles {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
  /** Base64 SHA-256 of the CA's SubjectPublicKeyInfo (for --ignore-certificate-errors-spki-list). */
  spkiFingerprint: string;
}

export function caPaths(dataDir: string): { dir: string; certPath: string; keyPath: string } {
  const dir = path.join(dataDir, 'ca');
  return { dir, certPath: path.join(dir, 'verbatim-ca.pem'), keyPath: path.join(dir, 'verbatim-ca.key') };
}

/** Loads the CA from the data dir, generating it on first start (key file 0600, folder 0700). */
export async function loadOrCreateCa(dataDir: string): Promise<CaFiles> {
  const { dir, certPath, keyPath } = caPaths(dataDir);
  let files = await readCa(certPath, keyPath);
  if (!files) {
    // Instances started together over one shared key directory must agree on one CA: the first to take the lock
    // writes the pair, the others wait for it and read what it wrote.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    files = await withFileLock(path.join(dir, 'ca'), async () => {
      const written = await readCa(certPath, keyPath);
      if (written) return written;
      const generated = await generateCACertificate({
        subject: { commonName: 'Verbatim recording proxy CA', organizationName: 'Verbatim' },
        bits: 2048,
      });
      try {
        await writeFile(keyPath, generated.key, { mode: 0o600, flag: 'wx' });
        await writeFile(certPath, generated.cert, { mode: 0o644, flag: 'wx' });
      } catch (err) {
        // Browsers may already trust the certificate left there: never replace half a pair silently.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        throw new VerbatimError('CONFIG_INVALID', 'the CA directory holds half of the CA pair: restore the missing file, or remove both to make a new CA', { certPath, keyPath }, { cause: err });
      }
      return { certPem: generated.cert, keyPem: generated.key };
    });
  }
  return { certPath, keyPath, ...files, spkiFingerprint: await generateSPKIFingerprint(files.certPem) };
}

/** The CA pair if both files are there (the key's mode tightened to 0600), undefined if neither is. */
async function readCa(certPath: string, keyPath: string): Promise<{ certPem: string; keyPem: string } | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const mode = (await stat(keyPath)).mode & 0o777;
    if (mode & 0o077) await chmod(keyPath, 0o600);
    return { certPem, keyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VerbatimError('CONFIG_INVALID', 'cannot read the CA files', { certPath }, { cause: err });
  }
}

/** Issues and caches a TLS context per host name, signed by the CA. */
export class HostCertificates {
  private readonly contexts = new Map<string, { expiresAt: number; context: Promise<tls.SecureContext> }>();
  private readonly ca: ReturnType<typeof getCA>;

  constructor(files: CaFiles) {
    this.ca = getCA({ cert: files.certPem, key: files.keyPem, keyLength: 2048 });
  }

  /** Warms the shared leaf key so the first intercepted request does not pay for it. */
  async warm(): Promise<void> {
    await this.contextFor('localhost');
  }

  contextFor(host: string): Promise<tls.SecureContext> {
    const now = Date.now();
    const cached = this.contexts.get(host);
    if (cached && cached.expiresAt > now) return cached.context;
    const context = this.ca
      .then((ca) => ca.generateCertificate(host))
      .then((leaf) => tls.createSecureContext({ key: leaf.key, cert: leaf.cert, ca: leaf.ca }));
    // Re-issue well before the leaf expires; forget failures so the next request retries.
    this.contexts.set(host, { expiresAt: now + 24 * 3600_000, context });
    context.catch(() => this.contexts.delete(host));
    if (this.contexts.size > 10_000) this.contexts.delete(this.contexts.keys().next().value as string);
    return context;
  }
}
