// Memory of one server process by phase (boot, load, candidates, dashboard, claims), flat or nested:
//   MEM_FLAGS='--max-semi-space-size=32 --expose-gc' [MEM_DB=postgresql://...] [MEM_WORKLOAD=nested] npx tsx scripts/bench/memprobe.ts
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { concurrent } from './measure.ts';
import { GraphqlTarget } from './targets.ts';
import { flat, nested } from './workloads.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const flags = (process.env.MEM_FLAGS ?? '').split(' ').filter(Boolean);
const db = process.env.MEM_DB ?? `file:${path.join(mkdtempSync(path.join(tmpdir(), 'memprobe-')), 'b.db')}`;
const w = process.env.MEM_WORKLOAD === 'nested' ? nested(1000) : flat(1000);
const bulk = { LOG_REQUESTS: 'off', LIMIT_ALIASES: '100000', LIMIT_TOKENS: '10000000', LIMIT_COST: '1000000000', LIMIT_BODY_BYTES: '100000000', PLACEMENT_CANDIDATE_MEMO: process.env.MEMO ?? 'off' };
const child = spawn(process.execPath, ['--import', new URL('./memstats.mjs', import.meta.url).pathname, ...flags, 'dist/server.js'], {
  cwd: root,
  env: { ...process.env, ...bulk, DATABASE_URL: db, PORT: '0' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let err = '';
const waiters: ((s: string) => void)[] = [];
child.stderr!.on('data', (c: Buffer) => {
  err += c.toString();
  let i: number;
  while ((i = err.indexOf('\n')) >= 0) {
    const line = err.slice(0, i);
    err = err.slice(i + 1);
    if (line.startsWith('MEMSTATS ')) waiters.shift()?.(line.slice(9));
    else process.stderr.write(`${line}\n`);
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
const stats = async (phase: string) => {
  await new Promise((r) => setTimeout(r, 300));
  const p = new Promise<string>((r) => waiters.push(r));
  child.kill('SIGUSR2');
  console.log(phase, await p);
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
child.kill('SIGTERM');
process.exit(0);
