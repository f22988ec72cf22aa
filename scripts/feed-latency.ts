// Measurement (not a test) of the change feed across PostgreSQL replicas (issue 13 item 2), on a
// fresh schema with two server processes started here (fallback poll off: NOTIFY is the wake-up):
//  1. delivery latency: one provider created at a time on replica A at a modest rate, one
//     subscriber on replica B; from the write's answer (and from its request) to the event's arrival;
//  2. throughput: events/s replica B pushes to N subscribers, live (a burst committed at once,
//     then NOTIFY) and replaying (subscribing from the start of a long log).
//   npx tsx scripts/feed-latency.ts [postgresql://root@127.0.0.1:5432/test] [--writes 300] [--rate 20]
import { parseArgs } from 'node:util';
import { ChangeFeed } from '../src/db/changeFeed.ts';
import { LOG_LOCK_SQL } from '../src/db/changeLog.ts';
import { openTestDatabase, schemaSession } from '../test/database.ts';
import { post, startReplica, stopReplica } from '../test/replicas.ts';
import { type Collector, collectChanges } from '../test/sse.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { writes: { type: 'string', default: '300' }, rate: { type: 'string', default: '20' } } });
process.env.TEST_DB = 'postgres';
process.env.TEST_POSTGRES_URL = positionals[0] ?? process.env.TEST_POSTGRES_URL ?? 'postgresql://root@127.0.0.1:5432/test';
const WRITES = Number(values.writes);
const RATE = Number(values.rate);
const SUBSCRIPTION = 'subscription ($after: String) { changes(after: $after) { cursor kind providerUuid } }';
const uuid = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => Number(x.toFixed(1));
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

const td = await openTestDatabase();
const schema = new URL(td.url).searchParams.get('schema');
const env = { PLACEMENT_FEED_POLL_MS: '600000', LOG_LEVEL: 'warn' };
const [a, b] = await Promise.all([startReplica(td.url, env), startReplica(td.url, env)]);
const sql = await schemaSession(td.url);
const token = async () => (await post(b.url, '{ changeToken }')).data.changeToken as string;
const results: Record<string, unknown> = {};

try {
  // 1. Latency: write on A, hear on B.
  const sub = await collectChanges(b.url, SUBSCRIPTION, { after: await token() });
  const sent = new Map<string, number>();
  const answered = new Map<string, number>();
  const start = performance.now();
  for (let i = 0; i < WRITES; i++) {
    await sleep(Math.max(0, start + (i * 1000) / RATE - performance.now()));
    const id = uuid(100_000 + i);
    sent.set(id, performance.now());
    const r = await post(a.url, `mutation { createResourceProvider(input: {uuid: "${id}", name: "lat-${i}"}) { __typename } }`);
    if (r.code !== 'OK') throw new Error(`write ${i}: ${r.code}`);
    answered.set(id, performance.now());
  }
  while (sub.events.length < WRITES) await sleep(20);
  sub.close();
  const fromAnswer = sub.events.map((e) => e.at - answered.get(e.providerUuid as string)!);
  const fromRequest = sub.events.map((e) => e.at - sent.get(e.providerUuid as string)!);
  results.latency = {
    writes: WRITES,
    ratePerSecond: RATE,
    fromAnswer: { p50: ms(pct(fromAnswer, 50)), p99: ms(pct(fromAnswer, 99)), max: ms(Math.max(...fromAnswer)) },
    fromRequest: { p50: ms(pct(fromRequest, 50)), p99: ms(pct(fromRequest, 99)), max: ms(Math.max(...fromRequest)) },
  };
  console.log(JSON.stringify(results.latency));

  // 2. Throughput: synthetic transactions of 10 events each, logged as a writer logs them (under the log's lock).
  const PER_TX = 10;
  const burst = async (transactions: number) => {
    const events = JSON.stringify(Array.from({ length: PER_TX }, (_, i) => ({ kind: 'PROVIDER_UPDATED', provider: uuid(i), root: uuid(i), parent: null, generation: 1, changed: ['NAME'] })));
    await sql.query('BEGIN');
    await sql.query(LOG_LOCK_SQL);
    await sql.query(`INSERT INTO change_log (providers, names, events) SELECT '', false, $1 FROM generate_series(1, $2)`, [events, transactions]);
    await sql.query('COMMIT');
    await sql.query('SELECT pg_notify($1, $2)', [ChangeFeed.channelFor(schema ?? undefined), '']);
  };
  const drained = async (subs: Collector[], total: number) => {
    while (subs.some((s) => s.events.length < total && !s.errors.length)) await sleep(10);
    const errors = subs.flatMap((s) => s.errors);
    if (errors.length) throw new Error(JSON.stringify(errors[0]));
  };
  results.throughput = [];
  // The first round warms the live path up (its first run measured 2-6x slower than later ones); not reported.
  for (const [round, n] of [1, 1, 10].entries()) {
    // Live: every subscriber waits at the head; one burst of 800 transactions (8000 events, under the per-subscriber queue bound).
    const liveTx = 800;
    const from = await token();
    const subs = await Promise.all(Array.from({ length: n }, () => collectChanges(b.url, SUBSCRIPTION, { after: from })));
    const t0 = performance.now();
    await burst(liveTx);
    await drained(subs, liveTx * PER_TX);
    const live = (performance.now() - t0) / 1000;
    const firstLive = ms(Math.min(...subs.map((x) => x.events[0].at)) - t0);
    for (const s of subs) s.close();
    // Replay: the same subscribers' worth, from the start of a 2000-transaction log (20000 events).
    const replayTx = 2000;
    const before = await token();
    await burst(replayTx);
    const t1 = performance.now();
    const again = await Promise.all(Array.from({ length: n }, () => collectChanges(b.url, SUBSCRIPTION, { after: before })));
    await drained(again, replayTx * PER_TX);
    const replay = (performance.now() - t1) / 1000;
    for (const s of again) s.close();
    const row = {
      subscribers: n,
      live: {
        events: liveTx * PER_TX,
        firstEventMs: firstLive,
        seconds: Number(live.toFixed(2)),
        eventsPerSecondPerSubscriber: Math.round((liveTx * PER_TX) / live),
        eventsPerSecondTotal: Math.round((n * liveTx * PER_TX) / live),
      },
      replay: {
        events: replayTx * PER_TX,
        seconds: Number(replay.toFixed(2)),
        eventsPerSecondPerSubscriber: Math.round((replayTx * PER_TX) / replay),
        eventsPerSecondTotal: Math.round((n * replayTx * PER_TX) / replay),
      },
    };
    if (round === 0) continue;
    (results.throughput as unknown[]).push(row);
    console.log(JSON.stringify(row));
    await sleep(500);
  }
} finally {
  await Promise.all([stopReplica(a), stopReplica(b)]);
  await sql.end();
  await td.drop();
}
console.log(JSON.stringify({ feedLatency: results }));
