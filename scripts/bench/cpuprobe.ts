// CPU and GC time per candidates request in one server process (contention affects these less than
// latency): MEM_FLAGS='--max-semi-space-size=32' [MEM_WORKLOAD=nested N=300] npx tsx scripts/bench/cpuprobe.ts
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { concurrent } from './measure.ts';
import { GraphqlTarget } from './targets.ts';
import { flat, nested } from './workloads.ts';

const flags = (process.env.MEM_FLAGS ?? '').split(' ').filter(Boolean);
const db = `file:${path.join(mkdtempSync(path.join(tmpdir(), 'cpuprobe-')), 'b.db')}`;
const w = process.env.MEM_WORKLOAD === 'nested' ? nested(Number(process.env.N ?? 300)) : flat(1000);
const bulk = { LOG_REQUESTS: 'off', LIMIT_ALIASES: '100000', LIMIT_TOKENS: '10000000', LIMIT_COST: '1000000000', LIMIT_BODY_BYTES: '100000000', PLACEMENT_CANDIDATE_MEMO: 'off' };
const child = spawn(process.execPath, ['--import', new URL('./memstats.mjs', import.meta.url).pathname, ...flags, 'dist/server.js'], {
  env: { ...process.env, ...bulk, DATABASE_URL: db, PORT: '0' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let err = '';
const waiters: ((s: any) => void)[] = [];
child.stderr!.on('data', (c: Buffer) => {
  err += c.toString();
  let i: number;
  while ((i = err.indexOf('\n')) >= 0) {
    const line = err.slice(0, i);
    err = err.slice(i + 1);
    if (line.startsWith('MEMSTATS ')) waiters.shift()?.(JSON.parse(line.slice(9)));
  }
});
const url = await new Promise<string>((resolve) => {
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c;
    const m = /"url":"([^"]+)"/.exec(out);
    if (m) resolve(m[1]);
  });
});
const stats = () => {
  const p = new Promise<any>((r) => waiters.push(r));
  child.kill('SIGUSR2');
  return p;
};
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
child.kill('SIGTERM');
process.exit(0);
