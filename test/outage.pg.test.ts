// A database that goes away: clients get UNAVAILABLE (never a hang, never an internal error), and
// the server recovers by itself when the database is back. The outage is a TCP proxy in front of
// PostgreSQL that the test closes and reopens, so the shared server keeps running for other tests.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { graphql } from './helpers.ts';

class TcpProxy {
  private server?: net.Server;
  private sockets = new Set<net.Socket>();
  constructor(private target: { host: string; port: number }) {}

  async open(port = 0): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The database "goes away": established connections are cut and new ones refused. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

let td: TestDatabase;
let db: Database;
let proxy: TcpProxy;
let port: number;
let app: ReturnType<typeof createApp>;
const gql = async (query: string) => (await graphql(app, { query })) as any;

beforeAll(async () => {
  td = await openTestDatabase(); // migrated schema of our own
  const direct = new URL(td.url);
  proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  port = await proxy.open();
  const viaProxy = new URL(td.url);
  viaProxy.port = String(port);
  db = await openDatabase(viaProxy.toString(), configFromEnv({ PLACEMENT_DB_CONNECT_TIMEOUT_MS: '1000' }).database);
  app = createApp(db, configFromEnv({}));
});

afterAll(async () => {
  await proxy.close();
  await db?.close().catch(() => {});
  await td?.drop();
});

describe('database outage', () => {
  it('answers UNAVAILABLE while the database is gone and recovers when it returns', async () => {
    const read = `{ resourceClasses { name } }`;
    const write = `mutation { createResourceProvider(input: {name: "during-outage"}) { resourceProvider { uuid } } }`;
    // The world cache catches up through a connection of its own: it too answers UNAVAILABLE.
    const candidates = `{ allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}]}]}) { allocationRequests { __typename } } }`;
    expect((await gql(read)).data.resourceClasses.length).toBeGreaterThan(10);
    expect((await gql(candidates)).data.allocationCandidates.allocationRequests).toEqual([]);

    await proxy.close();
    for (const q of [read, write, candidates]) {
      const r = await gql(q);
      expect(
        r.errors?.map((e: any) => e.extensions?.code),
        JSON.stringify(r),
      ).toEqual(['UNAVAILABLE']);
      expect(r.errors[0].message).not.toMatch(/ECONN|127\.0\.0\.1|pg|prisma|\.ts/i);
    }

    await proxy.open(port);
    let recovered: any;
    for (let i = 0; i < 20 && !recovered?.data; i++) {
      recovered = await gql(write);
      if (!recovered.data) await new Promise((r) => setTimeout(r, 250));
    }
    expect(recovered.data?.createResourceProvider.resourceProvider.uuid).toMatch(/^[0-9a-f-]{36}$/);
    // Nothing was written while the database was away.
    expect((await gql(`{ resourceProviders(filter: {name: "during-outage"}) { totalCount } }`)).data.resourceProviders.totalCount).toBe(1);
    expect((await gql(candidates)).data.allocationCandidates.allocationRequests).toEqual([]);
  }, 60_000);
});
