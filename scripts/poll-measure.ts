// Quick measurement (not a test): bytes and server time of a dashboard-like GET answer for ~200
// providers, against a 304 revalidation of it. In-process (app.fetch) on a fresh SQLite file.
//   npx tsx scripts/poll-measure.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'poll-measure-'));
const db = await openDatabase(`file:${path.join(dir, 'm.db')}`);
const app = createApp(db, configFromEnv({}));
const uuid = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
const post = async (query: string) => {
  const body = (await (await app.fetch('http://m/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json()) as any;
  if (body.errors) throw new Error(JSON.stringify(body.errors));
};
// 50 trees of a compute node and 3 NUMA/device children: 200 providers, each with inventory.
for (let r = 0; r < 50; r++) {
  const root = uuid(1000 + r * 4);
  await post(`mutation { createResourceProvider(input: {name: "cn${r}", uuid: "${root}"}) { resourceProvider { uuid } } }`);
  await post(`mutation { setInventories(input: {providerUuid: "${root}", providerGeneration: 0, inventories: [{resourceClass: "DISK_GB", total: 2000}]}) { resourceProvider { uuid } } }`);
  for (let c = 1; c <= 3; c++) {
    const child = uuid(1000 + r * 4 + c);
    await post(`mutation { createResourceProvider(input: {name: "cn${r}-numa${c}", uuid: "${child}", parentUuid: "${root}"}) { resourceProvider { uuid } } }`);
    await post(
      `mutation { setInventories(input: {providerUuid: "${child}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 32}, {resourceClass: "MEMORY_MB", total: 131072}]}) { resourceProvider { uuid } } }`,
    );
  }
}
const query = `{ changeToken resourceProviders(first: 1000) { totalCount edges { node { id uuid name generation parent { uuid } root { uuid }
  inventories { resourceClass total reserved minUnit maxUnit stepSize allocationRatio capacity used } usages { resourceClass used } traits aggregates } } } }`;
const url = `http://m/graphql?${new URLSearchParams({ query })}`;
const headerBytes = (res: Response) => [...res.headers].reduce((n, [k, v]) => n + k.length + v.length + 4, 0) + 17;
async function measure(condition?: string) {
  const times: number[] = [];
  let bytes = 0,
    status = 0,
    tag = '';
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    const res = await app.fetch(url, { headers: { 'x-graphql-yoga-csrf': '1', ...(condition ? { 'if-none-match': condition } : {}) } });
    const body = await res.arrayBuffer();
    times.push(performance.now() - t);
    bytes = body.byteLength + headerBytes(res);
    status = res.status;
    tag = res.headers.get('etag')!;
  }
  times.sort((a, b) => a - b);
  return { status, bytes, medianMs: Math.round(times[20] * 100) / 100, p90Ms: Math.round(times[36] * 100) / 100, tag };
}
const full = await measure();
const revalidated = await measure(full.tag);
console.log(JSON.stringify({ providers: 200, full, revalidated, ratio: { bytes: Math.round(full.bytes / revalidated.bytes), ms: Math.round(full.medianMs / revalidated.medianMs) } }, null, 1));
await db.close();
rmSync(dir, { recursive: true, force: true });
