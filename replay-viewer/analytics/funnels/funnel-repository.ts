/**
 * Saved funnels: one small JSON file per store, <data>/analytics/funnels.json (0600), written whole and atomically
 * (temp file, fsync, rename), changes one at a time. Who changed what is in the audit trail (the routes note it).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { VerbatimError } from '../../../store/errors';
import { readIfExists, writeFileAtomic } from '../../reviews/atomic-file';
import type { Funnel, FunnelDefinition } from './definition';

const FILE = 'funnels.json';
const MAX_FUNNELS = 500;

export class FunnelRepository {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string, private readonly now: () => number = Date.now) {}

  private get file(): string {
    return path.join(this.dir, FILE);
  }

  async list(): Promise<Funnel[]> {
    const text = await readIfExists(this.file);
    if (text === undefined) return [];
    try {
      const value = JSON.parse(text) as { funnels?: Funnel[] };
      return Array.isArray(value.funnels) ? value.funnels : [];
    } catch (err) {
      throw new VerbatimError('STORE_CORRUPT', 'the saved funnels file is not JSON', { file: this.file }, { cause: err });
    }
  }

  async get(id: string): Promise<Funnel> {
    const f = (await this.list()).find((x) => x.id === id);
    if (!f) throw new VerbatimError('NOT_FOUND', 'No saved funnel with this id', { id: id.slice(0, 40) });
    return f;
  }

  create(def: FunnelDefinition, by: string): Promise<Funnel> {
    return this.change((list) => {
      if (list.length >= MAX_FUNNELS) throw new VerbatimError('BAD_REQUEST', `At most ${MAX_FUNNELS} saved funnels`);
      const t = this.now();
      const funnel: Funnel = { id: randomBytes(8).toString('hex'), ...def, createdBy: by, createdAt: t, updatedAt: t };
      list.push(funnel);
      return funnel;
    });
  }

  update(id: string, def: FunnelDefinition): Promise<Funnel> {
    return this.change((list) => {
      const i = list.findIndex((x) => x.id === id);
      if (i < 0) throw new VerbatimError('NOT_FOUND', 'No saved funnel with this id', { id: id.slice(0, 40) });
      list[i] = { ...list[i]!, ...def, updatedAt: this.now() };
      return list[i]!;
    });
  }

  remove(id: string): Promise<Funnel> {
    return this.change((list) => {
      const i = list.findIndex((x) => x.id === id);
      if (i < 0) throw new VerbatimError('NOT_FOUND', 'No saved funnel with this id', { id: id.slice(0, 40) });
      return list.splice(i, 1)[0]!;
    });
  }

  /** Read, change, write whole: one change at a time in this process. */
  private change<T>(edit: (list: Funnel[]) => T): Promise<T> {
    const run = this.queue.then(async () => {
      const list = await this.list();
      const out = edit(list);
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file, `${JSON.stringify({ funnels: list }, null, 2)}\n`);
      return out;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
