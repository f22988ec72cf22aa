import { openDatabase } from '../src/db/client.ts';
import { candidatesInput } from '../test/conformance/ours.ts';
import { flat, nested } from './bench/workloads.ts';
import { normaliseCandidatesRequest } from '../src/domain/candidates/request.ts';
import { searchCandidates } from '../src/domain/candidates/search.ts';
import { candidateWorld } from '../src/db/candidates.ts';
const db = await openDatabase(process.argv[2]);
const w = process.argv[3] === 'nested' ? nested(1000) : flat(1000);
const req = normaliseCandidatesRequest(candidatesInput(w.request) as any);
const N = Number(process.argv[4] ?? 50);
let s = performance.now(); let n = 0;
for (let i = 0; i < N; i++) { const world = await candidateWorld(db, req); n = searchCandidates(world, req, { maxCandidates: 100000, strategy: 'breadth-first' }).candidates.length; }
console.log(n, ((performance.now() - s) / N).toFixed(2), 'ms');
await db.close();
