import { flat, nested } from '/work/main/scripts/bench/workloads.ts';
import { GraphqlTarget } from '/work/main/scripts/bench/targets.ts';
import { randomUUID } from 'node:crypto';
const [url, mode, wl] = process.argv.slice(2);
const t = new GraphqlTarget(url);
const w = wl === 'nested' ? nested(1000) : flat(1000);
const all = [...w.providers()];
if (!process.env.NOLOAD) for (let i = 0; i < all.length; i += 50) await t.load(all.slice(i, i + 50));
const start = performance.now();
let n = 0;
if (mode === 'candidates') for (; n < 200; n++) await t.candidates(w.request);
else for (; n < 200; n++) { const { first } = await t.candidates(w.request); if (first) await t.claim(randomUUID(), first); }
console.log(mode, n, ((performance.now() - start) / n).toFixed(2), 'ms per op');
