import { openDatabase } from '../src/db/client.ts';
import { createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { candidatesInput } from '../test/conformance/ours.ts';
import { flat, nested } from './bench/workloads.ts';
import { normaliseCandidatesRequest } from '../src/domain/candidates/request.ts';
import { searchCandidates } from '../src/domain/candidates/search.ts';
import { candidateWorld } from '../src/db/candidates.ts';
const db = await openDatabase(process.argv[2]);
const w = process.argv[3] === 'nested' ? nested(1000) : flat(1000);
const app = createApp(db, configFromEnv({}));
const q = `query($r: AllocationCandidatesInput!) { allocationCandidates(request: $r) {
        allocationRequests { allocations { providerUuid resources { resourceClass amount } } mappings { suffix providerUuids } }
        providerSummaries { uuid parentUuid rootUuid traits resources { resourceClass capacity used } } } }`;
const body = JSON.stringify({ query: q, variables: { r: candidatesInput(w.request) } });
const t: Record<string, number> = {};
const time = async (k: string, f: () => any) => { const s = performance.now(); const r = await f(); t[k] = (t[k] ?? 0) + performance.now() - s; return r; };
const N = 100;
const req = normaliseCandidatesRequest(candidatesInput(w.request) as any);
for (let i = 0; i < N + 20; i++) {
  if (i === 20) for (const k in t) t[k] = 0;
  const world = await time('world', () => candidateWorld(db, req));
  await time('search', () => searchCandidates(world, req, { maxCandidates: 100000, strategy: 'breadth-first' }));
  const text = await time('http', async () => (await app.fetch('http://x/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text());
  await time('parse', () => JSON.parse(text));
}
for (const k in t) console.log(k, (t[k] / N).toFixed(2), 'ms');
await db.close();
