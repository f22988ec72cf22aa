// Memory of one server process by phase (boot, load, candidates, dashboard, claims), flat or nested:
//   MEM_FLAGS='--max-semi-space-size=32 --expose-gc' [MEM_DB=postgresql://...] [MEM_WORKLOAD=nested] npx tsx scripts/bench/memprobe.ts
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { concurrent } from './measure.ts';
import { BULK_ENV, probedServer } from './probedServer.ts';
import { GraphqlTarget } from './targets.ts';
import { flat, nested } from './workloads.ts';

const flags = (process.env.MEM_FLAGS ?? '').split(' ').filter(Boolean);
const db = process.env.MEM_DB ?? `file:${path.join(mkdtempSync(path.join(tmpdir(), 'memprobe-')), 'b.db')}`;
const w = process.env.MEM_WORKLOAD === 'nested' ? nested(1000) : flat(1000);
const server = await probedServer(db, flags, { ...BULK_ENV, PLACEMENT_CANDIDATE_MEMO: process.env.MEMO ?? 'off' });
const { url } = server;
const stats = async (phase: string) => {
  await new Promise((r) => setTimeout(r, 300));
  console.log(phase, JSON.stringify(await server.stats()));
};
const t = new GraphqlTarget([url]);
await stats('boot');
const all = [...w.providers()];
const B = 50;
const batches: (typeof all)[] = [];
for (let i = 0; i < all.length; i += B) batches.push(all.slice(i, i + B));
if (w.name.startsWith('nested')) for (const b of batches) await t.load(b);
else await concurrent(async () => t.load(batches.shift()!), batches.length, 4, 600_000);
await stats('load');
for (let i = 0; i < 10; i++) await t.candidates(w.request);
await concurrent(() => t.candidates(w.request), 100, 10, 120_000);
await stats('candidates');
for (let i = 0; i < 3; i++) await t.dashboard();
await stats('dashboard');
await concurrent(
  async () => {
    const { any } = await t.candidates(w.request);
    return any ? t.claim(randomUUID(), any) : 'CAPACITY';
  },
  120,
  10,
  60_000,
);
await concurrent(() => t.claimOneStep(randomUUID(), w.request), 120, 60, 60_000);
await stats('claims');
server.stop();
process.exit(0);
