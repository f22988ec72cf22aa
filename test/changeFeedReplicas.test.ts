// The change feed across processes on one database (src/feed/hub.ts): a write made through another
// Database (as another replica, or another process on the same SQLite file, would) reaches a
// subscriber of this one: on PostgreSQL by its notification, and, with notifications lost, by the
// fallback read, which is also how SQLite hears other processes.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Database, openDatabase } from '../src/db/client.ts';
import { openTestDatabase, type TestDatabase, testingPostgres } from './database.ts';
import { type AppOn, appOn, u } from './helpers.ts';
import { openSse, type SseStream } from './sse.ts';

let td: TestDatabase;
let other: Database;
let writer: AppOn;
beforeAll(async () => {
  td = await openTestDatabase();
  other = await openDatabase(td.url);
  writer = appOn(other);
});
afterAll(async () => {
  await other?.close();
  await td?.drop();
});

const SUBSCRIPTION = 'subscription { changes { cursor kind providerUuid } }';

async function createdThroughOther(s: SseStream, n: number) {
  await writer.must(`mutation { createResourceProvider(input: {uuid: "${u(n)}", name: "rp-${n}"}) { __typename } }`);
  const r = await s.next();
  expect(r.data.changes).toMatchObject({ kind: 'PROVIDER_CREATED', providerUuid: u(n) });
}

describe('change feed across replicas', () => {
  it.runIf(testingPostgres())('delivers a write committed by another replica through its notification', async () => {
    // A poll far longer than the test: only the notification can deliver in time.
    const s = await openSse(appOn(td.db, { PLACEMENT_FEED_POLL_MS: '600000' }).app, SUBSCRIPTION);
    const received = td.db.feed!.stats.received;
    await createdThroughOther(s, 1);
    expect(td.db.feed!.stats.received).toBeGreaterThan(received);
    await s.close();
    await vi.waitFor(() => expect(td.db.hub.subscriberCount).toBe(0), { timeout: 10_000 });
  });

  it('delivers it by the fallback read when no notification comes (another SQLite process, a lost notification)', async () => {
    await td.db.feed?.close();
    const s = await openSse(appOn(td.db, { PLACEMENT_FEED_POLL_MS: '100' }).app, SUBSCRIPTION);
    await createdThroughOther(s, 2);
    await createdThroughOther(s, 3);
    await s.close();
  });
});
