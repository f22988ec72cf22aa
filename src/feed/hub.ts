// The change feed of one process: one reader of the change log (src/db/changeLog.ts) fans each
// committed transaction's events out, in seq order, to every subscriber. It reads when woken: by a
// commit in this process (writeTransaction), by another replica's notification (ChangeFeed), and,
// while anyone listens, by a timer, which also catches other processes writing the same SQLite file
// and notifications that were lost. With no subscribers it reads nothing.
//
// A subscriber joining at cursor C is registered at the hub's position H (every later transaction
// is queued for it as it is read), then replays (C, H] from the log, a page at a time as it is
// consumed, then takes its queue: nothing missing, nothing twice. Its queue is bounded: a
// subscriber more than `queueEvents` behind is ended (SLOW_SUBSCRIBER) and its queue dropped.

import type { FeedLimits } from '../config.ts';
import { type LoggedTransaction, logPosition, readEvents } from '../db/changeLog.ts';
import type { Tx } from '../db/client.ts';
import type { ChangeEvent } from '../domain/changeEvents.ts';
import { DomainError } from '../domain/errors.ts';
import { log } from '../log.ts';
import { type Cursor, eventCursor, isAfter, transactionCursor } from './cursor.ts';

/** What a subscriber receives: an event with its cursor, or the error that ends it. */
export type FeedItem = { event: ChangeEvent; seq: bigint; cursor: string } | { end: DomainError };

/** Transactions read from the log per statement. */
const PAGE = 500;

const pruned = (continueAfter: bigint): FeedItem => ({ event: { kind: 'HISTORY_PRUNED' }, seq: continueAfter, cursor: transactionCursor(continueAfter) });

export class FeedHub {
  private readonly subscribers = new Set<Subscriber>();
  /** The last transaction fanned out; null while nobody listens (nothing is read then). */
  private position: bigint | null = null;
  /** Reads and joins run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private readQueued = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Tx) {}

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Events waiting in all subscribers' queues (tests check the bound). */
  get queued(): number {
    let n = 0;
    for (const s of this.subscribers) n += s.queued;
    return n;
  }

  /** Something may have been committed: read the log (coalesced; a no-op while nobody listens). */
  wake(): void {
    if (!this.subscribers.size || this.readQueued) return;
    this.readQueued = true;
    this.serial(async () => {
      this.readQueued = false;
      await this.readNew();
    }).catch((err) => log('warn', 'change feed read failed; retrying on the next wake', { error: String((err as Error)?.message ?? err) }));
  }

  /**
   * A subscriber from `after` (null: from now) that hears the events `accept` lets through.
   * BAD_VALUE for a cursor ahead of the log, TOO_MANY_SUBSCRIBERS when the process is full.
   */
  join(after: Cursor | null, accept: (e: ChangeEvent) => boolean, limits: FeedLimits): Promise<Subscriber> {
    return this.serial(async () => {
      if (this.subscribers.size >= limits.maxSubscribers) {
        throw new DomainError('TOO_MANY_SUBSCRIBERS', `This server already serves ${limits.maxSubscribers} change-feed subscribers (PLACEMENT_FEED_MAX_SUBSCRIBERS); try another replica or later.`);
      }
      if (this.position === null) this.position = await logPosition(this.db);
      else await this.readNew();
      const at = this.position!;
      if (after && after.seq > at) throw new DomainError('BAD_VALUE', `Cursor ${after.seq} is ahead of the change log (at ${at}): it was not made by this deployment.`);
      const s = new Subscriber(this, this.db, after && { from: after, to: at }, accept, limits.queueEvents);
      this.subscribers.add(s);
      if (!this.timer) {
        this.timer = setInterval(() => this.wake(), limits.pollMs);
        this.timer.unref();
      }
      return s;
    });
  }

  leave(s: Subscriber): void {
    if (!this.subscribers.delete(s) || this.subscribers.size) return;
    this.position = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Ends every subscriber, with `reason` as its last item if given (the server is stopping). */
  close(reason?: DomainError): void {
    for (const s of [...this.subscribers]) {
      if (reason) s.fail(reason);
      else s.finish();
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Fans out everything committed since the position. */
  private async readNew(): Promise<void> {
    while (this.position !== null && this.subscribers.size) {
      const page = await readEvents(this.db, this.position, PAGE);
      // Behind by more than the log keeps (a long stall): everyone hears it, and goes on from what is left.
      if (page.historyLost) for (const s of this.subscribers) s.push(pruned(page.transactions[0].seq - 1n));
      for (const t of page.transactions) {
        for (const s of this.subscribers) s.offer(t);
        this.position = t.seq;
      }
      if (page.transactions.length < PAGE) break;
    }
    if (!this.subscribers.size) this.position = null;
  }
}

/** One subscription: an async iterator of feed items, ending after an `end` item or on return(). */
export class Subscriber implements AsyncIterableIterator<FeedItem> {
  /** Live items (after the replay), bounded; `head` is the next to hand out. */
  private queue: FeedItem[] = [];
  private head = 0;
  private replayed: FeedItem[] = [];
  private ending: DomainError | null = null;
  private finished = false;
  private wakeReader: (() => void) | null = null;

  constructor(
    private readonly hub: FeedHub,
    private readonly db: Tx,
    /** Still to replay from the log: after `from`, up to and including transaction `to`. */
    private replay: { from: Cursor; to: bigint } | null,
    private readonly accept: (e: ChangeEvent) => boolean,
    private readonly limit: number,
  ) {}

  get queued(): number {
    return this.queue.length - this.head;
  }

  /** A transaction read by the hub (always after this subscriber's replay). */
  offer(t: LoggedTransaction): void {
    t.events.forEach((event, index) => {
      if (!this.finished && this.accept(event)) this.push({ event, seq: t.seq, cursor: eventCursor(t.seq, index) });
    });
  }

  push(item: FeedItem): void {
    if (this.finished) return;
    if (this.queued >= this.limit) {
      this.fail(
        new DomainError(
          'SLOW_SUBSCRIBER',
          `More than ${this.limit} change events waited for this subscriber (PLACEMENT_FEED_QUEUE_EVENTS): it was ended. Reconnect with the cursor of the last event received.`,
        ),
      );
      return;
    }
    this.queue.push(item);
    this.wakeReader?.();
  }

  /** Ends the subscription with an error, which is the last item it hands out. */
  fail(error: DomainError): void {
    this.ending = error;
    this.finish();
  }

  /** Stops for good: leaves the hub and drops what was queued. */
  finish(): void {
    this.finished = true;
    this.queue = [];
    this.head = 0;
    this.replayed = [];
    this.replay = null;
    this.hub.leave(this);
    this.wakeReader?.();
  }

  async next(): Promise<IteratorResult<FeedItem>> {
    for (;;) {
      if (this.finished) {
        const end = this.ending;
        this.ending = null;
        return end ? { value: { end }, done: false } : { value: undefined, done: true };
      }
      if (this.replayed.length) return { value: this.replayed.shift()!, done: false };
      if (this.replay) {
        await this.replayPage(this.replay);
        continue;
      }
      if (this.queued) {
        const item = this.queue[this.head];
        this.queue[this.head++] = undefined as never;
        // Drop the handed-out front now and then, so the array does not keep growing.
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        return { value: item, done: false };
      }
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
      this.wakeReader = null;
    }
  }

  async return(): Promise<IteratorResult<FeedItem>> {
    this.ending = null;
    this.finish();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** One page of the replay: the items it lets through go to `replayed`. */
  private async replayPage(r: { from: Cursor; to: bigint }): Promise<void> {
    // A cursor inside a transaction re-reads that transaction and skips what was already heard.
    const after = r.from.index === null ? r.from.seq : r.from.seq - 1n;
    const page = await readEvents(this.db, after, PAGE);
    if (this.replay !== r) return;
    let from = r.from;
    if (page.historyLost) {
      // Goes on from the oldest transaction left (or from the live queue, if even that is past `to`).
      const first = page.transactions[0]?.seq ?? r.to + 1n;
      const cont = first - 1n < r.to ? first - 1n : r.to;
      this.replayed.push(pruned(cont));
      from = { seq: cont, index: null };
    }
    let done = page.transactions.length < PAGE;
    for (const t of page.transactions) {
      if (t.seq > r.to) {
        done = true;
        break;
      }
      t.events.forEach((event, index) => {
        if (isAfter(from, t.seq, index) && this.accept(event)) this.replayed.push({ event, seq: t.seq, cursor: eventCursor(t.seq, index) });
      });
      from = { seq: t.seq, index: null };
    }
    this.replay = done ? null : { from, to: r.to };
  }
}
