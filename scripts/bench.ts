// Benchmarks side by side with the reference (OpenStack Placement 8.0.0, REST).
//   npm run bench -- [--target URL] [--reference URL] [--scenario flat|nested|scale|all]
//                    [--db postgresql://...] [--size N] [--json FILE] [--quick] [--profile DIR]
// Without --target it builds and starts this server on a fresh database (SQLite in a temp dir, or
// a fresh schema on --db). With --reference it empties that server and runs the same workloads on
// it in the same run. Prints a table with ratios and writes the same figures as JSON.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { flat, nested, type Workload } from './bench/workloads.ts';
import { GraphqlTarget, RestTarget, type Target, type ClaimResult } from './bench/targets.ts';
import { closeConnections } from './bench/http.ts';
import { concurrent, memoryOf, pidListeningOn, sequential, type Latencies } from './bench/measure.ts';
import { Reference } from '../test/conformance/rest.ts';
import type { ProviderSpec } from '../test/conformance/model.ts';
import { openDatabase } from '../src/db/client.ts';
import { seed } from './bench/seed.ts';
import { findCandidates } from '../src/candidates/service.ts';
import { configFromEnv } from '../src/config.ts';
import { normaliseCandidatesRequest, type CandidatesInput } from '../src/domain/candidates/request.ts';
import { candidatesInput } from '../test/conformance/ours.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    reference: { type: 'string' },
    scenario: { type: 'string', default: 'all' },
    db: { type: 'string' },
    size: { type: 'string' },
    json: { type: 'string', default: 'bench-results.json' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const Q = values.quick;
const LOAD_BATCH = 50;
const LOAD_CONCURRENCY = 4;

type Figures = Record<string, number | string | Latencies | undefined>;
const results: { scenario: string; target: string; figures: Figures }[] = [];

async function startServer(existing?: string): Promise<{ url: string; pid: number; child: ChildProcess; databaseUrl: string }> {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const url =
    existing ??
    (values.db
      ? `${values.db}${values.db.includes('?') ? '&' : '?'}schema=bench_${randomUUID().replace(/-/g, '').slice(0, 10)}`
      : `file:${path.join(mkdtempSync(path.join(tmpdir(), 'placement-bench-')), 'bench.db')}`);
  // The loader sends 50 providers (up to 200 aliased mutations) per request: an operator's bulk
  // load, so the bench server raises the per-request limits that protect a shared server.
  const bulk = { LOG_REQUESTS: 'off', LIMIT_ALIASES: '100000', LIMIT_TOKENS: '10000000', LIMIT_COST: '1000000000', LIMIT_BODY_BYTES: '100000000' };
  // Started exactly as `npm start` starts it (same node flags), minus npm in between.
  const startArgs = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start.split(' ').slice(1);
  // --profile DIR: the server writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  if (values.profile) startArgs.unshift('--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`);
  const child = spawn(process.execPath, startArgs, { cwd: root, env: { ...process.env, ...bulk, DATABASE_URL: url, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const served = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url: served, pid: child.pid!, child, databaseUrl: url };
}

async function loadAll(t: Target, w: Workload): Promise<number> {
  const batches: ProviderSpec[][] = [];
  let batch: ProviderSpec[] = [];
  for (const p of w.providers()) {
    batch.push(p);
    if (batch.length === LOAD_BATCH) batches.push(batch), (batch = []);
  }
  if (batch.length) batches.push(batch);
  // A tree may straddle two batches, so nested batches go in order; flat ones in parallel.
  const start = performance.now();
  const ordered = w.name.startsWith('nested');
  if (ordered) for (const b of batches) await t.load(b);
  else {
    let next = 0;
    await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, async () => { while (next < batches.length) await t.load(batches[next++]); }));
  }
  return Math.round((w.count / ((performance.now() - start) / 1000)) * 10) / 10;
}

async function measure(t: Target, w: Workload, scenario: string): Promise<void> {
  const figures: Figures = {};
  console.error(`[${scenario}] ${t.name}: loading ${w.count} providers`);
  figures['load providers/s'] = await loadAll(t, w);
  const probe = await t.candidates(w.request);
  figures['candidates returned'] = probe.count;
  console.error(`[${scenario}] ${t.name}: candidates`);
  figures['candidates latency ms'] = await sequential(() => t.candidates(w.request), Q ? 10 : 50, 60_000);
  const c10 = await concurrent(() => t.candidates(w.request), Q ? 100 : 500, 10, 120_000);
  figures['candidates c10 req/s'] = c10.perSecond;
  figures['candidates c10 latency ms'] = c10.latency;
  figures['candidates c10 failed requests'] = c10.errors;
  if (t.dashboard) {
    let providers = 0;
    figures['dashboard latency ms'] = await sequential(async () => (providers = await t.dashboard!()), 3, 60_000);
    figures['dashboard providers'] = providers;
  }
  console.error(`[${scenario}] ${t.name}: claims`);
  const cycle = async (): Promise<ClaimResult> => {
    const { first } = await t.candidates(w.request);
    return first ? t.claim(randomUUID(), first) : 'CAPACITY';
  };
  const seq = await sequential(cycle, Q ? 10 : 50, 60_000);
  figures['claims/s sequential'] = Math.round((1000 / seq.mean) * 100) / 100;
  const cc = await concurrent(cycle, Q ? 50 : 200, 10, 120_000);
  figures['claims/s c10'] = cc.perSecond;
  const count = (r: ClaimResult) => cc.results.filter((x) => x === r).length;
  figures['claims c10 ok/lost'] = `${count('OK')}/${cc.results.length - count('OK') + cc.errors}`;
  if (t.claimOneStep) {
    // Not comparable figure for figure: the reference has no such call. Shown for what a scheduler gains.
    const one = () => t.claimOneStep!(randomUUID(), w.request);
    const oneSeq = await sequential(one, Q ? 10 : 50, 60_000);
    figures['one-step claims/s sequential (this server only)'] = Math.round((1000 / oneSeq.mean) * 100) / 100;
    const oneC10 = await concurrent(one, Q ? 50 : 200, 10, 120_000);
    figures['one-step claims/s c10 (this server only)'] = oneC10.perSecond;
    figures['one-step claims c10 ok/lost'] = `${oneC10.results.filter((x) => x === 'OK').length}/${oneC10.results.filter((x) => x !== 'OK').length + oneC10.errors}`;
  }
  const mem = memoryOf(t.pid);
  figures['peak memory MiB'] = mem?.peakMiB;
  results.push({ scenario, target: t.name, figures });
}

/** Grows one flat cloud through 1k, 10k, 100k providers, bulk-seeded while our server is stopped. */
async function scale(t: GraphqlTarget, server: Awaited<ReturnType<typeof startServer>> | undefined): Promise<void> {
  if (!server) throw new Error('the scale scenario seeds the database directly: run it without --target');
  const sizes = values.size ? [Number(values.size)] : Q ? [1000, 10_000] : [1000, 10_000, 100_000];
  let loaded = 0;
  for (const n of sizes) {
    const fresh = [...flat(n).providers()].slice(loaded);
    await stopServer(server);
    const db = await openDatabase(server.databaseUrl);
    const start = performance.now();
    await seed(db, fresh);
    const seedRate = Math.round((fresh.length / ((performance.now() - start) / 1000)) * 10) / 10;
    // The search alone, in-process through the candidates service (no HTTP, no GraphQL, memo off).
    const w0 = flat(n);
    const inProcess = { db, config: { ...configFromEnv(), candidateMemo: false } };
    const limited = normaliseCandidatesRequest(candidatesInput({ ...w0.request, limit: 1000 }) as CandidatesInput);
    await findCandidates(inProcess, limited); // warm-up (loads the world cache on SQLite)
    const inProcessMs = await sequential(() => findCandidates(inProcess, limited), Q ? 5 : 20, 120_000);
    await db.close();
    Object.assign(server, await startServer(server.databaseUrl));
    (t as any).url = server.url;
    (t as any).pid = server.pid;
    loaded = n;
    const w = flat(n);
    const figures: Figures = { 'bulk seed providers/s (SQL, not the API)': seedRate, 'in-process search limit 1000, memo off, ms': inProcessMs };
    await t.candidates(w.request, 1000); // warm-up
    figures['candidates limit 1000 latency ms'] = await sequential(() => t.candidates(w.request, 1000), Q ? 5 : 20, 120_000);
    figures['candidates unlimited latency ms'] = await sequential(() => t.candidates(w.request), Q ? 2 : 5, 300_000);
    figures['rss MiB'] = memoryOf(t.pid)?.rssMiB;
    figures['peak memory MiB'] = memoryOf(t.pid)?.peakMiB;
    results.push({ scenario: `scale flat-${n}`, target: t.name, figures });
    console.error(`[scale] ${n} done`);
  }
}

async function stopServer(s: { child: ChildProcess }) {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.on('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

function table(): string {
  const lines: string[] = [];
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const fmt = (v: Figures[string]) => (v === undefined ? '–' : typeof v === 'object' ? `p50 ${v.p50} / p95 ${v.p95} / p99 ${v.p99}` : String(v));
  const headline = (v: Figures[string]) => (typeof v === 'number' ? v : typeof v === 'object' && v ? v.p50 : undefined);
  const lowerIsBetter = (k: string) => /latency|memory|MiB/.test(k);
  for (const s of scenarios) {
    const ours = results.find((r) => r.scenario === s && r.target === 'placement-graphql');
    const ref = results.find((r) => r.scenario === s && r.target === 'reference');
    lines.push(`\n### ${s}\n`, '| figure | placement-graphql | reference | ratio (× better) |', '|---|---|---|---|');
    for (const k of Object.keys(ours?.figures ?? ref?.figures ?? {})) {
      const a = headline(ours?.figures[k]);
      const b = headline(ref?.figures[k]);
      const ratio = a !== undefined && b !== undefined && a > 0 && b > 0 ? Math.round((lowerIsBetter(k) ? b / a : a / b) * 10) / 10 : undefined;
      lines.push(`| ${k} | ${fmt(ours?.figures[k])} | ${fmt(ref?.figures[k])} | ${ratio ?? '–'} |`);
    }
  }
  return lines.join('\n');
}

const server = values.target ? undefined : await startServer();
const ours = new GraphqlTarget(values.target ?? server!.url, server?.pid);
const reference = values.reference ? new RestTarget(values.reference, pidListeningOn(Number(new URL(values.reference).port))) : undefined;
const wanted = values.scenario === 'all' ? ['flat', 'nested', 'scale'] : values.scenario!.split(',');
try {
  for (const [name, workload] of [
    ['flat', flat(values.size && !wanted.includes('scale') ? Number(values.size) : 1000)],
    ['nested', nested(values.size && !wanted.includes('scale') ? Number(values.size) : 1000)],
  ] as const) {
    if (!wanted.includes(name)) continue;
    if (reference) {
      await new Reference(values.reference!).reset();
      await measure(reference, workload, name);
      await new Reference(values.reference!).reset();
    }
    await measure(ours, workload, name);
    // The next scenario needs an empty server: start a fresh one (a --target must be emptied by hand).
    if (server && wanted.indexOf(name) < wanted.length - 1 && !(name === 'nested' && wanted[wanted.length - 1] === 'scale')) {
      server.child.kill('SIGTERM');
      const next = await startServer();
      Object.assign(server, next);
      (ours as any).url = next.url;
      (ours as any).pid = next.pid;
    }
  }
  if (wanted.includes('scale')) {
    // A fresh server for the scale run too, when another scenario ran before.
    if (server && wanted.length > 1) {
      server.child.kill('SIGTERM');
      Object.assign(server, await startServer());
      (ours as any).url = server.url;
      (ours as any).pid = server.pid;
    }
    await scale(ours, server);
  }
} finally {
  server?.child.kill('SIGTERM');
  closeConnections();
}
const machine = { node: process.version, cpus: (await import('node:os')).cpus().length, model: (await import('node:os')).cpus()[0]?.model, db: values.db ? 'postgresql' : 'sqlite' };
writeFileSync(values.json!, `${JSON.stringify({ machine, results }, null, 1)}\n`);
console.log(table());
console.log(`\n(machine: ${JSON.stringify(machine)}; JSON in ${values.json})`);
