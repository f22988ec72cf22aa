import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
async function make(root: string) {
  const { openDatabase } = await import(`${root}/src/db/client.ts`);
  const { createApp } = await import(`${root}/src/app.ts`);
  const { configFromEnv } = await import(`${root}/src/config.ts`);
  const db = await openDatabase(`file:${path.join(mkdtempSync(path.join(tmpdir(), 'obsb-')), 'b.db')}`);
  const app = createApp(db, configFromEnv({}), { logRequests: false });
  const post = (query: string) => app.fetch('http://t/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then((r: Response) => r.text());
  await post(`mutation { a: createResourceProvider(input: {name: "a"}) { __typename } b: createResourceProvider(input: {name: "b"}) { __typename } }`);
  return { root, db, q: () => post(`query Q { resourceProviders { totalCount edges { node { uuid traits } } } }`) };
}
const sides = [await make('/work/main'), await make('/work/wt-obs')];
for (const s of sides) for (let i = 0; i < 300; i++) await s.q();
const times: Record<string, number[]> = { '/work/main': [], '/work/wt-obs': [] };
for (let r = 0; r < 6; r++) for (const s of sides) { const t = performance.now(); for (let i = 0; i < 300; i++) await s.q(); times[s.root].push((performance.now() - t) / 300); }
for (const [k, v] of Object.entries(times)) { v.sort((a, b) => a - b); console.log(k, 'median ms/query', v[3].toFixed(2), v.map((x) => x.toFixed(2)).join(' ')); }
for (const s of sides) await s.db.close();
