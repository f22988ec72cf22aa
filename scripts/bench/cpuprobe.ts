// CPU and GC time per candidates request in one server process (contention affects these less than
// latency): MEM_FLAGS='--max-semi-space-size=32' [MEM_WORKLOAD=nested N=300] npx tsx scripts/bench/cpuprobe.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { concurrent } from './measure.ts';
import { BULK_ENV, probedServer } from './probedServer.ts';
import { GraphqlTarget } from './targets.ts';
import { flat, nested } from './workloads.ts';

const flags = (process.env.MEM_FLAGS ?? '').split(' ').filter(Boolean);
const db = `file:${path.join(mkdtempSync(path.join(tmpdir(), 'cpuprobe-')), 'b.db')}`;
const w = process.env.MEM_WORKLOAD === 'nested' ? nested(Number(process.env.N ?? 300)) : flat(1000);
const server = await probedServer(db, flags, { ...BULK_ENV, PLACEMENT_CANDIDATE_MEMO: 'off' });
const { url, stats } = server;
const t = new GraphqlTarget([url]);
const all = [...w.providers()];
for (let i = 0; i < all.length; i += 50) await t.load(all.slice(i, i + 50));
for (let i = 0; i < 5; i++) await t.candidates(w.request);
const a = await stats();
const N = 60;
await concurrent(() => t.candidates(w.request), N, 2, 300_000);
const b = await stats();
console.log(
  JSON.stringify({
    flags: flags.join(' '),
    workload: w.name,
    cpuMsPerReq: +((b.cpuMs - a.cpuMs) / N).toFixed(2),
    gcMsPerReq: +((b.gcMs - a.gcMs) / N).toFixed(2),
    gcsPerReq: +((b.gcs - a.gcs) / N).toFixed(2),
    hwm: b.hwm,
  }),
);
server.stop();
process.exit(0);
