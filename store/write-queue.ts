/**
 * Coalesces writes into one LevelDB batch per tick. Each `submit` is a group of
 * operations that must land together; groups queued while a batch is in flight
 * go into the next batch, so under load batches grow instead of queueing up
 * one write call per capture. A batch lands whole or not at all, and a failure
 * rejects only the groups in that batch; later batches are unaffected.
 */

/** `chain` names the hash chain the record joins (integrity/chain-writer.ts); untagged ops are not chained. */
export type WriteOp =
  | { type: 'put'; key: string; value: Uint8Array; chain?: string }
  | { type: 'del'; key: string; chain?: string };

interface Group {
  ops: WriteOp[];
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class WriteQueue {
  private queued: Group[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | undefined;

  /**
   * @param write writes one batch atomically.
   * @param maxBatchBytes soft cap on a batch; a single group larger than it still goes alone.
   */
  constructor(
    private readonly write: (ops: WriteOp[]) => Promise<void>,
    private readonly maxBatchBytes = 16 * 1024 * 1024,
  ) {}

  /** Resolves once the group is written; rejects with the batch's error otherwise. */
  submit(ops: WriteOp[]): Promise<void> {
    let bytes = 0;
    for (const op of ops) bytes += op.key.length + (op.type === 'put' ? op.value.byteLength : 0);
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ ops, bytes, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far has been written or has failed. */
  async drain(): Promise<void> {
    while (this.queued.length > 0 || this.inFlight || this.scheduled) {
      await (this.inFlight ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const groups = this.takeBatch();
    if (groups.length === 0) return;
    const ops = groups.length === 1 ? groups[0]!.ops : groups.flatMap((g) => g.ops);
    this.inFlight = this.write(ops).then(
      () => { for (const g of groups) g.resolve(); },
      (err: unknown) => { for (const g of groups) g.reject(err); },
    ).finally(() => {
      this.inFlight = undefined;
      if (this.queued.length > 0) this.schedule();
    });
  }

  private takeBatch(): Group[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queued.length) {
      const next = this.queued[count]!;
      if (count > 0 && bytes + next.bytes > this.maxBatchBytes) break;
      bytes += next.bytes;
      count += 1;
    }
    return this.queued.splice(0, count);
  }
}
