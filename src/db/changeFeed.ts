// PostgreSQL's nudge between replicas: after a write transaction that changed something commits,
// its replica sends NOTIFY on a channel per schema; every replica LISTENs and starts catching up at
// once, so the next request finds the cache already current, and its change-feed subscribers hear
// the write (src/feed/hub.ts). The change log is the truth: a lost
// notification (a dropped connection, a replica starting) only means the next request catches up
// itself. One connection per replica, outside the pool; notifications sent while it is down are lost.
import pg from 'pg';
import { log } from '../log.ts';

export class ChangeFeed {
  private client: pg.Client | null = null;
  private closed = false;
  /** Announcements coalesce: one NOTIFY in flight, one more after it for commits meanwhile. */
  private sending = false;
  private again = false;
  private retry: NodeJS.Timeout | null = null;
  /** Notifications received from other replicas (tests read it). */
  readonly stats = { received: 0 };

  constructor(
    private readonly config: pg.ClientConfig,
    readonly channel: string,
    private readonly onChange: () => void,
  ) {}

  /** The channel of a schema: the same for every replica on it, different for another schema. */
  static channelFor(schema: string | undefined): string {
    return `placement_changes_${schema ?? 'public'}`.slice(0, 63);
  }

  /** Listens from now on; when the connection cannot be made, keeps trying in the background. */
  async open(): Promise<void> {
    await this.start().catch(() => this.later());
  }

  private async start(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => {
      if (n.processId === (client as unknown as { processID: number }).processID) return;
      this.stats.received++;
      this.onChange();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel.replace(/"/g, '""')}"`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
  }

  /** A write committed here: tell the others (never awaited by the writer, never fails it). */
  announce(): void {
    if (this.sending) {
      this.again = true;
      return;
    }
    const client = this.client;
    if (!client) return;
    this.sending = true;
    client
      .query('SELECT pg_notify($1, $2)', [this.channel, ''])
      .catch(() => undefined)
      .finally(() => {
        this.sending = false;
        if (this.again) {
          this.again = false;
          this.announce();
        }
      });
  }

  /** Stops listening for good (tests use it to lose notifications). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    log('warn', 'change feed connection lost; reconnecting (reads still catch up from the change log)');
    client.end().catch(() => undefined);
    this.later();
  }

  /** Tries to listen again in a second; once back, catches up at once (notifications were missed). */
  private later(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.closed) this.start().then(this.onChange, () => this.later());
    }, 1_000);
    this.retry.unref();
  }
}
