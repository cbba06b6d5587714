/**
 * Leadership of one job over a PostgreSQL store: `pg_try_advisory_lock` on a dedicated connection (not the pool's:
 * a session-level lock belongs to the connection that took it, and a pooled one would be handed to other queries).
 * The server releases the lock when that connection ends, so a leader killed with -9 loses the lead as soon as the
 * server notices the socket closed, and a follower's next `lead()` takes it.
 */
import pg from 'pg';
import type { Leadership } from '../leadership';

export class PgLeadership implements Leadership {
  private client: pg.Client | undefined;
  private held = false;

  constructor(private readonly config: pg.ClientConfig, private readonly space: number, readonly job: string) {}

  async lead(): Promise<boolean> {
    try {
      const client = this.client ?? (await this.connect());
      if (this.held) {
        // Still ours while the connection answers; a dropped one took the lock with it.
        await client.query('SELECT 1');
        return true;
      }
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [this.space, this.job]);
      this.held = rows[0]?.ok === true;
      return this.held;
    } catch {
      this.drop();
      return false;
    }
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    // Ending the connection releases its locks; no unlock round trip needed.
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client(this.config);
    // A connection the server dropped reports here; the lead is gone with it.
    client.on('error', () => { if (this.client === client) this.drop(); });
    await client.connect();
    this.client = client;
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    void client?.end().catch(() => undefined);
  }
}
