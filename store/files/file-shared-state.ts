/**
 * Shared state as files in one directory (the embedded store's: the data directory), so the files a data directory
 * held before stay as they are: a document is `<dir>/<name>.json` (the value as JSON, mode 0600), a log is
 * `<dir>/<name>.log` (one entry a line; an entry's seq is its line number). `verbatim start` and the CLI's commands
 * change them while both run, each change under the file's lock (file-lock.ts):
 *
 * - a document's version is the SHA-256 of its bytes: compare-and-swap re-reads and hashes the file under the lock,
 *   then writes it whole (temp file, fsync, rename), so a reader never sees half a file;
 * - an append counts the lines under the lock (only the bytes added since this process last counted), so two
 *   processes never give two entries one seq. A torn last line (a crash mid-append) stays a line of its own.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { VerbatimError } from '../errors';
import { checkLogEntry, checkSharedName, staleVersion, type LogEntry, type SharedDocument, type SharedState } from '../shared-state';
import { KeyedSerializer } from '../keyed-serializer';
import { withFileLock } from './file-lock';

/** Enough of a log's end to hold its last entry (entries are a few hundred bytes). */
const TAIL_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

const versionOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex').slice(0, 32);

export class FileSharedState implements SharedState {
  /** Per log: the file size and complete lines this process last counted, so an append reads only what was added. */
  private readonly counted = new Map<string, { size: number; lines: number }>();
  /** Per document: the file's stamp when last read and what it held (a read is then a stat). */
  private readonly read = new Map<string, { stamp: string; doc: SharedDocument | undefined; text: string }>();
  /** This process's own writers of a file queue here first: the file lock's back-off is for other processes. */
  private readonly local = new KeyedSerializer();

  constructor(readonly dir: string) {}

  documentFile(name: string): string {
    checkSharedName(name);
    return path.join(this.dir, `${name}.json`);
  }

  logFile(name: string): string {
    checkSharedName(name);
    return path.join(this.dir, `${name}.log`);
  }

  async getDocument(name: string): Promise<SharedDocument | undefined> {
    const file = this.documentFile(name);
    const stamp = await stampOf(file);
    const cached = this.read.get(name);
    if (cached && cached.stamp === stamp) return cached.doc && { value: JSON.parse(cached.text) as unknown, version: cached.doc.version };
    const doc = await this.load(file);
    this.read.set(name, { stamp, doc, text: doc ? JSON.stringify(doc.value) : '' });
    return doc;
  }

  async putDocument(name: string, value: unknown, expectedVersion: string | undefined): Promise<string> {
    const file = this.documentFile(name);
    const bytes = Buffer.from(`${JSON.stringify(value, null, 1)}\n`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return this.local.run(file, () => withFileLock(file, async () => {
      const current = await this.load(file);
      if (current?.version !== expectedVersion) throw staleVersion(name, expectedVersion);
      const tmp = `${file}.${process.pid}.tmp`;
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
      return versionOf(bytes);
    }));
  }

  async appendLog(name: string, build: (seq: number, last: LogEntry | undefined) => string): Promise<LogEntry> {
    const file = this.logFile(name);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return this.local.run(file, () => withFileLock(file, async () => {
      const handle = await open(file, 'a+', 0o600);
      try {
        const { size } = await handle.stat();
        const lines = await this.countLines(name, handle, size);
        const { last, torn } = await tail(handle, size);
        // A torn line becomes a line of its own (and counts): the reader then names it, not the entry after it.
        const lastSeq = lines + (torn ? 1 : 0);
        const entry = checkLogEntry(name, build(lastSeq + 1, last === undefined ? undefined : { seq: lastSeq, entry: last }));
        const text = Buffer.from(`${torn ? '\n' : ''}${entry}\n`);
        await handle.appendFile(text);
        this.counted.set(name, { size: size + text.length, lines: lastSeq + 1 });
        return { seq: lastSeq + 1, entry };
      } finally {
        await handle.close();
      }
    }));
  }

  async readLog(name: string, fromSeq: number, limit: number): Promise<LogEntry[]> {
    let text: string;
    try {
      text = await readFile(this.logFile(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const from = Math.max(1, fromSeq);
    return lines.slice(from - 1, from - 1 + limit).map((entry, i) => ({ seq: from + i, entry }));
  }

  private async load(file: string): Promise<SharedDocument | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return { value: JSON.parse(bytes.toString('utf8')) as unknown, version: versionOf(bytes) };
    } catch (err) {
      throw new VerbatimError('CONFIG_INVALID', `${path.basename(file)} is not valid JSON`, { file }, { cause: err });
    }
  }

  /** Complete lines in the first `size` bytes: counted from where this process last stopped when the file only grew. */
  private async countLines(name: string, handle: FileHandle, size: number): Promise<number> {
    const known = this.counted.get(name);
    let from = 0;
    let lines = 0;
    if (known && known.size <= size) ({ size: from, lines } = known);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let at = from; at < size;) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - at), at);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) if (chunk[i] === NEWLINE) lines++;
      at += bytesRead;
    }
    this.counted.set(name, { size, lines });
    return lines;
  }
}

/** The file's last line (complete or torn) and whether it is torn (no newline at the end). */
async function tail(handle: FileHandle, size: number): Promise<{ last?: string; torn: boolean }> {
  if (size === 0) return { torn: false };
  const length = Math.min(size, TAIL_BYTES);
  const buf = Buffer.alloc(length);
  await handle.read(buf, 0, length, size - length);
  const torn = buf[length - 1] !== NEWLINE;
  const end = torn ? length : length - 1;
  const start = buf.lastIndexOf(NEWLINE, end - 1) + 1;
  // A last line longer than the window is cut: it is not an entry anyone could build on.
  if (start === 0 && length < size) return { last: '', torn };
  return { last: buf.subarray(start, end).toString('utf8'), torn };
}

async function stampOf(file: string): Promise<string> {
  try {
    const st = await stat(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
