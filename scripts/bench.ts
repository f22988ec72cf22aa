// Benchmarks side by side with the reference (OpenStack Placement 8.0.0, REST).
//   npm run bench -- [--reference pg|sqlite|URL] [--scenario flat|nested|scale|all]
//                    [--db postgresql://...] [--replicas N] [--size N] [--json FILE] [--quick] [--profile DIR]
//                    [--target URL[,URL...]]
// Without --target it builds and starts this server on a fresh database: one process on SQLite (a
// temp dir), or --replicas processes (default 3) on a fresh schema of --db, all with the candidate
// memo off; every request goes to the next replica. A further process with the memo on answers the
// memo-on figures. --reference pg starts the reference as production runs it
// (../shared/reference/run-reference.sh pg, gunicorn 2 x 8 threads on PostgreSQL), afresh for
// every scenario, and stops it after; --reference URL uses a running one, emptied first. Prints a
// table with ratios and the issue's targets, and writes the same figures as JSON.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { candidatesInput } from '../conformance/candidatesQuery.ts';
import type { ProviderSpec } from '../conformance/model.ts';
import { Reference } from '../conformance/rest.ts';
import { findCandidates } from '../src/candidates/service.ts';
import { configFromEnv } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { type CandidatesInput, normaliseCandidatesRequest } from '../src/domain/candidates/request.ts';
import { closeConnections } from './bench/http.ts';
import { concurrent, type Latencies, memoryOf, pidListeningOn, RssSampler, sequential, summarise } from './bench/measure.ts';
import { seed } from './bench/seed.ts';
import { type ClaimResult, GraphqlTarget, RestTarget, type Target } from './bench/targets.ts';
import { flat, nested, type Workload } from './bench/workloads.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    reference: { type: 'string' },
    scenario: { type: 'string', default: 'all' },
    db: { type: 'string' },
    replicas: { type: 'string' },
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
/** Claims at these concurrencies (the issue's 1, 10 and 60): how many, at most, within a minute each. */
const CLAIM_LEVELS: [concurrency: number, count: number][] = [
  [1, Q ? 10 : 50],
  [10, Q ? 50 : 200],
  [60, Q ? 120 : 300],
];
const REPLICAS = values.db ? Number(values.replicas ?? 3) : 1;
const REFERENCE_PORT = 8791;

type Figures = Record<string, number | string | Latencies | undefined>;
const results: { scenario: string; target: string; figures: Figures }[] = [];
const memory = new RssSampler();

interface Server {
  url: string;
  pid: number;
  child: ChildProcess;
  databaseUrl: string;
}

const freshDatabaseUrl = () =>
  values.db
    ? `${values.db}${values.db.includes('?') ? '&' : '?'}schema=bench_${randomUUID().replace(/-/g, '').slice(0, 10)}`
    : `file:${path.join(mkdtempSync(path.join(tmpdir(), 'placement-bench-')), 'bench.db')}`;

/** Starts one process of this server exactly as `npm start` does (same node flags), minus npm in between. */
async function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<Server> {
  // The loader sends 50 providers (up to 200 aliased mutations) per request: an operator's bulk
  // load, so the bench server raises the per-request limits that protect a shared server.
  const bulk = { LOG_REQUESTS: 'off', LIMIT_ALIASES: '100000', LIMIT_TOKENS: '10000000', LIMIT_COST: '1000000000', LIMIT_BODY_BYTES: '100000000' };
  const startArgs = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
    .scripts.start.split(' ')
    .slice(1);
  // --profile DIR: the server writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  if (values.profile) startArgs.unshift('--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`);
  const child = spawn(process.execPath, startArgs, { cwd: root, env: { ...process.env, ...bulk, ...env, DATABASE_URL: databaseUrl, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const served = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url: served, pid: child.pid!, child, databaseUrl };
}

async function stopServer(s: { child: ChildProcess }) {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.on('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

/** The replicas of one measurement, memo off, on one fresh database (the first migrates it alone). */
async function startFleet(databaseUrl = freshDatabaseUrl()): Promise<Server[]> {
  const first = await startServer(databaseUrl, { PLACEMENT_CANDIDATE_MEMO: 'off' });
  const rest = await Promise.all(Array.from({ length: REPLICAS - 1 }, () => startServer(databaseUrl, { PLACEMENT_CANDIDATE_MEMO: 'off' })));
  return [first, ...rest];
}

/** The reference as production runs it, on an empty database; returns its URL and gunicorn's PID. */
function startReference(mode: string): { url: string; pid: number } {
  const script = path.resolve(root, '..', 'shared', 'reference', 'run-reference.sh');
  const run = spawnSync('bash', [script, mode, String(REFERENCE_PORT)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = run.stdout.trim().split('\n');
  if (run.status !== 0) throw new Error(`the reference did not start: ${run.stdout}`);
  console.error(lines[0]);
  return { url: `http://127.0.0.1:${REFERENCE_PORT}`, pid: Number(lines[lines.length - 1]) };
}

async function stopReference(pid: number) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function loadAll(t: Target, w: Workload): Promise<number> {
  const batches: ProviderSpec[][] = [];
  let batch: ProviderSpec[] = [];
  for (const p of w.providers()) {
    batch.push(p);
    if (batch.length === LOAD_BATCH) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length) batches.push(batch);
  // A tree may straddle two batches, so nested batches go in order; flat ones in parallel.
  const start = performance.now();
  const ordered = w.name.startsWith('nested');
  if (ordered) for (const b of batches) await t.load(b);
  else {
    let next = 0;
    await Promise.all(
      Array.from({ length: LOAD_CONCURRENCY }, async () => {
        while (next < batches.length) await t.load(batches[next++]);
      }),
    );
  }
  return Math.round((w.count / ((performance.now() - start) / 1000)) * 10) / 10;
}

/** p50 (of 50 one after another) and throughput at concurrency 10 of the workload's question. */
async function candidateFigures(t: Target, w: Workload, figures: Figures, label: string) {
  figures[`candidates latency ms${label}`] = await sequential(() => t.candidates(w.request), Q ? 10 : 50, 60_000);
  const c10 = await concurrent(() => t.candidates(w.request), Q ? 100 : 500, 10, 120_000);
  figures[`candidates c10 req/s${label}`] = c10.perSecond;
  figures[`candidates c10 latency ms${label}`] = c10.latency;
  figures[`candidates c10 failed requests${label}`] = c10.errors;
}

/**
 * Issue 15: an explanation of the whole cloud against the candidates query it explains, both
 * sequential on the memo-off replicas, for the workload's request and for one that fits nowhere.
 * Interleaved per sample so that load from elsewhere on the machine weighs on both alike.
 */
async function explainFigures(t: Target, w: Workload, figures: Figures) {
  const n = Q ? 20 : 50;
  for (const [label, req] of [
    ['', w.request],
    [' (fits nowhere)', w.nowhere],
  ] as const) {
    console.error(`[${w.name}] ${t.name}: explain${label}`);
    const e = await t.explain!(req); // warm-up, and what it judged
    await t.candidates(req);
    const [cand, expl]: number[][] = [[], []];
    const end = performance.now() + 120_000;
    for (let i = 0; i < n && performance.now() < end; i++) {
      let at = performance.now();
      await t.candidates(req);
      cand.push(performance.now() - at);
      at = performance.now();
      await t.explain!(req);
      expl.push(performance.now() - at);
    }
    const [c, x] = [summarise(cand), summarise(expl)];
    figures[`explain: candidates latency ms${label}`] = c;
    figures[`explain: explain latency ms${label}`] = x;
    figures[`explain: trees judged / fitting${label}`] = `${e.considered} / ${e.fitting}`;
    figures[`explain: ratio explain/candidates p50${label}`] = Math.round((x.p50 / c.p50) * 100) / 100;
    figures[`explain: ratio explain/candidates p90${label}`] = Math.round((x.p90 / c.p90) * 100) / 100;
    figures[`explain: load average 1 min${label}`] = Math.round(loadavg()[0] * 100) / 100;
  }
}

/** Successful claims per second at each concurrency, and how many were lost (capacity races, conflicts, errors). */
async function claimFigures(kind: string, claim: () => Promise<ClaimResult>, figures: Figures) {
  for (const [c, n] of CLAIM_LEVELS) {
    const run = await concurrent(claim, n, c, 60_000);
    const ok = run.results.filter((r) => r === 'OK').length;
    figures[`${kind} claims/s c${c}`] = run.results.length ? Math.round(((run.perSecond * ok) / run.results.length) * 100) / 100 : 0;
    figures[`${kind} claims c${c} ok/lost`] = `${ok}/${run.results.length - ok + run.errors}`;
  }
}

async function measure(t: Target, w: Workload, scenario: string, memoOn?: () => Promise<{ target: Target; stop: () => Promise<void> }>): Promise<void> {
  const figures: Figures = {};
  console.error(`[${scenario}] ${t.name}: loading ${w.count} providers`);
  figures['load providers/s'] = await loadAll(t, w);
  const probe = await t.candidates(w.request);
  figures['candidates returned'] = probe.count;
  console.error(`[${scenario}] ${t.name}: candidates`);
  // The reference has no memo: it searches every time, as this server does with the memo off.
  await candidateFigures(t, w, figures, ' (memo off)');
  if (memoOn) {
    // Reported apart: the memo only helps a question asked again before any write.
    const m = await memoOn();
    for (let i = 0; i < 5; i++) await m.target.candidates(w.request); // a fresh process: warm it up as the others were by the load
    await candidateFigures(m.target, w, figures, ' (memo on, 1 process)');
    await m.stop();
  }
  if (t.explain) await explainFigures(t, w, figures);
  if (t.dashboard) {
    let providers = 0;
    figures['dashboard latency ms'] = await sequential(async () => (providers = await t.dashboard!()), 3, 60_000);
    figures['dashboard providers'] = providers;
  }
  if (t.treeDashboard) {
    // Issue 13: the same providers drawn as trees in one query (after one warm-up).
    let providers = await t.treeDashboard();
    figures['tree dashboard latency ms'] = await sequential(async () => (providers = await t.treeDashboard!()), Q ? 10 : 20, 60_000);
    figures['tree dashboard providers'] = providers;
  }
  console.error(`[${scenario}] ${t.name}: claims`);
  // The reference's way: ask, then claim one of the candidates for a new consumer.
  await claimFigures(
    'two-step',
    async () => {
      const { any } = await t.candidates(w.request);
      return any ? t.claim(randomUUID(), any) : 'CAPACITY';
    },
    figures,
  );
  // This server's own way (claimAllocationCandidate): search and claim in one request.
  if (t.claimOneStep) await claimFigures('one-step', () => t.claimOneStep!(randomUUID(), w.request), figures);
  const mem = memory.read(t.name);
  figures['peak RSS MiB per process'] = mem?.perProcessMiB;
  figures['peak RSS MiB all processes'] = mem && `${mem.totalMiB} (${mem.processes})`;
  results.push({ scenario, target: t.name, figures });
  save();
}

/** Writes what was measured so far: a run that fails later keeps its figures. */
function save() {
  writeFileSync(values.json!, `${JSON.stringify({ machine, results }, null, 1)}\n`);
}

/** Grows one flat cloud through 1k, 10k, 100k providers, bulk-seeded while our server is stopped. */
async function scale(t: GraphqlTarget, server: Server | undefined): Promise<void> {
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
    t.urls = [server.url];
    loaded = n;
    const w = flat(n);
    const figures: Figures = { 'bulk seed providers/s (SQL, not the API)': seedRate, 'in-process search limit 1000, memo off, ms': inProcessMs };
    await t.candidates(w.request, 1000); // warm-up
    figures['candidates limit 1000 latency ms'] = await sequential(() => t.candidates(w.request, 1000), Q ? 5 : 20, 120_000);
    figures['candidates unlimited latency ms'] = await sequential(() => t.candidates(w.request), Q ? 2 : 5, 300_000);
    figures['rss MiB'] = memoryOf(server.pid)?.rssMiB;
    figures['peak memory MiB'] = memoryOf(server.pid)?.peakMiB;
    results.push({ scenario: `scale flat-${n}`, target: t.name, figures });
    console.error(`[scale] ${n} done`);
  }
}

const headline = (v: Figures[string]) => (typeof v === 'number' ? v : typeof v === 'object' && v ? v.p50 : undefined);

function table(): string {
  const lines: string[] = [];
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const fmt = (v: Figures[string]) => (v === undefined ? '–' : typeof v === 'object' ? `p50 ${v.p50} / p90 ${v.p90} / p95 ${v.p95} / p99 ${v.p99}` : String(v));
  const lowerIsBetter = (k: string) => /latency|memory|MiB/.test(k);
  for (const s of scenarios) {
    const ours = results.find((r) => r.scenario === s && r.target === 'placement-graphql');
    const ref = results.find((r) => r.scenario === s && r.target === 'reference');
    lines.push(`\n### ${s}\n`, '| figure | placement-graphql | reference | ratio (× better) |', '|---|---|---|---|');
    for (const k of [...new Set([...Object.keys(ours?.figures ?? {}), ...Object.keys(ref?.figures ?? {})])]) {
      const a = headline(ours?.figures[k]);
      const b = headline(ref?.figures[k]);
      const ratio = a !== undefined && b !== undefined && a > 0 && b > 0 ? Math.round((lowerIsBetter(k) ? b / a : a / b) * 10) / 10 : undefined;
      lines.push(`| ${k} | ${fmt(ours?.figures[k])} | ${fmt(ref?.figures[k])} | ${ratio ?? '–'} |`);
    }
  }
  return lines.join('\n');
}

/** Issue 12's targets against the figures of this run, met or missed. */
function targets(): string {
  const lines = ['\n### targets (issue 12)\n', '| scenario | target | measured | met |', '|---|---|---|---|'];
  for (const s of ['flat', 'nested']) {
    const ours = results.find((r) => r.scenario === s && r.target === 'placement-graphql')?.figures;
    const ref = results.find((r) => r.scenario === s && r.target === 'reference')?.figures;
    if (!ours || !ref) continue;
    const fig = (f: Figures, k: string) => headline(f[k]) ?? NaN;
    const row = (target: string, a: number, b: number, want: number, lowerIsBetter = false, absolute?: [string, boolean]) => {
      const ratio = Math.round((lowerIsBetter ? b / a : a / b) * 10) / 10;
      const met = ratio >= want && (absolute?.[1] ?? true);
      lines.push(`| ${s} | ${target} | ${a} vs ${b}: ${ratio}×${absolute ? `; ${absolute[0]}` : ''} | ${met ? 'yes' : 'no'} |`);
    };
    const p50 = fig(ours, 'candidates latency ms (memo off)');
    row(`candidates p50 ≥ 10×, memo off${s === 'flat' ? ' (≤ 7 ms)' : ''}`, p50, fig(ref, 'candidates latency ms (memo off)'), 10, true, s === 'flat' ? [`${p50} ms`, p50 <= 7] : undefined);
    row('candidates c10 req/s ≥ 10×, memo off', fig(ours, 'candidates c10 req/s (memo off)'), fig(ref, 'candidates c10 req/s (memo off)'), 10);
    const c60 = fig(ours, 'one-step claims/s c60');
    row(
      `one-step claims/s c60 ≥ ${s === 'flat' ? 50 : 20}× reference claims/s c10${s === 'flat' ? ' (≥ 400/s)' : ''}`,
      c60,
      fig(ref, 'two-step claims/s c10'),
      s === 'flat' ? 50 : 20,
      false,
      s === 'flat' ? [`${c60}/s`, c60 >= 400] : undefined,
    );
    row('sequential one-step claims/s ≥ 10× reference sequential claims/s', fig(ours, 'one-step claims/s c1'), fig(ref, 'two-step claims/s c1'), 10);
    const [rss, refRss] = [fig(ours, 'peak RSS MiB per process'), fig(ref, 'peak RSS MiB per process')];
    lines.push(`| ${s} | peak RSS per replica ≤ 2× the reference's largest process | ${rss} vs ${refRss} MiB: ${Math.round((rss / refRss) * 10) / 10}× | ${rss <= 2 * refRss ? 'yes' : 'no'} |`);
  }
  return lines.length > 3 ? lines.join('\n') : '';
}

/** Issue 13's target: the tree dashboard 5× faster than the flat dashboard was (p50 163 ms flat, 485 ms nested). */
const DASHBOARD_BEFORE: Record<string, number> = { flat: 163, nested: 485 };

function treeTargets(): string {
  const lines = [
    '\n### dashboard as trees (issue 13)\n',
    '| scenario | flat dashboard p50 | tree dashboard p50 | ratio | issue baseline | target 5× of baseline | met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const s of ['flat', 'nested']) {
    const ours = results.find((r) => r.scenario === s && r.target === 'placement-graphql')?.figures;
    const [flatP50, treeP50] = [headline(ours?.['dashboard latency ms']), headline(ours?.['tree dashboard latency ms'])];
    if (flatP50 === undefined || treeP50 === undefined) continue;
    const want = DASHBOARD_BEFORE[s] / 5;
    lines.push(
      `| ${s} | ${flatP50} ms | ${treeP50} ms | ${Math.round((flatP50 / treeP50) * 10) / 10}× | ${DASHBOARD_BEFORE[s]} ms | ≤ ${Math.round(want * 10) / 10} ms | ${treeP50 <= want ? 'yes' : 'no'} |`,
    );
  }
  return lines.length > 3 ? lines.join('\n') : '';
}

/** Issue 15's target: an explanation of the whole cloud costs at most 3× the candidates query. */
function explainTargets(): string {
  const lines = [
    '\n### cost of an explanation (issue 15)\n',
    '| scenario | request | candidates p50 / p90 ms | explain p50 / p90 ms | ratio p50 / p90 | target ≤ 3× | load avg |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const f = r.figures;
    for (const label of ['', ' (fits nowhere)']) {
      const [c, x] = [f[`explain: candidates latency ms${label}`], f[`explain: explain latency ms${label}`]] as (Latencies | undefined)[];
      if (!c || !x) continue;
      const [r50, r90] = [f[`explain: ratio explain/candidates p50${label}`], f[`explain: ratio explain/candidates p90${label}`]] as number[];
      lines.push(
        `| ${r.scenario} | ${label ? 'fits nowhere' : 'workload'} | ${c.p50} / ${c.p90} | ${x.p50} / ${x.p90} | ${r50}× / ${r90}× | ${Math.max(r50, r90) <= 3 ? 'yes' : 'no'} | ${f[`explain: load average 1 min${label}`]} |`,
      );
    }
  }
  return lines.length > 3 ? lines.join('\n') : '';
}

const machine = { node: process.version, cpus: cpus().length, model: cpus()[0]?.model, db: values.db ? `postgresql, ${REPLICAS} replicas` : 'sqlite, 1 process', reference: values.reference };
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const wanted = values.scenario === 'all' ? ['flat', 'nested', 'scale'] : values.scenario!.split(',');
const managedReference = values.reference === 'pg' || values.reference === 'sqlite' ? values.reference : undefined;
let fleet: Server[] = [];
let memoServer: Server | undefined;
let referencePid: number | undefined;
const ours = new GraphqlTarget(values.target ? values.target.split(',') : []);
try {
  for (const [name, workload] of [
    ['flat', flat(values.size && !wanted.includes('scale') ? Number(values.size) : 1000)],
    ['nested', nested(values.size && !wanted.includes('scale') ? Number(values.size) : 1000)],
  ] as const) {
    if (!wanted.includes(name)) continue;
    if (values.reference) {
      let url = values.reference;
      if (managedReference) ({ url, pid: referencePid } = startReference(managedReference));
      else await new Reference(url).reset();
      const pid = referencePid ?? pidListeningOn(Number(new URL(url).port));
      const reference = new RestTarget(url);
      if (pid) memory.watch(reference.name, [pid]);
      await measure(reference, workload, name);
      if (referencePid) {
        await stopReference(referencePid);
        referencePid = undefined;
      } else await new Reference(url).reset();
    }
    // Every scenario on fresh servers and an empty database (a --target must be emptied by hand).
    if (!values.target) {
      for (const s of fleet) await stopServer(s);
      fleet = await startFleet();
      ours.urls = fleet.map((s) => s.url);
      memory.watch(
        ours.name,
        fleet.map((s) => s.pid),
      );
    }
    const memoOn = values.target
      ? undefined
      : async () => {
          memoServer = await startServer(fleet[0].databaseUrl, { PLACEMENT_CANDIDATE_MEMO: 'on' });
          return { target: new GraphqlTarget([memoServer.url]), stop: () => stopServer(memoServer!) };
        };
    await measure(ours, workload, name, memoOn);
  }
  if (wanted.includes('scale')) {
    for (const s of fleet) await stopServer(s);
    const server = values.target ? undefined : await startServer(freshDatabaseUrl());
    fleet = server ? [server] : [];
    if (server) ours.urls = [server.url];
    await scale(ours, server);
  }
} finally {
  for (const s of [...fleet, ...(memoServer ? [memoServer] : [])]) await stopServer(s);
  if (referencePid) await stopReference(referencePid);
  memory.stop();
  closeConnections();
}
save();
console.log(table());
console.log(targets());
console.log(treeTargets());
console.log(explainTargets());
console.log(`\n(machine: ${JSON.stringify(machine)}; JSON in ${values.json})`);
